"""Paged list views: every list endpoint pages the same way, so a caller learns it once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.auth import current_principal
from gateway.db import UnitOfWork


def paged(
    pagination_parameters: Any, fetch: Callable[..., tuple[list[Any], int]], **filters: Any
) -> list[Any]:
    """Run a service's list function for the caller on the requested page and record the total,
    which flask-smorest turns into the X-Pagination header.

    `fetch` takes a unit of work, `principal`, `limit`, `offset` and the view's filters, and answers
    (rows, total)."""
    rows, total = fetch(
        UnitOfWork(),
        principal=current_principal(),
        limit=pagination_parameters.page_size,
        offset=pagination_parameters.first_item,
        **filters,
    )
    pagination_parameters.item_count = total
    return rows

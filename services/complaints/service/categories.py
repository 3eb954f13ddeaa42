"""The complaint catalogue: categories (= Open311 services), codes, guessing one from text, attributes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from gateway.db import UnitOfWork, session_of
from gateway.errors import ValidationFailed
from services.complaints.catalogue import OTHER
from services.complaints.models import (
    ComplaintCategory,
)


def normalize_code(code: str) -> str:
    return re.sub(r"[\s\-]+", "_", (code or "").strip().lower())


def category_by_code(uow: UnitOfWork, code: str) -> ComplaintCategory | None:
    """A category (Open311 service) by code; 'gawat darurat' and 'gawat-darurat' mean 'gawat_darurat'."""
    return session_of(uow).get(ComplaintCategory, normalize_code(code))


def list_categories(uow: UnitOfWork, *, include_emergency: bool = True) -> list[ComplaintCategory]:
    """The active catalogue in display order (emergency entries last, flagged `emergency`)."""
    with uow:
        stmt = select(ComplaintCategory).where(ComplaintCategory.active.is_(True))
        if not include_emergency:
            stmt = stmt.where(ComplaintCategory.emergency.is_(False))
        return list(session_of(uow).scalars(stmt.order_by(ComplaintCategory.sort)))


def guess_category(categories: Iterable[ComplaintCategory], text: str) -> str:
    """Best keyword match for a free-text message (emergencies included); 'lainnya' when none."""
    lowered = " ".join(re.findall(r"[a-z0-9\-]+", text.lower()))
    words = set(lowered.split())
    best, best_score = OTHER, 0
    for category in categories:
        # a phrase keyword ("jalan rusak") matches as a phrase, a word keyword as a whole word
        score = sum(1 for k in category.keywords if (f" {k} " in f" {lowered} " if " " in k else k in words))
        # Emergencies win ties: better to tell someone to call 112 once too often.
        if score > best_score or (score and score == best_score and category.emergency):
            best, best_score = category.code, score
    return best


def _validate_attributes(
    category: ComplaintCategory, given: dict[str, Any], *, strict: bool
) -> dict[str, Any]:
    """Answers to the category's Open311 attributes: known codes, allowed values, required ones present."""
    spec = {a["code"]: a for a in category.attributes}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for code, value in (given or {}).items():
        attr = spec.get(code)
        if attr is None:
            errors[code] = ["Unknown attribute for this category"]
            continue
        if attr["datatype"] == "singlevaluelist":
            keys = {v["key"] for v in attr["values"]}
            if str(value) not in keys:
                errors[code] = [f"Must be one of: {', '.join(sorted(keys))}"]
                continue
            value = str(value)
        elif attr["datatype"] == "number":
            try:
                value = float(value)
            except (TypeError, ValueError):
                errors[code] = ["Must be a number"]
                continue
        else:
            value = str(value).strip()[:200]
        clean[code] = value
    if strict:
        for code, attr in spec.items():
            if attr.get("required") and code not in clean and code not in errors:
                errors[code] = ["Required for this category"]
    if errors:
        raise ValidationFailed(
            "Invalid category attributes",
            reason="invalid_attributes",
            errors={"json": {"attributes": errors}},
        )
    return clean

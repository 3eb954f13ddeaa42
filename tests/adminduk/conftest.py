"""Adminduk fixtures: a married couple with accounts, a hospital client, and a birth-report helper."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from gateway.db import UnitOfWork

WIB = ZoneInfo("Asia/Jakarta")


def new_kk() -> str:
    return f"127201{secrets.randbelow(10**10):010d}"


def now_wib() -> datetime:
    return datetime.now(WIB).replace(microsecond=0)


@pytest.fixture
def family(citizen: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """A married couple on one KK, both with accounts: {'father', 'mother', 'kk'}."""

    def _make(**mother_fields: Any) -> dict[str, Any]:
        kk = new_kk()
        father = citizen(
            full_name="BUDI SIMANJUNTAK",
            sex="L",
            birth_date=date(1992, 7, 8),
            kk_number=kk,
            family_relationship="KEPALA KELUARGA",
            marital_status="KAWIN",
        )
        values = dict(
            full_name="SITI SIREGAR",
            sex="P",
            birth_date=date(1995, 3, 12),
            kk_number=kk,
            family_relationship="ISTRI",
            marital_status="KAWIN",
        )
        values.update(mother_fields)
        mother = citizen(**values)
        return {"father": father, "mother": mother, "kk": kk}

    return _make


@pytest.fixture
def hospital(machine_client: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return machine_client(scopes=("births:write", "deaths:write"), facility="1272011")


@pytest.fixture
def officer(staff: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return staff("officer", "DISDUKCAPIL")


def birth_body(mother_nik: str, father_nik: str | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "child_name": "",
        "sex": "P",
        "born_at": (now_wib() - timedelta(hours=2)).isoformat(),
        "weight_grams": 3200,
        "length_cm": 49.5,
        "multiple_birth_order": 1,
        "attendant": "dr. Sari Lubis, Sp.OG",
        "mother_nik": mother_nik,
        "father_nik": father_nik,
        "hospital_reference": f"RM-{secrets.token_hex(4)}",
    }
    body.update(overrides)
    return body


@pytest.fixture
def report_birth(client: Any, hospital: dict[str, Any]) -> Callable[..., Any]:
    """POST a birth as the hospital, with a fresh Idempotency-Key unless one is given."""

    def _post(body: dict[str, Any], *, key: str | None = None, headers: dict[str, str] | None = None) -> Any:
        h = dict(headers or hospital["headers"])
        h["Idempotency-Key"] = key or secrets.token_hex(8)
        return client.post("/api/v1/adminduk/births", json=body, headers=h)

    return _post


@pytest.fixture
def count(app: Any) -> Callable[[Any], int]:
    """How many rows a table holds (to prove that nothing was written)."""

    def _count(model: Any) -> int:
        with app.app_context(), UnitOfWork() as uow:
            assert uow.session is not None
            return uow.session.scalar(select(func.count()).select_from(model)) or 0

    return _count


@pytest.fixture
def db(app: Any) -> Callable[..., Any]:
    """Run f(session) in a unit of work and return its result (for registry facts the API does not show)."""

    def _run(f: Callable[[Any], Any]) -> Any:
        with app.app_context(), UnitOfWork() as uow:
            return f(uow.session)

    return _run

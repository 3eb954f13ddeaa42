"""Births at the same moment: unique NIK serials and akta numbers (fifty at once on PostgreSQL), races."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.adminduk.conftest import birth_body, new_kk, now_wib
from tests.conftest import DATABASE_URL

postgres_only = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"),
    reason="SQLite serialises every writer with one database lock; row-level concurrency needs PostgreSQL",
)


@postgres_only
def test_fifty_simultaneous_births_get_fifty_distinct_consecutive_niks(app, make_resident, hospital):
    mothers = [
        make_resident(
            sex="P", birth_date=date(1996, 5, 20), kk_number=new_kk(), family_relationship="KEPALA KELUARGA"
        )
        for _ in range(50)
    ]
    born_at = now_wib().replace(hour=0, minute=10, second=0)
    if born_at > now_wib():
        born_at -= timedelta(days=1)
    start = threading.Barrier(50)

    def post(mother_nik: str) -> tuple[int, dict]:
        client = app.test_client()
        start.wait()
        r = client.post(
            "/api/v1/adminduk/births",
            json=birth_body(mother_nik, sex="L", born_at=born_at.isoformat()),
            headers={**hospital["headers"], "Idempotency-Key": secrets.token_hex(8)},
        )
        return r.status_code, r.json

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(post, [m.nik for m in mothers]))
    assert [status for status, _ in results] == [201] * 50, [
        body for status, body in results if status != 201
    ][:3]
    niks = [body["child_nik"] for _, body in results]
    assert len(set(niks)) == 50
    assert {n[:12] for n in niks} == {f"127201{born_at:%d%m%y}"}
    assert sorted(int(n[12:]) for n in niks) == list(range(1, 51))
    aktas = [body["akta_number"] for _, body in results]
    assert sorted(int(a[-4:]) for a in aktas) == list(range(1, 51))


def test_the_same_birth_reported_twice_at_once_is_registered_once(app, family, hospital):
    fam = family()
    body = birth_body(fam["mother"]["resident"].nik, fam["father"]["resident"].nik)
    start = threading.Barrier(2)

    def post(_: int) -> tuple[int, dict]:
        client = app.test_client()
        start.wait()
        r = client.post(
            "/api/v1/adminduk/births",
            json=body,
            headers={**hospital["headers"], "Idempotency-Key": secrets.token_hex(8)},
        )
        return r.status_code, r.json

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(post, range(2)), key=lambda x: x[0])
    assert [status for status, _ in results] == [201, 409]
    assert results[1][1]["existing_id"] == results[0][1]["id"]


def test_twins_reported_at_the_same_moment_both_land_on_the_kk(app, family, hospital, db):
    from gateway.documents.models import Document

    fam = family()
    born_at = (now_wib() - timedelta(hours=1)).isoformat()
    bodies = [
        birth_body(
            fam["mother"]["resident"].nik,
            fam["father"]["resident"].nik,
            born_at=born_at,
            sex=sex,
            multiple_birth_order=order,
        )
        for order, sex in ((1, "L"), (2, "P"))
    ]
    start = threading.Barrier(2)

    def post(body: dict) -> tuple[int, dict]:
        client = app.test_client()
        start.wait()
        r = client.post(
            "/api/v1/adminduk/births",
            json=body,
            headers={**hospital["headers"], "Idempotency-Key": secrets.token_hex(8)},
        )
        return r.status_code, r.json

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(post, bodies))
    assert [status for status, _ in results] == [201, 201], results
    kk_ids = [next(d["id"] for d in body["documents"] if d["kind"] == "kk") for _, body in results]
    versions = sorted(
        db(
            lambda s: [
                (d.version, len(d.table["rows"]), d.status)
                for d in s.scalars(select(Document).where(Document.id.in_(kk_ids)))
            ]
        )
    )
    assert versions[-1][1] == 4 and versions[-1][2] == "valid"  # the newest KK lists both twins
    assert versions[0][2] == "replaced"

"""Every datetime adminduk returns is ISO 8601 in Asia/Jakarta (+07:00), however it was sent or stored."""

from __future__ import annotations

import base64
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.adminduk.conftest import birth_body, now_wib

LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+07:00$")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _datetimes(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every (path, value) in a JSON answer whose key names a moment (`…_at` or `at`)."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if (key == "at" or key.endswith("_at")) and item is not None:
                found.append((f"{path}.{key}", item))
            else:
                found += _datetimes(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _datetimes(item, f"{path}[{i}]")
    return found


def assert_local(body: Any) -> int:
    moments = _datetimes(body)
    wrong = [(p, v) for p, v in moments if not isinstance(v, str) or not LOCAL.match(v)]
    assert not wrong, wrong
    return len(moments)


def _early_morning() -> datetime:
    """01:05 WIB, when the date in Jakarta is a day after the date in UTC."""
    moment = now_wib().replace(hour=1, minute=5, second=0)
    return moment if moment < now_wib() else moment - timedelta(days=1)


def test_born_at_answers_the_same_in_wib_from_post_and_get(client, family, report_birth, hospital, officer):
    fam = family()
    born = _early_morning()
    sent_in_utc = born.astimezone(UTC).isoformat()  # "…T18:05:00+00:00" the day before
    r = report_birth(birth_body(fam["mother"]["resident"].nik, born_at=sent_in_utc))
    assert r.status_code == 201, r.json
    expected = born.isoformat()
    assert expected.endswith("T01:05:00+07:00")
    assert r.json["born_at"] == expected
    assert r.json["birth_date"] == born.date().isoformat()
    assert assert_local(r.json) >= 4  # born_at, created_at, registered_at, transitions, issued_at
    for headers in (fam["mother"]["headers"], hospital["headers"], officer["headers"]):
        got = client.get(f"/api/v1/adminduk/births/{r.json['id']}", headers=headers)
        assert got.status_code == 200
        assert got.json["born_at"] == expected
        assert got.json["created_at"] == r.json["created_at"]
        assert got.json["registered_at"] == r.json["registered_at"]
        assert_local(got.json)
    listed = client.get("/api/v1/adminduk/births", headers=hospital["headers"])
    assert listed.status_code == 200 and assert_local(listed.json) >= 1
    docs = client.get("/api/v1/me/documents", headers=fam["mother"]["headers"])
    assert docs.status_code == 200 and assert_local(docs.json) == 3


def test_deaths_corrections_and_reviews_answer_in_wib(client, family, report_birth, hospital, officer):
    fam = family()
    died = now_wib().replace(microsecond=0) - timedelta(hours=2)
    dead = fam["father"]["resident"]
    r = client.post(
        "/api/v1/adminduk/deaths",
        json={
            "nik": dead.nik,
            "full_name": dead.full_name,
            "birth_date": dead.birth_date.isoformat(),
            "died_at": died.astimezone(UTC).isoformat(),
            "place": "RSUD dr. Djasamen Saragih",
            "hospital_reference": "RM-T1",
        },
        headers={**hospital["headers"], "Idempotency-Key": secrets.token_hex(8)},
    )
    assert r.status_code == 201, r.json
    assert r.json["died_at"] == died.isoformat()
    assert_local(r.json)
    got = client.get(f"/api/v1/adminduk/deaths/{r.json['id']}", headers=officer["headers"])
    assert got.json["died_at"] == died.isoformat() and assert_local(got.json) >= 4

    other = family()
    late = (now_wib() - timedelta(days=61)).isoformat()
    held = report_birth(birth_body(other["mother"]["resident"].nik, child_name="Maria", born_at=late))
    assert held.status_code == 201 and held.json["state"] == "needs_review"
    queue = client.get("/api/v1/adminduk/reviews", headers=officer["headers"])
    assert queue.status_code == 200 and assert_local(queue.json) >= 1
    approved = client.post(
        f"/api/v1/adminduk/births/{held.json['id']}/approve",
        json={"reason": "Surat keterangan lahir ada"},
        headers=officer["headers"],
    )
    assert approved.status_code == 200 and assert_local(approved.json) >= 5

    akta = next(d for d in approved.json["documents"] if d["kind"] == "akta_kelahiran")
    correction = client.post(
        "/api/v1/adminduk/corrections",
        json={
            "document_id": akta["id"],
            "corrected_name": "Maria Rosa",
            "attachment": {"content_type": "image/png", "data": base64.b64encode(PNG).decode()},
        },
        headers=other["mother"]["headers"],
    )
    assert correction.status_code == 201, correction.json
    assert_local(correction.json)
    decided = client.post(
        f"/api/v1/adminduk/corrections/{correction.json['id']}/approve",
        json={"reason": "Sesuai surat"},
        headers=officer["headers"],
    )
    assert decided.status_code == 200 and decided.json["decided_at"]
    assert assert_local(decided.json) >= 4
    listed = client.get("/api/v1/adminduk/corrections?state=approved", headers=officer["headers"])
    assert assert_local(listed.json) >= 4


def test_applications_answer_in_wib(client, family, report_birth, officer):
    fam = family()
    r = client.post(
        "/api/v1/adminduk/applications",
        json={
            "kind": "kk_change",
            "kk_change": {
                "change": "address",
                "kelurahan_code": "12.72.02.1003",
                "address": "Jl. Merdeka No. 45",
                "rt": "4",
                "rw": "7",
            },
        },
        headers=fam["father"]["headers"],
    )
    assert r.status_code == 201, r.json
    assert assert_local(r.json) >= 3  # submitted_at, due_at, created_at, events
    app_id = r.json["id"]
    queue = client.get("/api/v1/adminduk/applications/queue", headers=officer["headers"])
    assert queue.status_code == 200 and assert_local(queue.json) >= 2
    for step in ("review", "approve"):
        done = client.post(
            f"/api/v1/adminduk/applications/{app_id}/{step}", json={}, headers=officer["headers"]
        )
        assert done.status_code == 200, done.json
    got = client.get(f"/api/v1/adminduk/applications/{app_id}", headers=fam["father"]["headers"])
    assert got.json["documents"] and got.json["decided_at"]
    assert assert_local(got.json) >= 6
    mine = client.get("/api/v1/adminduk/applications", headers=fam["father"]["headers"])
    assert mine.status_code == 200 and assert_local(mine.json) >= 3

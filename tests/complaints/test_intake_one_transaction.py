"""Filing a complaint with an Idempotency-Key is one transaction: the complaint, its history and its
outbox row commit together with the key's stored answer (no claim committed before, no answer after),
and retries — sequential or concurrent — still file once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event, text

from tests.complaints.conftest import POTHOLE
from tests.conftest import DATABASE_URL


def _mine(client: Any, headers: dict[str, str]) -> list[str]:
    return [c["number"] for c in client.get("/api/v1/complaints/mine", headers=headers).json]


class _Transactions:
    """The INSERTs of each transaction the app's engine ran, in order (committed ones only)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.committed: list[list[str]] = []
        self._open: dict[int, list[str]] = {}

    def __enter__(self) -> _Transactions:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "rollback", self._rollback)
        return self

    def __exit__(self, *_: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)

    def _statement(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split()
        if words[:2] == ["INSERT", "INTO"]:
            self._open.setdefault(id(conn), []).append(words[2].strip('"'))

    def _commit(self, conn: Any) -> None:
        self.committed.append(self._open.pop(id(conn), []))

    def _rollback(self, conn: Any) -> None:
        self._open.pop(id(conn), None)


def test_the_complaint_and_its_key_answer_commit_together(app, client, citizen):
    me = citizen()
    headers = {**me["headers"], "Idempotency-Key": "one-transaction-1"}
    with _Transactions(app.extensions["database"].engine) as seen:
        r = client.post("/api/v1/complaints", json=POTHOLE, headers=headers)
    assert r.status_code == 201, r.json
    with_key = [t for t in seen.committed if "idempotency_record" in t]
    assert len(with_key) == 1, seen.committed  # no claim committed on its own before the change
    assert {"complaints_complaint", "complaints_event", "outbox_job"} <= set(with_key[0])


def test_a_retry_replays_the_first_answer_and_files_once(client, citizen):
    me = citizen()
    headers = {**me["headers"], "Idempotency-Key": "one-transaction-2"}
    first = client.post("/api/v1/complaints", json=POTHOLE, headers=headers)
    again = client.post("/api/v1/complaints", json=POTHOLE, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert _mine(client, me["headers"]) == [first.json["number"]]
    other = client.post("/api/v1/complaints", json={**POTHOLE, "description": "Lain"}, headers=headers)
    assert other.status_code == 422 and other.json["reason"] == "idempotency_key_reused"


def test_a_refused_filing_keeps_its_answer_and_writes_nothing_else(client, citizen):
    me = citizen()
    headers = {**me["headers"], "Idempotency-Key": "one-transaction-3"}
    body = {**POTHOLE, "category_code": "kebakaran", "attributes": {}}
    first = client.post("/api/v1/complaints", json=body, headers=headers)
    again = client.post("/api/v1/complaints", json=body, headers=headers)
    assert first.status_code == again.status_code == 422
    assert first.json["reason"] == again.json["reason"] == "emergency_call_112"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _mine(client, me["headers"]) == []


def test_without_a_key_a_filing_commits_as_before(client, citizen):
    me = citizen()
    r = client.post("/api/v1/complaints", json=POTHOLE, headers=me["headers"])
    assert r.status_code == 201
    assert _mine(client, me["headers"]) == [r.json["number"]]


@pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"),
    reason="SQLite serialises every writer with one database lock; concurrent twins need PostgreSQL",
)
def test_concurrent_twins_with_one_key_file_once_and_answer_alike(app, citizen):
    me = citizen()
    headers = {**me["headers"], "Idempotency-Key": "one-transaction-twins"}
    answers: list[Any] = []
    start = threading.Barrier(4)

    def post() -> None:
        client = app.test_client()
        start.wait()
        r = client.post("/api/v1/complaints", json=POTHOLE, headers=headers)
        answers.append((r.status_code, r.json))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    created = [body["number"] for status, body in answers if status == 201]
    assert created and len(set(created)) == 1, answers
    assert all(status == 201 or body["reason"] == "idempotency_in_progress" for status, body in answers)
    with app.app_context():
        engine = app.extensions["database"].engine
        with engine.connect() as conn:
            filed = conn.execute(
                text("SELECT count(*) FROM complaints_complaint WHERE reporter_resident_id = :r"),
                {"r": me["resident"].id},
            ).scalar_one()
    assert filed == 1

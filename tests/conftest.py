"""Test fixtures: one app per session on SQLite (default) or DATABASE_URL/REDIS_URL, real commits,
every table emptied after each test, a real RQ worker (burst) when Redis is configured."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, delete, text
from werkzeug.serving import make_server

from gateway import outbox
from gateway import queue as q
from gateway.app import create_app
from gateway.auth import issue_access_token
from gateway.cli import register_cli
from gateway.db import Base, UnitOfWork
from gateway.documents.tsa import create_simulator as create_tsa_simulator
from gateway.extensions import limiter
from gateway.identity import staff as staff_service
from gateway.identity.models import CitizenAccount, Resident
from gateway.identity.passwords import hash_password

TMP = Path(tempfile.mkdtemp(prefix="siantar-test-"))
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{TMP / 'test.db'}"
REDIS_URL = os.environ.get("REDIS_URL") or None
PASSWORD = "correct-horse-battery"


def reference_tables() -> set[str]:
    """Tables seeded once per session (OPDs, facilities, catalogues): kept between tests."""
    return {t.name for t in Base.metadata.sorted_tables if t.info.get("reference")}


PKI = {
    "DOCUMENT_SIGNING_KEY_FILE": str(TMP / "document_signing_key.pem"),
    "DOCUMENT_SIGNING_CERT_FILE": str(TMP / "document_signing_cert.pem"),
    "DOCUMENT_CA_KEY_FILE": str(TMP / "city_ca_key.pem"),
    "DOCUMENT_CA_CERT_FILE": str(TMP / "city_ca.pem"),
}


@pytest.fixture(scope="session")
def tsa_url() -> Iterator[str]:
    """The local RFC 3161 timestamp authority, over real HTTP, as `flask tsa-simulator` runs it."""
    simulator = create_tsa_simulator(
        key_file=TMP / "tsa_key.pem",
        cert_file=TMP / "tsa_cert.pem",
        ca_key_file=PKI["DOCUMENT_CA_KEY_FILE"],
        ca_cert_file=PKI["DOCUMENT_CA_CERT_FILE"],
    )
    http = make_server("127.0.0.1", 0, simulator, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True, name="tsa-simulator").start()
    yield f"http://127.0.0.1:{http.server_port}/"
    http.shutdown()


@pytest.fixture(scope="session")
def app(tsa_url: str) -> Iterator[Flask]:
    app = create_app(
        {
            "APP_ENV": "test",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "JWT_PRIVATE_KEY_FILE": str(TMP / "jwt.pem"),
            **PKI,
            "DOCUMENT_TSA_URL": tsa_url,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
        }
    )
    register_cli(app)
    with app.app_context():
        engine = app.extensions["database"].engine
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        with UnitOfWork() as uow:
            staff_service.seed_reference(uow)
            uow.commit()
        for seeder in app.extensions["modules"].seeders("reference"):
            seeder()
        yield app
        engine.dispose()
    shutil.rmtree(TMP, ignore_errors=True)


@contextmanager
def _append_only_lifted(conn: Connection) -> Iterator[None]:
    """Emptying the tables between tests is the one DELETE an append-only table (the payments ledger)
    must take: PostgreSQL skips triggers for this transaction; SQLite's are dropped and put back."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        return
    triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    for name, _ in triggers:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _, sql in triggers:
        conn.execute(text(sql))


@pytest.fixture(autouse=True)
def _clean(app: Flask) -> Iterator[None]:
    """Real commits (a real worker must see them); every non-reference table is emptied afterwards."""
    with app.app_context():
        limiter.reset()
    connection = q.redis_connection(app)
    if connection is not None:
        connection.flushdb()
    yield
    with app.app_context():
        keep = reference_tables()
        engine = app.extensions["database"].engine
        with engine.begin() as conn, _append_only_lifted(conn):
            for table in reversed(Base.metadata.sorted_tables):
                if table.name not in keep and table.name not in ("identity_opd", "identity_facility"):
                    conn.execute(delete(table))
    if connection is not None:
        connection.flushdb()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def run_jobs(app: Flask) -> Callable[[], None]:
    """Run everything queued: a real RQ worker in burst mode (Redis), else the in-process relay."""

    def _run() -> None:
        with app.app_context():
            outbox.relay(app.extensions["database"])
            connection = q.redis_connection(app)
            if connection is None:
                return
            from rq import Worker
            from rq.serializers import JSONSerializer

            for _ in range(5):  # jobs may enqueue jobs (notifications after documents …)
                Worker(list(q.QUEUE_NAMES), connection=connection, serializer=JSONSerializer).work(
                    burst=True, logging_level="WARNING"
                )
                outbox.relay(app.extensions["database"], ids=None)
                if all(q.queue(n, connection).count == 0 for n in q.QUEUE_NAMES):
                    break

    return _run


_serials: dict[str, int] = {}


def make_nik(region: str = "127201", born: date = date(1990, 1, 15), sex: str = "L") -> str:
    day = born.day + (40 if sex == "P" else 0)
    prefix = f"{region}{day:02d}{born:%m%y}"
    _serials[prefix] = _serials.get(prefix, 0) + 1
    return f"{prefix}{_serials[prefix]:04d}"


@pytest.fixture
def make_resident(app: Flask) -> Callable[..., Resident]:
    """Insert a resident into the registry; returns the row (detached)."""

    def _make(**kw: Any) -> Resident:
        sex = kw.pop("sex", "L")
        born = kw.pop("birth_date", date(1990, 1, 15))
        values = dict(
            nik=kw.pop("nik", None) or make_nik(kw.pop("region", "127201"), born, sex),
            kk_number=kw.pop("kk_number", "1272011501200001"),
            full_name="WARGA UJI",
            sex=sex,
            birth_place="PEMATANGSIANTAR",
            birth_date=born,
            family_relationship="KEPALA KELUARGA",
            marital_status="KAWIN",
            kelurahan_code="12.72.01.1001",
            address="Jl. Sutomo No. 1",
            rt="001",
            rw="002",
        )
        values.update(kw)
        with app.app_context(), UnitOfWork() as uow:
            assert uow.session is not None
            resident = Resident(**values)
            uow.session.add(resident)
            uow.commit()
            return resident

    return _make


@pytest.fixture
def citizen(app: Flask, make_resident: Callable[..., Resident]) -> Callable[..., dict[str, Any]]:
    """A citizen with an account: {'resident', 'account', 'token', 'headers'}."""

    def _make(**kw: Any) -> dict[str, Any]:
        phone = kw.pop("phone", None) or f"+62812{secrets.randbelow(10**8):08d}"
        resident = make_resident(**kw)
        with app.app_context(), UnitOfWork() as uow:
            assert uow.session is not None
            account = CitizenAccount(
                resident_id=resident.id, phone=phone, password_hash=hash_password(PASSWORD)
            )
            uow.session.add(account)
            uow.commit()
            token, _ = issue_access_token(
                kind="citizen", subject=account.id, role="citizen", resident_id=resident.id
            )
        return {
            "resident": resident,
            "account": account,
            "token": token,
            "headers": {"Authorization": f"Bearer {token}"},
        }

    return _make


@pytest.fixture
def staff(app: Flask) -> Callable[..., dict[str, Any]]:
    """A staff member: staff(role='officer', opd='DINAS_PUTR', position=None)."""

    def _make(
        role: str = "officer",
        opd: str | None = None,
        position: str | None = None,
        zones: list[str] | None = None,
    ) -> dict[str, Any]:
        if role == "officer" and opd is None:
            opd = "DINAS_PUTR"
        with app.app_context():
            member = staff_service.create_staff(
                UnitOfWork(),
                username=f"{role}.{secrets.token_hex(4)}",
                full_name=f"Uji {role}",
                role=role,
                opd_code=opd,
                position=position,
                zones=zones or [],
                password=PASSWORD,
            )
            token, _ = issue_access_token(
                kind="staff", subject=member.id, role=role, opd=opd, zones=zones or []
            )
        return {"staff": member, "token": token, "headers": {"Authorization": f"Bearer {token}"}}

    return _make


@pytest.fixture
def machine_client(app: Flask) -> Callable[..., dict[str, Any]]:
    """A machine client with scopes (and a facility); headers carry a client-credentials token."""

    def _make(
        scopes: tuple[str, ...] = ("births:write",), facility: str | None = "1272011"
    ) -> dict[str, Any]:
        with app.app_context():
            client, secret = staff_service.create_client(
                UnitOfWork(), name="Uji SIMRS", scopes=list(scopes), facility_code=facility
            )
            token, _ = issue_access_token(
                kind="client", subject=client.client_id, role="client", scopes=list(scopes), facility=facility
            )
        return {
            "client_id": client.client_id,
            "secret": secret,
            "token": token,
            "headers": {"Authorization": f"Bearer {token}"},
        }

    return _make


@pytest.fixture
def sms_to(app: Flask) -> Callable[[str], list[str]]:
    """Bodies of the messages recorded by the development SMS adapter for a number, newest first."""
    from gateway import notify

    def _read(phone: str) -> list[str]:
        with app.app_context(), UnitOfWork() as uow:
            return [m.body for m in notify.messages_to(uow, phone, 50)]

    return _read

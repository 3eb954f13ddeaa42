"""The edge: one error body, request ids, masked logs, CORS, health and metrics, idempotency, admin jobs, CLI."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import re
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from flask import abort
from sqlalchemy import func, select

from gateway import logs, outbox
from gateway import queue as q
from gateway.db import UnitOfWork
from gateway.identity import kk_fields, registry, wilayah
from gateway.identity import nik as nik_rules
from gateway.identity.models import Resident, Staff
from gateway.notify import InboxItem
from tests.conftest import PASSWORD, REDIS_URL, make_nik
from tests.gateway import slowjobs
from tests.gateway.support import other_app

ERROR_KEYS = {"code", "status", "message", "reason"}


def assert_error(response, code: int, reason: str) -> dict:
    assert response.status_code == code, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.content_type == "application/json"
    body = response.get_json()
    assert set(body) >= ERROR_KEYS and set(body) <= ERROR_KEYS | {"errors"}, body
    assert body["code"] == code and body["reason"] == reason
    assert isinstance(body["status"], str) and isinstance(body["message"], str)
    return body


@contextlib.contextmanager
def production_log(json_lines: bool = False) -> Iterator[io.StringIO]:
    """What the app's own log handler (scrub filter + formatter) writes, captured."""
    root = logging.getLogger()
    handler = next(h for h in root.handlers if any(isinstance(f, logs.ScrubFilter) for f in h.filters))
    stream = io.StringIO()
    old_stream, old_formatter = handler.setStream(stream), handler.formatter
    if json_lines:
        handler.setFormatter(logs.JsonFormatter())
    try:
        yield stream
    finally:
        handler.setStream(old_stream)
        handler.setFormatter(old_formatter)


# ---- the one error body -----------------------------------------------------------------------------


def test_unknown_route_is_a_404_error_body(client):
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_wrong_method_is_a_405_error_body_with_allow(client):
    r = client.get("/api/v1/auth/login")
    assert_error(r, 405, "method_not_allowed")
    assert "POST" in r.headers["Allow"]


def test_body_over_the_cap_is_a_413_error_body(client, app):
    big = b'{"username": "' + b"x" * app.config["MAX_CONTENT_LENGTH"] + b'", "password": "x"}'
    r = client.post("/api/v1/auth/login", data=big, content_type="application/json")
    assert_error(r, 413, "payload_too_large")


def test_rate_limit_is_a_429_error_body_with_retry_after(client):
    for _ in range(5):
        client.post("/api/v1/auth/password-reset", json={"login": "081299998888"})
    r = client.post("/api/v1/auth/password-reset", json={"login": "081299998888"})
    assert_error(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) > 0


def test_validation_errors_name_each_field(client):
    r = client.post("/api/v1/auth/signup", json={"nik": "123", "birth_date": "kemarin"})
    body = assert_error(r, 422, "validation_failed")
    fields = body["errors"]["json"]
    assert {"nik", "birth_date", "full_name", "phone"} <= set(fields)


def test_unknown_json_fields_are_rejected(client):
    r = client.post("/api/v1/auth/login", json={"username": "a", "password": "b", "is_admin": True})
    body = assert_error(r, 422, "validation_failed")
    assert "is_admin" in body["errors"]["json"]


def test_malformed_json_is_a_400_error_body(client):
    r = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert_error(r, 400, "bad_request")


def test_errors_raised_outside_views_are_500_without_a_stack_trace(app):
    with other_app(app) as boom:

        @boom.before_request
        def _explode_before():
            from flask import request

            if request.path == "/boom/before":
                raise RuntimeError("secret detail 1272010807920001")
            if request.path == "/boom/abort":
                abort(503)

        @boom.after_request
        def _explode_after(response):
            from flask import request

            if request.path == "/boom/after":
                raise KeyError("secret detail in after_request")
            return response

        client = boom.test_client()
        with production_log() as out:
            for path in ("/boom/before", "/boom/after"):
                r = client.get(path)
                body = assert_error(r, 500, "internal_error")
                text = r.get_data(as_text=True)
                assert "Traceback" not in text and "secret detail" not in text, text
                assert body["message"]
            assert_error(client.get("/boom/abort"), 503, "unavailable")
        logged = out.getvalue()
        assert "Traceback" in logged and "RuntimeError" in logged  # the operator sees it …
        assert "1272010807920001" not in logged and "1272********0001" in logged  # … masked


# ---- request ids and logs ---------------------------------------------------------------------------


def test_request_id_is_accepted_or_generated_and_echoed(client):
    r = client.get("/healthz", headers={"X-Request-ID": "mobile-7f3a"})
    assert r.headers["X-Request-ID"] == "mobile-7f3a"
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/healthz").headers["X-Request-ID"] != generated
    too_long = client.get("/healthz", headers={"X-Request-ID": "x" * 65}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", too_long)
    # error responses carry it too
    assert client.get("/api/v1/nope", headers={"X-Request-ID": "e-1"}).headers["X-Request-ID"] == "e-1"


def _signup_login_flow(client, make_resident, sms_to, phone_local: str, request_id: str) -> dict:
    resident = make_resident(full_name="LOG UJI", sex="P", birth_date=date(1994, 6, 9))
    h = {"X-Request-ID": request_id}
    r = client.post(
        "/api/v1/auth/signup",
        json={"nik": resident.nik, "full_name": "Log Uji", "birth_date": "1994-06-09", "phone": phone_local},
        headers=h,
    )
    assert r.status_code == 202, r.json
    phone = "+62" + phone_local[1:]
    otp = re.search(r"\b(\d{6})\b", sms_to(phone)[0]).group(1)
    r = client.post(
        f"/api/v1/auth/signup/{r.json['id']}/verify",
        json={"otp": otp, "password": "rahasia-log-123"},
        headers=h,
    )
    assert r.status_code == 201, r.json
    r = client.post(
        "/api/v1/auth/login", json={"username": resident.nik, "password": "rahasia-log-123"}, headers=h
    )
    assert r.status_code == 200
    tokens = r.json
    bearer = {**h, "Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": phone, "password": "wrong-one"}, headers=h
        ).status_code
        == 401
    )
    return {"nik": resident.nik, "phone": phone, "otp": otp, "password": "rahasia-log-123", **tokens}


def _assert_no_secrets(text: str, secrets_: dict) -> None:
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", text), "a full NIK/KK number was logged"
    assert not re.search(r"(?<![\d*])(\+?62|0)8\d{8,11}(?!\d)", text), "a full phone number was logged"
    for name in ("nik", "phone", "password", "otp", "access_token", "refresh_token"):
        value = secrets_[name]
        assert value not in text, f"{name} was logged"
    assert secrets_["phone"][3:] not in text


def test_logs_mask_nik_phone_password_otp_and_tokens_and_carry_the_request_id(client, make_resident, sms_to):
    with production_log() as out:
        secrets_ = _signup_login_flow(client, make_resident, sms_to, "081266660001", "flow-req-1")
        # a careless module logging a whole payload is masked too
        logging.getLogger("services.careless").warning(
            "payload %s / Authorization: Bearer %s",
            {
                "nik": secrets_["nik"],
                "phone": secrets_["phone"],
                "password": secrets_["password"],
                "otp": secrets_["otp"],
                "refresh_token": secrets_["refresh_token"],
            },
            secrets_["access_token"],
        )
    text = out.getvalue()
    _assert_no_secrets(text, secrets_)
    request_lines = [line for line in text.splitlines() if "/api/v1/" in line]
    assert len(request_lines) >= 5
    assert all("[flow-req-1]" in line for line in request_lines), request_lines
    assert any("POST /api/v1/auth/login 401" in line for line in request_lines)


def test_production_json_logs_are_masked_and_carry_the_request_id(client, make_resident, sms_to):
    with production_log(json_lines=True) as out:
        secrets_ = _signup_login_flow(client, make_resident, sms_to, "081266660002", "flow-req-2")
    text = out.getvalue()
    _assert_no_secrets(text, secrets_)
    records = [json.loads(line) for line in text.splitlines()]
    requests = [r for r in records if r.get("path", "").startswith("/api/v1/")]
    assert len(requests) >= 5
    assert {r["request_id"] for r in requests} == {"flow-req-2"}
    assert all({"ts", "level", "logger", "message", "method", "status"} <= set(r) for r in requests)


# ---- CORS, health, metrics --------------------------------------------------------------------------


def test_cors_headers_only_for_configured_origins(client, app):
    allowed = app.config["CORS_ORIGINS"].split(",")[0].strip()
    r = client.get("/healthz", headers={"Origin": allowed})
    assert r.headers["Access-Control-Allow-Origin"] == allowed
    assert "X-Request-ID" in r.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/v1/auth/login",
        headers={
            "Origin": allowed,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type, Authorization",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == allowed
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    r = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json["checks"]["database"] == "ok"
    if REDIS_URL:
        assert r.json["checks"]["redis"] == "ok"


def test_readyz_is_503_when_the_database_is_unreachable(app):
    with other_app(app, DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/nowhere") as broken:
        client = broken.test_client()
        assert client.get("/healthz").status_code == 200  # alive …
        r = client.get("/readyz")  # … but not ready
        assert r.status_code == 503
        assert r.json == {
            "status": "unavailable",
            "checks": {"database": "unreachable", **({"redis": "ok"} if REDIS_URL else {})},
        }


def _samples(text: str) -> dict[tuple, float]:
    from prometheus_client.parser import text_string_to_metric_families

    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_expose_request_counts_latency_queue_depth_and_outbox(client, app):
    client.get("/healthz")
    client.get("/healthz")
    with app.app_context(), UnitOfWork() as uow:
        outbox.enqueue(uow, slowjobs.needs_resident, resident_id=str(uuid.uuid4()))
        uow.commit()
    r = client.get("/metrics")
    assert r.status_code == 200 and r.content_type.startswith("text/plain")
    samples = _samples(r.get_data(as_text=True))
    healthz = (("endpoint", "/healthz"), ("method", "GET"), ("status", "200"))
    assert samples[("http_requests_total", healthz)] >= 2
    latency = (("endpoint", "/healthz"), ("method", "GET"))
    assert samples[("http_request_duration_seconds_count", latency)] >= 2
    if REDIS_URL:
        # relayed to RQ, waiting for a worker
        assert samples[("rq_queue_depth", (("queue", "default"),))] == 1
        assert samples[("rq_failed_jobs", (("queue", "default"),))] == 0
        assert samples[("outbox_pending", ())] == 0
    else:
        # the in-process run failed: the row waits in the outbox for a re-run
        assert samples[("outbox_pending", ())] == 1


# ---- idempotency ------------------------------------------------------------------------------------


def test_same_idempotency_key_and_body_replays_the_first_response(client, staff, app):
    admin = staff(role="admin")
    body = {"username": "loket.idem", "full_name": "Petugas", "role": "counter", "password": PASSWORD}
    headers = {**admin["headers"], "Idempotency-Key": "k-1"}
    first = client.post("/api/v1/admin/staff", json=body, headers=headers)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = client.post("/api/v1/admin/staff", json=body, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    with app.app_context(), UnitOfWork() as uow:
        n = uow.session.scalar(select(func.count()).select_from(Staff).where(Staff.username == "loket.idem"))
    assert n == 1
    changed = client.post("/api/v1/admin/staff", json={**body, "full_name": "Lain"}, headers=headers)
    assert_error(changed, 422, "idempotency_key_reused")
    # without the key the second request is a real one (and a conflict)
    assert client.post("/api/v1/admin/staff", json=body, headers=admin["headers"]).status_code == 409


def test_idempotency_keys_are_per_caller(client, staff):
    one, two = staff(role="admin"), staff(role="admin")
    for i, who in enumerate((one, two)):
        body = {"username": f"loket.per{i}", "full_name": "P", "role": "counter", "password": PASSWORD}
        r = client.post(
            "/api/v1/admin/staff", json=body, headers={**who["headers"], "Idempotency-Key": "same"}
        )
        assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers


def test_machine_client_post_without_idempotency_key_is_400(client, machine_client):
    hospital = machine_client()
    r = client.post("/api/v1/auth/logout", json={}, headers=hospital["headers"])
    assert_error(r, 400, "idempotency_key_required")
    r = client.post(
        "/api/v1/auth/logout", json={}, headers={**hospital["headers"], "Idempotency-Key": "x" * 201}
    )
    assert_error(r, 400, "idempotency_key_invalid")


# ---- failed jobs ------------------------------------------------------------------------------------


def test_failed_jobs_are_listed_and_can_be_requeued(client, staff, app, run_jobs, make_resident):
    admin = staff(role="admin")
    missing = str(uuid.uuid4())
    with app.app_context():
        if REDIS_URL:
            # a job with no retries left lands in RQ's failed registry (here: one with no retries at all)
            q.queue("default").enqueue(
                "tests.gateway.slowjobs.needs_resident",
                kwargs={"resident_id": missing},
                job_id=f"t-{missing}",
            )
        else:
            with UnitOfWork() as uow:
                outbox.enqueue(uow, slowjobs.needs_resident, resident_id=missing)
                uow.commit()  # runs in-process now, and fails
    run_jobs()
    r = client.get("/api/v1/admin/jobs/failed", headers=admin["headers"])
    assert r.status_code == 200
    [job] = r.json
    assert job["kwargs"] == {"resident_id": missing}
    assert job["source"] == ("rq" if REDIS_URL else "outbox")
    assert "needs_resident" in job["function"] and "LookupError" in job["error"]
    assert (
        client.get("/api/v1/admin/jobs/failed", headers=staff(role="officer")["headers"]).status_code == 403
    )

    make_resident(id=missing)  # what the job was waiting for
    r = client.post(f"/api/v1/admin/jobs/failed/{job['id']}/requeue", headers=admin["headers"])
    assert r.status_code == 202
    run_jobs()
    assert client.get("/api/v1/admin/jobs/failed", headers=admin["headers"]).json == []
    with app.app_context(), UnitOfWork() as uow:
        assert uow.session.scalar(select(InboxItem).where(InboxItem.dedupe_key == f"needs:{missing}"))
    r = client.post(f"/api/v1/admin/jobs/failed/{job['id']}/requeue", headers=admin["headers"])
    assert_error(r, 404, "job_not_found")


# ---- CLI --------------------------------------------------------------------------------------------


def test_flask_outbox_shows_the_otp_sent_to_a_phone(client, app, citizen, sms_to):
    citizen(phone="+6281266660003")
    r = client.post("/api/v1/auth/password-reset", json={"login": "081266660003"})
    assert r.status_code == 202
    otp = re.search(r"\b(\d{6})\b", sms_to("+6281266660003")[0]).group(1)
    result = app.test_cli_runner().invoke(args=["outbox", "--to", "0812-6666-0003"])
    assert result.exit_code == 0, result.output
    assert otp in result.output and "[sms " in result.output
    assert "+6281266660003" not in result.output  # the number itself is masked


def _write_csv(path: Path, rows: list[dict]) -> Path:
    columns = [
        "nik",
        "kk_number",
        "full_name",
        "sex",
        "birth_place",
        "birth_date",
        "family_relationship",
        "marital_status",
        "kelurahan_code",
        "address",
        "rt",
        "rw",
    ]
    columns += [c for c in dict.fromkeys(k for row in rows for k in row) if c not in columns]  # optional ones
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(nik: str, born: date, sex: str, relationship: str, name: str, **kw) -> dict:
    row = {
        "nik": nik,
        "kk_number": "1272030101100001",
        "full_name": name,
        "sex": sex,
        "birth_place": "Pematangsiantar",
        "birth_date": born.isoformat(),
        "family_relationship": relationship,
        "marital_status": "KAWIN",
        "kelurahan_code": "12.72.03.1001",
        "address": "Jl. Merdeka 5",
        "rt": "1",
        "rw": "02",
    }
    row.update(kw)
    return row


def _family() -> list[dict]:
    dad, mom, kid = date(1980, 2, 3), date(1983, 11, 21), date(2010, 5, 30)
    return [
        _row(make_nik("127203", dad, "L"), dad, "L", "KEPALA KELUARGA", "Tigor Sinaga"),
        _row(make_nik("127203", mom, "P"), mom, "P", "ISTRI", "Rina Purba"),
        _row(make_nik("127203", kid, "P"), kid, "P", "ANAK", "Uli Sinaga", marital_status="BELUM KAWIN"),
    ]


def _residents(app) -> list[Resident]:
    with app.app_context(), UnitOfWork() as uow:
        return list(uow.session.scalars(select(Resident)))


def test_import_residents_imports_a_good_file(app, tmp_path):
    rows = _family()
    result = app.test_cli_runner().invoke(
        args=["import-residents", str(_write_csv(tmp_path / "ok.csv", rows))]
    )
    assert result.exit_code == 0, result.output
    assert "imported 3 residents" in result.output
    imported = {r.nik: r for r in _residents(app)}
    assert set(imported) == {r["nik"] for r in rows}
    kid = imported[rows[2]["nik"]]
    assert (kid.full_name, kid.rt, kid.rw, kid.family_relationship) == ("ULI SINAGA", "001", "002", "ANAK")


def test_import_residents_lists_every_bad_row_and_imports_nothing(app, tmp_path):
    good = _family()
    bad = [
        good[0],
        good[1],
        {**good[2], "nik": "12720"},  # line 4: not 16 digits
        {**good[2], "nik": make_nik("127203", date(2010, 5, 30), "P"), "sex": "L"},  # line 5: sex vs NIK
        {**good[2], "nik": good[0]["nik"]},  # line 6: duplicate of line 2
        {
            **good[2],
            "nik": make_nik("127203", date(2010, 5, 30), "P"),
            "kelurahan_code": "12.72.99.9999",
        },  # 7
    ]
    result = app.test_cli_runner().invoke(
        args=["import-residents", str(_write_csv(tmp_path / "bad.csv", bad))]
    )
    assert result.exit_code == 1
    lines = {int(m.group(1)) for m in re.finditer(r"^line (\d+): ", result.output, re.M)}
    assert lines == {4, 5, 6, 7}, result.output
    assert "nothing imported" in result.output
    assert _residents(app) == []


def registry_kk_fields_of(r: Resident) -> dict:
    return {
        "education": r.education,
        "occupation": r.occupation,
        "blood_type": r.blood_type,
        "citizenship": r.citizenship,
    }


def test_import_residents_reads_the_optional_kk_columns(app, tmp_path):
    rows = _family()
    rows[0].update(
        religion="Kristen",
        education="DIPLOMA IV/STRATA I",
        occupation="Wiraswasta",
        blood_type="O+",
        marriage_date="2008-06-14",
        father_name="Bonar Sinaga",
        mother_name="Tiur Saragih",
    )
    rows[1].update(citizenship="WNA", passport_number="C1234567", kitas_number="2C11AB0001", blood_type="")
    rows[2].update(father_name="Tigor Sinaga", mother_name="Rina Purba")
    result = app.test_cli_runner().invoke(
        args=["import-residents", str(_write_csv(tmp_path / "kk.csv", rows))]
    )
    assert result.exit_code == 0, result.output
    got = {r.nik: r for r in _residents(app)}
    dad, mom, kid = (got[r["nik"]] for r in rows)
    assert (dad.religion, dad.education, dad.occupation, dad.blood_type) == (
        "KRISTEN",
        "DIPLOMA IV/STRATA I",
        "WIRASWASTA",
        "O+",
    )
    assert (dad.marriage_date, dad.father_name, dad.mother_name, dad.citizenship) == (
        date(2008, 6, 14),
        "BONAR SINAGA",
        "TIUR SARAGIH",
        "WNI",
    )
    assert (mom.citizenship, mom.passport_number, mom.kitas_number, mom.blood_type) == (
        "WNA",
        "C1234567",
        "2C11AB0001",
        None,
    )
    assert (kid.father_name, kid.mother_name, kid.marriage_date) == ("TIGOR SINAGA", "RINA PURBA", None)


def test_import_residents_validates_the_optional_kk_columns(app, tmp_path):
    good = _family()
    bad = [
        {**good[0], "religion": "PASTAFARI"},  # line 2
        {**good[1], "blood_type": "Z"},  # line 3
        {**good[2], "marriage_date": "2020-01-01"},  # line 4: BELUM KAWIN has no marriage date
        {**good[0], "nik": make_nik("127203", date(1980, 2, 4), "L"), "marriage_date": "1979-01-01"},  # 5
        {
            **good[1],
            "nik": make_nik("127203", date(1983, 11, 22), "P"),
            "citizenship": "WNA",
        },  # 6: no passport
        {**good[2], "nik": make_nik("127203", date(2010, 5, 31), "P"), "education": "S1"},  # 7
        {**good[2], "nik": make_nik("127203", date(2010, 6, 1), "P"), "passport_number": "A-1"},  # 8
    ]
    result = app.test_cli_runner().invoke(
        args=["import-residents", str(_write_csv(tmp_path / "bad.csv", bad))]
    )
    assert result.exit_code == 1
    lines = {int(m.group(1)) for m in re.finditer(r"^line (\d+): ", result.output, re.M)}
    assert lines == {2, 3, 4, 5, 6, 7, 8}, result.output
    assert "religion must be one of" in result.output and "a WNA needs passport_number" in result.output
    assert _residents(app) == []


def test_seed_population_makes_valid_unique_niks_across_all_53_kelurahan(app):
    result = app.test_cli_runner().invoke(args=["seed-population", "--count", "2000"])
    assert result.exit_code == 0, result.output
    residents = _residents(app)
    assert len(residents) >= 2000
    niks = [r.nik for r in residents]
    assert len(set(niks)) == len(niks)
    city = {code for code, _ in wilayah.kelurahan_of("12.72")}
    assert len(city) == 53
    for r in residents:
        parts = nik_rules.parse(r.nik)
        assert parts.birth_date == r.birth_date and parts.sex == r.sex
        assert re.fullmatch(r"\d{16}", r.kk_number) and wilayah.is_kecamatan(r.kk_number[:6])
        assert r.kelurahan_code in city
        assert wilayah.kecamatan_of_kelurahan(r.kelurahan_code) == parts.region
    assert {r.kelurahan_code for r in residents} == city
    heads = [r for r in residents if r.family_relationship == "KEPALA KELUARGA"]
    assert len({r.kk_number for r in heads}) == len(heads)  # one head per family card
    # The KK's other fields are filled too, from each resident's own NIK (so the same on any day).
    assert all(r.education and r.occupation and r.blood_type and r.citizenship == "WNI" for r in residents)
    assert all(
        r.father_name and r.mother_name for r in residents if r.family_relationship != "ANAK" or r.father_nik
    )
    names = {r.nik: r.full_name for r in residents}
    children = [r for r in residents if r.family_relationship == "ANAK"]
    assert children and all(r.father_name == names[r.father_nik] for r in children)
    couples = [r for r in heads if r.marital_status == "KAWIN"]
    assert couples and all(r.marriage_date and r.marriage_date > r.birth_date for r in couples)
    assert registry_kk_fields_of(heads[0]) == kk_fields.synthetic(
        heads[0].nik,
        seed=1272,
        born=heads[0].birth_date,
        relationship="KEPALA KELUARGA",
        reference=registry.POPULATION_REFERENCE_DATE,
    )


def test_openapi_documents_errors_and_auth(client):
    spec = client.get("/api/v1/openapi.json").json
    login = spec["paths"]["/api/v1/auth/login"]["post"]
    assert login["security"] == [] and "422" in login["responses"]
    failed = spec["paths"]["/api/v1/admin/jobs/failed"]["get"]
    assert failed["security"] == [{"bearerAuth": []}]
    assert {"401", "403"} <= set(failed["responses"])


def test_blank_opd_code_is_a_validation_error_not_a_server_error(client, staff):
    """Found by schemathesis: PATCH with opd_code "" reached the foreign key and answered 500."""
    admin = staff(role="admin")
    body = {
        "username": "loket.kosong",
        "full_name": "P",
        "role": "counter",
        "password": PASSWORD,
        "opd_code": "",
    }
    r = client.post("/api/v1/admin/staff", json=body, headers=admin["headers"])
    assert "opd_code" in assert_error(r, 422, "validation_failed")["errors"]["json"]
    officer = staff(role="officer", opd="DLH")["staff"]
    url = f"/api/v1/admin/staff/{officer.id}"
    r = client.patch(
        url,
        json={"active": False, "opd_code": "", "position": "", "role": "admin", "zones": []},
        headers=admin["headers"],
    )
    assert "opd_code" in assert_error(r, 422, "validation_failed")["errors"]["json"]
    r = client.patch(url, json={"opd_code": None, "position": "", "role": "admin"}, headers=admin["headers"])
    assert r.status_code == 200, r.json
    assert (r.json["role"], r.json["opd_code"], r.json["position"]) == ("admin", None, None)
    r = client.patch(url, json={"role": "officer"}, headers=admin["headers"])
    assert_error(r, 422, "opd_required")


def test_pagination_bounds_the_page_number_and_documents_it(app):
    """Found by schemathesis: page=10**26 reached OFFSET and answered 500."""
    import marshmallow as ma
    from flask.views import MethodView

    from gateway.extensions import Blueprint, Schema

    class NumberSchema(Schema):
        n = ma.fields.Integer()

    blp = Blueprint("numbers", __name__, url_prefix="/api/v1/numbers")

    @blp.route("")
    class Numbers(MethodView):
        @blp.public
        @blp.response(200, NumberSchema(many=True))
        @blp.paginate()
        def get(self, pagination_parameters):
            """Numbers, paginated"""
            pagination_parameters.item_count = 1000
            first = pagination_parameters.first_item
            return [{"n": first + i} for i in range(pagination_parameters.page_size)]

    with other_app(app) as numbers_app:
        numbers_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].register_blueprint(blp)
        client = numbers_app.test_client()
        r = client.get("/api/v1/numbers?page=3&page_size=10")
        assert r.status_code == 200 and r.json[0] == {"n": 20}
        assert client.get(f"/api/v1/numbers?page={Blueprint.MAX_PAGE}").status_code == 200
        r = client.get("/api/v1/numbers?page=396266484864744219228504064&page_size=17")
        assert "page" in assert_error(r, 422, "validation_failed")["errors"]["query"]
        spec = client.get("/api/v1/openapi.json").json
        [page] = [p for p in spec["paths"]["/api/v1/numbers"]["get"]["parameters"] if p.get("name") == "page"]
        assert page["schema"]["maximum"] == Blueprint.MAX_PAGE

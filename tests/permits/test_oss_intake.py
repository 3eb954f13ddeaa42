"""OSS pushes NIBs and files to us (PIA v4.3): authenticated, validated, idempotent, every refusal
recorded and nothing half-written."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from sqlalchemy import func, select

from gateway.db import UnitOfWork
from services.permits.models import Application, Business, OssInbound
from services.permits.oss import token_for
from services.permits.oss_simulator import build_nib, headers_for
from tests.permits.conftest import PASSWORD, PBG, SIP, USERNAME


def _count(app, model) -> int:
    with app.app_context(), UnitOfWork() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def _inbound(app) -> list[OssInbound]:
    with app.app_context(), UnitOfWork() as uow:
        return list(uow.session.scalars(select(OssInbound).order_by(OssInbound.received_at)))


def test_token_is_sha1_of_username_password_nib_and_date():
    expected = hashlib.sha1(b"userpass123456789012320261201").hexdigest()
    assert token_for("user", "pass", "1234567890123", date(2026, 12, 1)) == expected


def test_a_nib_with_a_pbg_checklist_item_becomes_one_application(app, push_nib):
    r, data_nib = push_nib([{"kd_izin": PBG}, {"kd_izin": SIP, "flag_checklist": "N"}])
    assert r.json == {
        "responreceiveNIB": {"status": "1", "keterangan": r.json["responreceiveNIB"]["keterangan"]}
    }
    assert "1 permohonan" in r.json["responreceiveNIB"]["keterangan"]
    with app.app_context(), UnitOfWork() as uow:
        apps = list(uow.session.scalars(select(Application)))
        assert len(apps) == 1  # the N item asks nothing of the city
        assert apps[0].permit_type == "PBG"
        assert apps[0].id_izin == data_nib["data_checklist"][0]["id_izin"]
        assert apps[0].kbli == "41011"
        assert apps[0].state == "awaiting_requirements"
        business = uow.session.scalar(select(Business))
        assert business.nib == data_nib["nib"] and business.name == "CV SIANTAR MAJU BERSAMA"


def test_a_repeated_push_is_answered_ok_and_makes_no_second_application(app, push_nib):
    _, data_nib = push_nib([{"kd_izin": PBG}])
    again, _ = push_nib(data_nib=data_nib)
    assert again.json["responreceiveNIB"]["status"] == "1"
    assert "duplikat" in again.json["responreceiveNIB"]["keterangan"]
    assert _count(app, Application) == 1
    assert [i.outcome for i in _inbound(app)] == ["accepted", "duplicate"]


def test_a_later_push_of_the_same_nib_adds_only_the_new_checklist_item(app, push_nib):
    _, data_nib = push_nib([{"kd_izin": PBG}])
    data_nib["data_checklist"].append({**data_nib["data_checklist"][0], "id_izin": "I-NEW-1", "kd_izin": SIP})
    r, _ = push_nib(data_nib=data_nib)
    assert "1 permohonan" in r.json["responreceiveNIB"]["keterangan"]
    assert _count(app, Application) == 2


def test_kbli_may_start_with_zero(app, push_nib):
    push_nib([{"kd_izin": PBG}], kbli="01111")
    with app.app_context(), UnitOfWork() as uow:
        assert uow.session.scalar(select(Application.kbli)) == "01111"


def _refused(app, r, http: int, reason: str) -> None:
    assert r.status_code == http
    assert r.json["responreceiveNIB"]["status"] == "2"
    assert r.json["responreceiveNIB"]["keterangan"]
    assert _count(app, Application) == 0
    assert _count(app, Business) == 0
    [row] = _inbound(app)
    assert (row.outcome, row.status, row.reason) == ("refused", "2", reason)


def test_a_bad_token_is_refused_and_recorded(app, push_nib):
    data_nib = build_nib(checklist=[{"kd_izin": PBG}])
    r, _ = push_nib(data_nib=data_nib, expect=None, headers=headers_for(data_nib["nib"], USERNAME, "wrong"))
    _refused(app, r, 401, "invalid_token")


def test_yesterdays_token_is_refused(app, push_nib):
    data_nib = build_nib(checklist=[{"kd_izin": PBG}])
    stale = headers_for(data_nib["nib"], USERNAME, PASSWORD, day=date.today() - timedelta(days=2))
    r, _ = push_nib(data_nib=data_nib, expect=None, headers=stale)
    _refused(app, r, 401, "invalid_token")


def test_a_token_for_another_nib_is_refused(app, push_nib):
    data_nib = build_nib(checklist=[{"kd_izin": PBG}])
    r, _ = push_nib(data_nib=data_nib, expect=None, headers=headers_for("9999999999999", USERNAME, PASSWORD))
    _refused(app, r, 401, "invalid_token")


def test_a_malformed_nib_is_refused(app, push_nib):
    data_nib = build_nib(checklist=[{"kd_izin": PBG}], nib="123456789012")  # 12 digits
    r, _ = push_nib(data_nib=data_nib, expect=None)
    _refused(app, r, 400, "malformed_nib")


def test_a_malformed_kbli_is_refused(app, push_nib):
    r, _ = push_nib([{"kd_izin": PBG}], kbli="4101", expect=None)
    _refused(app, r, 400, "malformed_kbli")


def test_an_unknown_kd_izin_refuses_the_whole_push(app, push_nib):
    r, _ = push_nib([{"kd_izin": PBG}, {"kd_izin": "999999999999"}], expect=None)
    _refused(app, r, 422, "unknown_kd_izin")


def test_a_checklist_for_another_region_is_refused(app, push_nib):
    r, _ = push_nib([{"kd_izin": PBG}, {"kd_izin": SIP, "kd_daerah": "1271"}], expect=None)
    _refused(app, r, 422, "checklist_other_region")


def test_a_checklist_of_the_province_is_refused(app, push_nib):
    r, _ = push_nib([{"kd_izin": PBG, "kewenangan": "01"}], expect=None)
    _refused(app, r, 422, "checklist_not_city_authority")


def test_a_body_that_is_not_a_nib_push_is_refused_in_the_pia_shape(app, client):
    nib = "1234567890123"
    r = client.post(
        "/api/v1/permits/oss/receiveNIB",
        data=b"not json",
        headers={**headers_for(nib, USERNAME, PASSWORD), "Content-Type": "application/json"},
    )
    assert r.status_code == 401  # no NIB to check the token against
    assert r.json["responreceiveNIB"]["status"] == "2"
    data_nib = build_nib(checklist=[{"kd_izin": PBG}])
    data_nib["skala_usaha"] = "09"
    r = client.post(
        "/api/v1/permits/oss/receiveNIB",
        json={"dataNIB": data_nib},
        headers=headers_for(data_nib["nib"], USERNAME, PASSWORD),
    )
    assert r.status_code == 400
    assert "skala_usaha" in r.json["responreceiveNIB"]["keterangan"]
    assert [i.reason for i in _inbound(app)] == ["invalid_token", "malformed_payload"]


def test_refusals_are_listed_for_dpmptsp_staff_only(app, client, push_nib, dpmptsp, putr):
    push_nib([{"kd_izin": "999999999999"}], expect=None)
    r = client.get("/api/v1/permits/oss/inbound?outcome=refused", headers=dpmptsp["headers"])
    assert r.status_code == 200
    assert [i["reason"] for i in r.json] == ["unknown_kd_izin"]
    assert client.get("/api/v1/permits/oss/inbound", headers=putr["headers"]).status_code == 403


def test_receive_file_ds_keeps_oss_file_once(app, client, push_nib):
    _, data_nib = push_nib([{"kd_izin": PBG}])
    body = {
        "receiveFileDS": {
            "id_izin": data_nib["data_checklist"][0]["id_izin"],
            "nib": data_nib["nib"],
            "file_izin": "https://oss.go.id/file/izin-123.pdf",
        }
    }
    headers = headers_for(data_nib["nib"], USERNAME, PASSWORD)
    r = client.post("/api/v1/permits/oss/receiveFileDS", json=body, headers=headers)
    assert r.status_code == 200 and r.json["responreceiveNIB"]["status"] == "1"
    again = client.post("/api/v1/permits/oss/receiveFileDS", json=body, headers=headers)
    assert "duplikat" in again.json["responreceiveNIB"]["keterangan"]
    with app.app_context(), UnitOfWork() as uow:
        assert uow.session.scalar(select(Application.oss_file_url)) == "https://oss.go.id/file/izin-123.pdf"
    body["receiveFileDS"]["id_izin"] = "I-UNKNOWN"
    unknown = client.post("/api/v1/permits/oss/receiveFileDS", json=body, headers=headers)
    assert unknown.status_code == 404 and unknown.json["responreceiveNIB"]["status"] == "2"

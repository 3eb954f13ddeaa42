"""Our calls to OSS go through the outbox to the simulator over HTTP: in order, retried while OSS is
down or slow, kept and shown to staff when OSS refuses, and sent again after a fix."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.db import UnitOfWork
from services.permits import jobs
from services.permits.models import Application, OssCall
from services.permits.oss import OssUnavailable
from tests.permits.conftest import PBG


def _calls(app) -> list[OssCall]:
    with app.app_context(), UnitOfWork() as uow:
        return list(uow.session.scalars(select(OssCall).order_by(OssCall.seq)))


def _application_id(app) -> str:
    with app.app_context(), UnitOfWork() as uow:
        return uow.session.scalar(select(Application.id))


def test_a_new_checklist_item_is_reported_to_oss_as_requirements_being_completed(
    app, push_nib, run_jobs, oss
):
    _, data_nib = push_nib([{"kd_izin": PBG}])
    run_jobs()
    [call] = oss.calls("receiveLicenseStatus")
    status = call["body"]["IZINSTATUS"]
    item = data_nib["data_checklist"][0]
    assert status["nib"] == data_nib["nib"]
    assert status["id_izin"] == item["id_izin"]
    assert status["kd_izin"] == PBG
    assert status["oss_id"] == data_nib["oss_id"]
    assert status["id_proyek"] == item["id_proyek"]
    assert status["kd_status"] == "09"
    assert len(status["tgl_status"]) == 19 and status["tgl_status"][10] == " "  # YYYY-MM-DD HH:MM:SS
    assert [c.state for c in _calls(app)] == ["sent"]


def test_a_call_oss_refuses_is_kept_visible_and_sent_again_after_a_fix(
    app, client, push_nib, run_jobs, oss, dpmptsp
):
    oss.fail_next("refuse")
    push_nib([{"kd_izin": PBG}])
    run_jobs()
    assert oss.calls("receiveLicenseStatus") == []
    listed = client.get("/api/v1/permits/oss/calls?state=refused", headers=dpmptsp["headers"])
    assert listed.status_code == 200
    [refused] = listed.json
    assert refused["method"] == "receiveLicenseStatus" and "Ditolak" in refused["last_error"]
    r = client.post(
        f"/api/v1/permits/oss/calls/{refused['id']}/retry",
        json={"fields": {"keterangan": "Dikirim ulang setelah perbaikan"}},
        headers=dpmptsp["headers"],
    )
    assert r.status_code == 200, r.json
    run_jobs()
    [call] = oss.calls("receiveLicenseStatus")
    assert call["body"]["IZINSTATUS"]["keterangan"] == "Dikirim ulang setelah perbaikan"
    assert [c.state for c in _calls(app)] == ["sent"]


def test_only_the_calls_own_fields_can_be_corrected(app, client, push_nib, run_jobs, oss, dpmptsp):
    oss.fail_next("refuse")
    push_nib([{"kd_izin": PBG}])
    run_jobs()
    [call] = _calls(app)
    r = client.post(
        f"/api/v1/permits/oss/calls/{call.id}/retry",
        json={"fields": {"nonsense": 1}},
        headers=dpmptsp["headers"],
    )
    assert r.status_code == 422 and r.json["reason"] == "unknown_oss_field"


def test_a_refused_call_holds_back_later_calls_of_the_same_application(app, push_nib, run_jobs, oss):
    oss.fail_next("refuse")
    push_nib([{"kd_izin": PBG}])
    run_jobs()
    application_id = _application_id(app)
    with app.app_context(), UnitOfWork() as uow:
        from gateway.db import utcnow
        from services.permits import outbound

        application = uow.session.get(Application, application_id)
        outbound.push_status(uow, application, kd_status="05", keterangan="screening", now=utcnow())
        uow.commit()
    run_jobs()
    assert [c.state for c in _calls(app)] == ["refused", "pending"]
    assert oss.calls("receiveLicenseStatus") == []


def test_oss_down_leaves_the_call_pending_and_a_later_run_sends_it(app, push_nib, run_jobs, oss):
    oss.fail_next("error")
    push_nib([{"kd_izin": PBG}])
    run_jobs()
    [call] = _calls(app)
    assert (call.state, call.attempts) == ("pending", 1)
    assert "HTTP 500" in call.last_error
    with app.app_context():  # the queue's retry (RQ back-off, or the outbox sweep) runs the same job
        jobs.send_oss_calls(application_id=_application_id(app))
    [call] = _calls(app)
    assert call.state == "sent" and call.attempts == 2
    assert len(oss.calls("receiveLicenseStatus")) == 1


def test_a_slow_oss_times_out_and_the_call_is_retried(app, push_nib, run_jobs, oss):
    oss.fail_next("timeout", delay=1.5)  # the client waits OSS_TIMEOUT=1 s
    push_nib([{"kd_izin": PBG}])
    run_jobs()
    [call] = _calls(app)
    assert call.state == "pending" and "unreachable" in call.last_error
    with app.app_context():
        jobs.send_oss_calls(application_id=_application_id(app))
    assert [c.state for c in _calls(app)] == ["sent"]


def test_a_call_that_exhausts_its_retries_is_failed_and_listed(app, client, push_nib, run_jobs, oss, dpmptsp):
    from services.permits.outbound import MAX_ATTEMPTS

    oss.fail_next("error", count=MAX_ATTEMPTS)
    push_nib([{"kd_izin": PBG}])
    run_jobs()
    for _ in range(MAX_ATTEMPTS - 2):  # the queue's retries, driven here without waiting for back-off
        with app.app_context(), pytest.raises(OssUnavailable):
            jobs.send_oss_calls(application_id=_application_id(app))
    with app.app_context():
        jobs.send_oss_calls(application_id=_application_id(app))  # the last attempt gives up: no raise
    [call] = _calls(app)
    assert call.state == "failed" and call.attempts == MAX_ATTEMPTS
    listed = client.get("/api/v1/permits/oss/calls?state=failed", headers=dpmptsp["headers"]).json
    assert [c["id"] for c in listed] == [call.id]
    client.post(f"/api/v1/permits/oss/calls/{call.id}/retry", json={}, headers=dpmptsp["headers"])
    run_jobs()
    assert [c.state for c in _calls(app)] == ["sent"]


def test_oss_traffic_is_for_dpmptsp_staff(client, putr, citizen):
    assert client.get("/api/v1/permits/oss/calls", headers=putr["headers"]).status_code == 403
    assert client.get("/api/v1/permits/oss/calls", headers=citizen()["headers"]).status_code == 403

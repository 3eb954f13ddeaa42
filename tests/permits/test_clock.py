"""The working-day clock over an application: reminders to the officers before a step's deadline,
escalation to the head of DPMPTSP after it, fiktif positif where silence approves, pauses that cost the
office nothing, and expiry reminders before tgl_berlaku_izin."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from gateway import notify
from gateway.db import UnitOfWork
from gateway.identity.models import Staff
from gateway.kernel import clock
from services.permits import jobs
from services.permits.models import Permit
from tests.permits.conftest import PB_UMKU, PBG, PBG_DATA, UMKU_DATA

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=WIB)  # a working Monday


def _with_phone(app, member: dict, phone: str) -> dict:
    with app.app_context(), UnitOfWork() as uow:
        uow.session.get(Staff, member["staff"].id).phone = phone
        uow.commit()
    return member


def _sweep(app, at: datetime) -> dict:
    with app.app_context(), clock.frozen(at):
        return jobs.sla_sweep()


def test_officers_are_reminded_before_the_deadline_and_the_head_is_told_after_it(
    app, client, owner_journey, staff, sms_to
):
    officer = _with_phone(app, staff("officer", "DPMPTSP"), "+6281300000001")
    _with_phone(app, staff("officer", "DPMPTSP", position="head"), "+6281300000002")
    journey = owner_journey(PBG)
    with clock.frozen(MONDAY):
        view = journey.complete(PBG_DATA)
    due = datetime.fromisoformat(view["clock"]["step_due_at"])
    assert due == datetime(2026, 12, 10, 16, 0, tzinfo=WIB)  # 3 working days, 16:00 WIB
    assert _sweep(app, due - timedelta(days=1)) == {}
    assert _sweep(app, due - timedelta(hours=2)) == {"reminder": 1}
    assert _sweep(app, due - timedelta(hours=1)) == {}  # once
    [reminder] = sms_to("+6281300000001")
    assert reminder.startswith("Pengingat") and view["number"] in reminder
    assert _sweep(app, due + timedelta(hours=1)) == {"head": 1}
    assert _sweep(app, due + timedelta(hours=2)) == {}
    assert any(m.startswith("Eskalasi") for m in sms_to("+6281300000002"))
    with clock.frozen(due + timedelta(hours=3)):
        overdue = client.get("/api/v1/permits/applications?overdue=true", headers=officer["headers"]).json
    assert [o["id"] for o in overdue] == [journey.id] and overdue[0]["overdue"]


def test_a_pause_moves_the_deadlines_by_the_working_time_it_took(app, client, owner_journey, dpmptsp):
    journey = owner_journey(PBG)
    with clock.frozen(MONDAY):
        before = journey.complete(PBG_DATA)["clock"]
        journey.act(dpmptsp, "request_correction", "Lengkapi gambar")
    with clock.frozen(MONDAY + timedelta(days=7)):  # the next Monday, 09:00: five working days later
        after = journey.act(journey.owner, "answer_correction")["clock"]
    shift = datetime.fromisoformat(after["due_at"]) - datetime.fromisoformat(before["due_at"])
    assert shift >= timedelta(days=7)
    assert datetime.fromisoformat(after["step_due_at"]) == datetime(2026, 12, 17, 16, 0, tzinfo=WIB)


def test_silence_approves_where_the_catalogue_says_so_fiktif_positif(
    app, client, owner_journey, run_jobs, oss
):
    journey = owner_journey(PB_UMKU)
    with clock.frozen(MONDAY):
        view = journey.complete(UMKU_DATA)
    due = datetime.fromisoformat(view["clock"]["due_at"])
    assert _sweep(app, due - timedelta(minutes=1)).get("fiktif_positif") is None
    assert _sweep(app, due + timedelta(minutes=1))["fiktif_positif"] == 1
    view = journey.get().json
    assert view["state"] == "issued" and view["kd_status"] == "57" and view["permit"]["fiktif_positif"]
    run_jobs()
    [final] = oss.calls("receiveLicense")
    assert final["body"]["IZINFINAL"]["status_izin"] == "57"
    verify = "/" + view["permit"]["verify_url"].split("://", 1)[1].split("/", 1)[1]
    assert client.get(verify).json["public"]["fiktif_positif"] == "ya (status OSS 57)"
    with app.app_context(), UnitOfWork() as uow:
        from gateway import documents

        permit = uow.session.scalar(select(Permit))
        printed = dict(documents.get(uow, permit.document_id).fields)
    assert "fiktif positif" in printed["Catatan"]


def test_a_paused_application_is_not_approved_by_silence(app, client, owner_journey, dpmptsp):
    journey = owner_journey(PB_UMKU)
    with clock.frozen(MONDAY):
        view = journey.complete(UMKU_DATA)
        journey.act(dpmptsp, "request_correction", "Perjanjian kemitraan belum ditandatangani")
    assert _sweep(app, datetime.fromisoformat(view["clock"]["due_at"]) + timedelta(days=3)) == {}
    assert journey.get().json["state"] == "correction"


def test_owners_are_reminded_before_their_permit_expires(app, client, owner_journey, dpmptsp, staff):
    journey = owner_journey(PB_UMKU)
    with clock.frozen(MONDAY):
        journey.complete(UMKU_DATA)
        journey.act(dpmptsp, "complete_step")
        permit = journey.act(staff("officer", "DISPERINDAG"), "complete_step") and journey.act(
            dpmptsp, "approve"
        )
    valid_until = datetime.fromisoformat(permit["permit"]["valid_until"]).replace(hour=9, tzinfo=WIB)
    with app.app_context(), clock.frozen(valid_until - timedelta(days=40)):
        assert jobs.expiry_reminders() == {"reminded": 0, "expired": 0}
    with app.app_context(), clock.frozen(valid_until - timedelta(days=29)):
        assert jobs.expiry_reminders() == {"reminded": 1, "expired": 0}
        assert jobs.expiry_reminders() == {"reminded": 0, "expired": 0}
    with app.app_context(), clock.frozen(valid_until - timedelta(days=6)):
        assert jobs.expiry_reminders() == {"reminded": 1, "expired": 0}
    with app.app_context(), clock.frozen(valid_until + timedelta(days=1)):
        assert jobs.expiry_reminders() == {"reminded": 0, "expired": 1}
    with app.app_context():
        items = notify.list_inbox(UnitOfWork(), resident_id=journey.owner["resident"].id, limit=10, offset=0)
    assert sum(i.kind == "permit_expiring" for i in items) == 2
    assert (
        client.get("/api/v1/permits/register?status=expired").json[0]["number"] == permit["permit"]["number"]
    )


def test_a_correction_that_changes_the_data_resets_the_clock_and_restarts_it_on_the_answer(
    app, client, owner_journey, dpmptsp, run_jobs, oss
):
    journey = owner_journey(PBG)
    with clock.frozen(MONDAY):
        before = journey.complete(PBG_DATA)["clock"]
    with clock.frozen(MONDAY + timedelta(days=1)):
        journey.act(dpmptsp, "request_correction", "Luas lantai tidak sesuai gambar")
    with clock.frozen(MONDAY + timedelta(days=2)):
        same = journey.fill({"luas_lantai": PBG_DATA["luas_lantai"]})["clock"]
        assert not same["reset"] and [e["kd_status"] for e in same["events"]] == ["41"]
        reset = journey.fill({"luas_lantai": 180})["clock"]
        again = journey.fill({"jumlah_lantai": 3})["clock"]
    assert reset["reset"] and reset["paused"]
    [paused, was_reset] = again["events"]
    assert (paused["kd_status"], was_reset["kd_status"]) == ("41", "43")  # one reset per correction
    assert was_reset["what"] == "SLA direset" and "luas_lantai" in was_reset["reason"]
    thursday = MONDAY + timedelta(days=3)
    with clock.frozen(thursday):
        answered = journey.act(journey.owner, "answer_correction", "Gambar dan data diperbaiki")["clock"]
    assert not answered["reset"] and not answered["paused"]
    assert [e["kd_status"] for e in answered["events"]] == ["41", "43", "44"]
    # Counted anew from Thursday: screening's 3 working days end Tuesday 15 December, 16:00 WIB.
    assert datetime.fromisoformat(answered["step_due_at"]) == datetime(2026, 12, 15, 16, 0, tzinfo=WIB)
    assert datetime.fromisoformat(answered["due_at"]) > datetime.fromisoformat(before["due_at"])
    assert (
        "dimulai ulang" in answered["events"][-1]["reason"]
        and "15-12-2026 16:00" in answered["events"][-1]["reason"]
    )
    history = journey.get().json["history"]
    assert [h["status_name"] for h in history if h["kd_status"] in ("43", "44")] == [
        "SLA direset",
        "SLA dimulai ulang",
    ]
    run_jobs()
    pushed = [c["body"]["IZINSTATUS"] for c in oss.calls("receiveLicenseStatus")]
    assert [p["kd_status"] for p in pushed] == ["09", "05", "41", "43", "44"]
    assert "luas_lantai" in pushed[3]["keterangan"] and "dimulai ulang" in pushed[4]["keterangan"]


def test_a_correction_answered_with_documents_only_resumes_without_reset(app, owner_journey, dpmptsp):
    journey = owner_journey(PBG)
    with clock.frozen(MONDAY):
        journey.complete(PBG_DATA)
        journey.act(dpmptsp, "request_correction", "Gambar struktur belum ditandatangani")
    with clock.frozen(MONDAY + timedelta(days=1)):
        journey.upload("gambar_struktur")
        answered = journey.act(journey.owner, "answer_correction")["clock"]
    assert [e["kd_status"] for e in answered["events"]] == ["41", "42"] and not answered["reset"]

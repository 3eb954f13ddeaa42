"""Working-day deadlines, reminders, escalation to the OPD head and city secretary, the public overdue
flag, auto-close after 10 working days, the reopen window — with the clock injected (now=)."""

from __future__ import annotations

from sqlalchemy import update

from gateway.auth import Principal
from gateway.db import UnitOfWork
from gateway.identity.models import Staff
from services.complaints import service
from tests.complaints.conftest import at

MON = (2026, 11, 2)  # a Monday with no holiday in the week


def _p(member, role="officer"):
    s = member["staff"]
    return Principal(kind="staff", id=s.id, role=role, opd=s.opd_code)


def _citizen_p(c):
    return Principal(kind="citizen", id=c["account"].id, role="citizen", resident_id=c["resident"].id)


def _file(app, who, when, **kw):
    body = dict(
        category_code="jalan_rusak", description="Lubang", lat=2.96, lon=99.06, attributes={"ukuran": "kecil"}
    )
    body.update(kw)
    with app.app_context():
        return service.create_complaint(UnitOfWork(), principal=_citizen_p(who), now=when, **body).number


def _act(app, member, number, when, **kw):
    with app.app_context():
        return service.act(UnitOfWork(), principal=_p(member), number=number, now=when, **kw)


def _set_phone(app, member, phone):
    with app.app_context(), UnitOfWork() as uow:
        uow.session.execute(update(Staff).where(Staff.id == member["staff"].id).values(phone=phone))
        uow.commit()


def test_deadlines_count_working_days(app, client, citizen):
    friday = at(2026, 11, 6, 10)
    number = _file(app, citizen(), friday)
    view = client.get(f"/api/v1/complaints/{number}").json
    # verify by Monday 16:00 WIB (1 working day), answer by Wednesday 16:00 WIB (3 working days)
    assert view["verify_due_at"] == "2026-11-09T16:00:00+07:00"
    assert view["answer_due_at"] == "2026-11-11T16:00:00+07:00"


def test_city_calendar_holidays_move_deadlines(app, client, citizen):
    from datetime import date

    from gateway.workdays import CityCalendarDay

    with app.app_context(), UnitOfWork() as uow:
        uow.session.add(CityCalendarDay(day=date(2026, 11, 3), name="Hari jadi kota (uji)", is_workday=False))
        uow.commit()
    try:
        number = _file(app, citizen(), at(*MON, 10))
        assert client.get(f"/api/v1/complaints/{number}").json["verify_due_at"] == "2026-11-04T16:00:00+07:00"
    finally:
        with app.app_context(), UnitOfWork() as uow:
            uow.session.query(CityCalendarDay).filter(CityCalendarDay.day == date(2026, 11, 3)).delete()
            uow.commit()


def test_verify_deadline_reminds_desk_then_escalates_to_head_and_secretary(
    app, client, citizen, staff, desk, sweep, sms_to, run_jobs
):
    head = staff("officer", "DISKOMINFO", "head")
    sekda = staff("officer", "SETDA", "city_secretary")
    _set_phone(app, head, "+6281370010001")
    _set_phone(app, sekda, "+6281370010002")
    number = _file(app, citizen(), at(*MON, 10))
    assert sweep(at(*MON, 12)) == {"reminders": 0, "escalations": 0, "overdue": 0, "closed": 0}
    assert sweep(at(2026, 11, 3, 9))["reminders"] == 1  # the morning of the deadline day
    assert sweep(at(2026, 11, 3, 9, 30))["reminders"] == 0  # once
    notes = client.get("/api/v1/complaints/notices", headers=desk["headers"]).json
    assert [(n["kind"], n["number"]) for n in notes] == [("reminder", number)]
    done = sweep(at(2026, 11, 3, 17))
    assert done["escalations"] == 1 and done["overdue"] == 1
    assert client.get(f"/api/v1/complaints/{number}").json["overdue"] is True
    personal = client.get("/api/v1/complaints/notices", headers=head["headers"]).json
    assert any(n["kind"] == "escalation_head" and n["personal"] for n in personal)
    run_jobs()
    assert number in sms_to("+6281370010001")[0]
    assert sweep(at(2026, 11, 5, 15))["escalations"] == 0  # 2 working days after Tue 16:00 is Thu 16:00
    assert sweep(at(2026, 11, 5, 17))["escalations"] == 1
    run_jobs()
    assert number in sms_to("+6281370010002")[0]
    sec = client.get("/api/v1/complaints/notices", headers=sekda["headers"]).json
    assert [n["kind"] for n in sec] == ["escalation_secretary"]
    assert sweep(at(2026, 11, 9, 17)) == {"reminders": 0, "escalations": 0, "overdue": 0, "closed": 0}


def test_answer_deadline_escalates_to_the_opd_head_and_flags_overdue_publicly(
    app, client, citizen, staff, desk, sweep
):
    putr_head = staff("officer", "DINAS_PUTR", "head")
    putr = staff("officer", "DINAS_PUTR")
    number = _file(app, citizen(), at(*MON, 10))
    _act(app, desk, number, at(*MON, 11), action="verify")
    assert sweep(at(2026, 11, 5, 9))["reminders"] == 1
    assert [n["kind"] for n in client.get("/api/v1/complaints/notices", headers=putr["headers"]).json] == [
        "reminder"
    ]
    done = sweep(at(2026, 11, 5, 16, 30))
    assert done == {"reminders": 0, "escalations": 1, "overdue": 1, "closed": 0}
    public = client.get(f"/api/v1/complaints/{number}").json
    assert public["overdue"] is True and public["history"][-1]["kind"] == "overdue"
    assert all(h["kind"] != "escalation" for h in public["history"])  # escalations are internal
    staff_view = client.get(f"/api/v1/complaints/{number}", headers=putr["headers"]).json
    assert any(h["kind"] == "escalation" for h in staff_view["history"])
    assert [
        c["number"] for c in client.get("/api/v1/complaints/queue?overdue=true", headers=putr["headers"]).json
    ] == [number]
    heads = client.get("/api/v1/complaints/notices", headers=putr_head["headers"]).json
    assert {n["kind"] for n in heads} == {"reminder", "escalation_head"}
    # Answering clears the flag; answered_in_time is false
    _act(app, putr, number, at(2026, 11, 6, 10), action="resolve", outcome="fixed", note="Selesai")
    assert client.get(f"/api/v1/complaints/{number}").json["overdue"] is False
    assert sweep(at(2026, 11, 12, 17))["escalations"] == 0


def test_escalation_without_a_head_on_file_goes_to_the_whole_opd(app, client, citizen, staff, desk, sweep):
    dlh = staff("officer", "DLH")
    number = _file(app, citizen(), at(*MON, 10), category_code="sampah", attributes={})
    _act(app, desk, number, at(*MON, 11), action="verify")
    sweep(at(2026, 11, 4, 17))  # sampah: 2 working days
    kinds = [n["kind"] for n in client.get("/api/v1/complaints/notices", headers=dlh["headers"]).json]
    assert "escalation_head" in kinds


def test_resolved_complaint_closes_itself_after_10_working_days_of_silence(
    app, client, citizen, staff, desk, sweep, run_jobs
):
    me = citizen()
    putr = staff("officer", "DINAS_PUTR")
    number = _file(app, me, at(*MON, 9))
    _act(app, desk, number, at(*MON, 10), action="verify")
    _act(app, putr, number, at(*MON, 11), action="resolve", outcome="fixed", note="Ditambal")
    assert sweep(at(2026, 11, 16, 15))["closed"] == 0
    assert sweep(at(2026, 11, 16, 17))["closed"] == 1
    view = client.get(f"/api/v1/complaints/{number}", headers=me["headers"]).json
    assert view["state"] == "closed" and "otomatis" in view["history"][-1]["note"]
    assert sweep(at(2026, 11, 17, 17))["closed"] == 0


def test_reopen_only_within_10_working_days(app, client, citizen, staff, desk):
    me = citizen()
    putr = staff("officer", "DINAS_PUTR")
    late, in_time = _file(app, me, at(*MON, 9)), _file(app, me, at(*MON, 9))
    for n in (late, in_time):
        _act(app, desk, n, at(*MON, 10), action="verify")
        _act(app, putr, n, at(*MON, 11), action="resolve", outcome="fixed", note="Ditambal")
    with app.app_context():
        from gateway.errors import Conflict

        try:
            service.reopen(UnitOfWork(), principal=_citizen_p(me), number=late, now=at(2026, 11, 17, 10))
            raise AssertionError("reopen after 11 working days must fail")
        except Conflict as exc:
            assert exc.reason == "reopen_window_passed"
        data = service.reopen(
            UnitOfWork(), principal=_citizen_p(me), number=in_time, now=at(2026, 11, 16, 10)
        )
    assert data["state"] == "assigned"
    # a new answer deadline, 3 working days from reopening
    assert data["answer_due_at"].isoformat() == "2026-11-19T09:00:00+00:00"


def test_periodic_job_is_registered_every_300_seconds(app):
    from gateway import queue

    assert {p.path: p.every for p in queue.periodic_jobs(app)}["services.complaints.jobs:sweep"] == 300


def test_sweep_job_runs_through_the_queue_entry_point(app, citizen):
    from services.complaints import jobs

    _file(app, citizen(), at(2025, 11, 3, 10))  # long overdue
    with app.app_context():
        jobs.sweep()
        jobs.sweep()
        with UnitOfWork() as uow:
            from sqlalchemy import func, select

            from services.complaints.models import ComplaintSweepMark, StaffNotice

            assert (
                uow.session.scalar(select(func.count()).select_from(ComplaintSweepMark)) == 2
            )  # head + secretary
            assert uow.session.scalar(select(func.count()).select_from(StaffNotice)) == 2


def test_a_backlog_of_fully_escalated_complaints_does_not_starve_newer_ones(app, citizen, sweep):
    me = citizen()
    old = [_file(app, me, at(2026, 10, 1, 10)) for _ in range(3)]
    assert sweep(at(2026, 11, 2, 12))["escalations"] == 6  # head + secretary for each
    newer = _file(app, me, at(2026, 11, 2, 10))
    with app.app_context():
        done = service.sweep(UnitOfWork(), now=at(2026, 11, 3, 17), batch=2)
    assert done["escalations"] == 1 and old and newer

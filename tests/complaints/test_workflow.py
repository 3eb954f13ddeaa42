"""Triage, routing, the life cycle, ETags, notes, duplicates, reopening, ratings and notifications."""

from __future__ import annotations

from gateway.db import UnitOfWork
from gateway.identity.models import CitizenAccount


def _inbox(app, resident_id):
    from sqlalchemy import select

    from gateway.notify import InboxItem

    with app.app_context(), UnitOfWork() as uow:
        rows = uow.session.scalars(
            select(InboxItem).where(InboxItem.resident_id == resident_id).order_by(InboxItem.created_at)
        )
        return [(i.title, i.body) for i in rows]


def test_desk_verifies_and_complaint_is_assigned_to_the_category_opd(
    client, citizen, desk, staff, file_complaint, act
):
    me = citizen()
    number = file_complaint(me["headers"]).json["number"]
    putr = staff("officer", "DINAS_PUTR")
    # Before verification the OPD does not see it; the desk does.
    assert client.get("/api/v1/complaints/queue", headers=putr["headers"]).json == []
    assert [c["number"] for c in client.get("/api/v1/complaints/queue", headers=desk["headers"]).json] == [
        number
    ]
    r = act(number, desk["headers"], action="verify", note="Lokasi jelas")
    assert r.json["state"] == "assigned" and r.json["opd_code"] == "DINAS_PUTR"
    states = [(h["from_state"], h["to_state"]) for h in r.json["history"] if h["kind"] == "transition"]
    assert states == [(None, "submitted"), ("submitted", "verified"), ("verified", "assigned")]
    who = [(h["by"], h["by_id"]) for h in r.json["history"]]
    assert who == [("warga", None), ("officer", desk["staff"].id), ("officer", desk["staff"].id)]
    assert all(h["by_id"] is None for h in client.get(f"/api/v1/complaints/{number}").json["history"])
    queue = client.get("/api/v1/complaints/queue", headers=putr["headers"]).json
    assert [c["number"] for c in queue] == [number]


def test_full_life_cycle_with_notifications_and_rating(
    app, client, citizen, desk, staff, file_complaint, act, run_jobs
):
    me = citizen()
    number = file_complaint(me["headers"]).json["number"]
    putr = staff("officer", "DINAS_PUTR")
    act(number, desk["headers"], action="verify")
    act(number, putr["headers"], action="start", note="Tim menuju lokasi")
    # Rating before the answer is refused
    r = client.post(
        f"/api/v1/complaints/{number}/rating", json={"score": 5, "fixed": True}, headers=me["headers"]
    )
    assert r.status_code == 409 and r.json["reason"] == "invalid_transition"
    r = act(number, putr["headers"], action="resolve", outcome="fixed", note="Lubang sudah ditambal")
    assert r.json["state"] == "resolved" and r.json["outcome"] == "fixed"
    run_jobs()
    titles = [t for t, _ in _inbox(app, me["resident"].id)]
    assert titles[0] == "Pengaduan diterima"
    assert any("sedang dikerjakan" in t for t in titles) and any("selesai" in t for t in titles)
    assert len(titles) == 4  # filed, assigned, in progress, resolved
    other = citizen()
    r = client.post(
        f"/api/v1/complaints/{number}/rating", json={"score": 4, "fixed": True}, headers=other["headers"]
    )
    assert r.status_code == 403 and r.json["reason"] == "reporter_only"
    for bad in (
        {"score": 0, "fixed": True},
        {"score": 6, "fixed": True},
        {"score": 3},
        {"score": "x", "fixed": 1},
    ):
        r = client.post(f"/api/v1/complaints/{number}/rating", json=bad, headers=me["headers"])
        assert r.status_code == 422, bad
    r = client.post(
        f"/api/v1/complaints/{number}/rating", json={"score": 4, "fixed": True}, headers=me["headers"]
    )
    assert r.status_code == 201 and r.json["score"] == 4
    r = client.post(
        f"/api/v1/complaints/{number}/rating", json={"score": 5, "fixed": True}, headers=me["headers"]
    )
    assert r.status_code == 409 and r.json["reason"] == "already_rated"
    view = client.get(f"/api/v1/complaints/{number}", headers=me["headers"]).json
    assert view["state"] == "closed" and view["rating"] == {"score": 4, "fixed": True}


def test_reject_not_city_requires_naming_who_is_responsible(client, citizen, desk, file_complaint, act):
    me = citizen()
    number = file_complaint(me["headers"]).json["number"]
    r = act(
        number,
        desk["headers"],
        expect=422,
        action="reject",
        rejection_reason="not_city",
        note="Jalan nasional",
    )
    assert r.json["reason"] == "responsible_party_required"
    r = act(number, desk["headers"], expect=422, action="reject")
    assert r.status_code == 422
    r = act(
        number,
        desk["headers"],
        action="reject",
        rejection_reason="not_city",
        responsible_party="BBPJN Sumatera Utara (Kementerian PU)",
        note="Jl. Sisingamangaraja adalah jalan nasional",
    )
    assert r.json["state"] == "rejected" and r.json["responsible_party"].startswith("BBPJN")
    public = client.get(f"/api/v1/complaints/{number}").json
    assert "BBPJN" in public["history"][-1]["note"]


def test_reject_as_spam_and_only_the_desk_triages(client, citizen, desk, staff, file_complaint, act):
    me = citizen()
    number = file_complaint(me["headers"]).json["number"]
    putr = staff("officer", "DINAS_PUTR")
    # PUTR does not handle it yet: 404 (may not see it as a handler), even with a right ETag
    r = client.patch(
        f"/api/v1/complaints/{number}",
        json={"action": "verify"},
        headers={**putr["headers"], "If-Match": '"x"'},
    )
    assert r.status_code == 404
    act(number, desk["headers"], action="reject", rejection_reason="spam", note="Iklan")
    r = act(number, desk["headers"], expect=409, action="verify")
    assert r.json["reason"] == "invalid_transition"


def test_etag_guards_concurrent_officer_updates(client, citizen, desk, staff, file_complaint):
    me = citizen()
    number = file_complaint(me["headers"]).json["number"]
    etag = client.get(f"/api/v1/complaints/{number}", headers=desk["headers"]).headers["ETag"]
    r = client.patch(f"/api/v1/complaints/{number}", json={"action": "verify"}, headers=desk["headers"])
    assert r.status_code == 428
    r = client.patch(
        f"/api/v1/complaints/{number}",
        json={"action": "note", "note": "Cek lokasi", "public": False},
        headers={**desk["headers"], "If-Match": etag},
    )
    assert r.status_code == 200 and r.headers["ETag"] != etag
    # The second officer still holds the old ETag: refused, nothing overwritten.
    r = client.patch(
        f"/api/v1/complaints/{number}",
        json={"action": "verify"},
        headers={**desk["headers"], "If-Match": etag},
    )
    assert r.status_code == 412
    assert client.get(f"/api/v1/complaints/{number}", headers=desk["headers"]).json["state"] == "submitted"


def test_internal_notes_are_hidden_from_public_and_reporter(client, citizen, desk, file_complaint, act):
    me = citizen()
    number = file_complaint(me["headers"]).json["number"]
    act(number, desk["headers"], action="note", note="Pelapor sering spam", public=False)
    act(number, desk["headers"], action="note", note="Sedang kami cek", public=True)
    staff_view = client.get(f"/api/v1/complaints/{number}", headers=desk["headers"]).json
    notes = [h["note"] for h in staff_view["history"] if h["kind"] == "note"]
    assert notes == ["Pelapor sering spam", "Sedang kami cek"]
    for headers in ({}, me["headers"]):
        view = client.get(f"/api/v1/complaints/{number}", headers=headers).json
        assert [h["note"] for h in view["history"] if h["kind"] == "note"] == ["Sedang kami cek"]


def test_reroute_keeps_an_audit_trail_and_moves_the_queue(client, citizen, desk, staff, file_complaint, act):
    me = citizen()
    number = file_complaint(me["headers"]).json["number"]
    putr, dlh = staff("officer", "DINAS_PUTR"), staff("officer", "DLH")
    act(number, desk["headers"], action="verify")
    r = act(number, putr["headers"], expect=422, action="reroute", opd_code="DLH")
    assert r.json["reason"] == "note_required"
    r = act(number, putr["headers"], expect=422, action="reroute", opd_code="NOPE", note="x")
    assert r.json["reason"] == "unknown_opd"
    r = act(
        number, putr["headers"], action="reroute", opd_code="DLH", note="Ini tumpukan sampah, bukan jalan"
    )
    assert r.json["opd_code"] == "DLH"
    trail = [(h["from_opd"], h["to_opd"]) for h in r.json["history"] if h["kind"] == "reroute"]
    assert trail == [("DINAS_PUTR", "DLH")]
    assert client.get(f"/api/v1/complaints/{number}", headers=putr["headers"]).json["access"] == "public"
    assert act(number, putr["headers"], expect=404, action="start").status_code == 404
    assert [c["number"] for c in client.get("/api/v1/complaints/queue", headers=dlh["headers"]).json] == [
        number
    ]
    act(number, dlh["headers"], action="start")


def test_resolve_not_fixed_needs_a_reason_and_an_answer(client, citizen, desk, staff, file_complaint, act):
    me = citizen()
    number = file_complaint(me["headers"]).json["number"]
    putr = staff("officer", "DINAS_PUTR")
    act(number, desk["headers"], action="verify")
    assert (
        act(number, putr["headers"], expect=422, action="resolve", outcome="not_fixed", note="Maaf").json[
            "reason"
        ]
        == "reason_required"
    )
    assert (
        act(number, putr["headers"], expect=422, action="resolve", outcome="fixed").json["reason"]
        == "reply_required"
    )
    assert act(number, putr["headers"], expect=422, action="resolve", note="x").status_code == 422
    r = act(
        number,
        putr["headers"],
        action="resolve",
        outcome="not_fixed",
        reason="Anggaran 2027",
        note="Dijadwalkan",
    )
    assert r.json["outcome"] == "not_fixed" and r.json["outcome_reason"] == "Anggaran 2027"
    # "not fixed" rating leaves it resolved (the citizen may still reopen)
    r = client.post(
        f"/api/v1/complaints/{number}/rating", json={"score": 2, "fixed": False}, headers=me["headers"]
    )
    assert r.status_code == 201
    assert client.get(f"/api/v1/complaints/{number}", headers=me["headers"]).json["state"] == "resolved"


def test_duplicate_links_to_original_and_reporter_follows_it(client, citizen, desk, file_complaint, act):
    a, b = citizen(), citizen()
    original = file_complaint(a["headers"]).json["number"]
    copy = file_complaint(b["headers"]).json["number"]
    assert act(copy, desk["headers"], expect=422, action="duplicate").status_code == 422
    assert (
        act(copy, desk["headers"], expect=422, action="duplicate", duplicate_of=copy).json["reason"]
        == "invalid_original"
    )
    r = act(copy, desk["headers"], action="duplicate", duplicate_of=original)
    assert r.json["state"] == "duplicate" and r.json["duplicate_of"] == original
    assert client.get(f"/api/v1/complaints/{original}").json["supporters"] == 1
    mine = client.get("/api/v1/complaints/mine", headers=b["headers"]).json
    assert {(c["number"], c["relation"]) for c in mine} == {(copy, "reporter"), (original, "follower")}


def test_reporter_confirms_or_reopens(client, citizen, desk, staff, file_complaint, act):
    me = citizen()
    putr = staff("officer", "DINAS_PUTR")
    numbers = [file_complaint(me["headers"]).json["number"] for _ in range(2)]
    for n in numbers:
        act(n, desk["headers"], action="verify")
        act(n, putr["headers"], action="resolve", outcome="fixed", note="Selesai")
    r = client.post(f"/api/v1/complaints/{numbers[0]}/confirm", json={}, headers=me["headers"])
    assert r.status_code == 200 and r.json["state"] == "closed"
    r = client.post(
        f"/api/v1/complaints/{numbers[1]}/reopen", json={"note": "Masih berlubang"}, headers=me["headers"]
    )
    assert r.status_code == 200 and r.json["state"] == "assigned" and r.json["outcome"] is None
    other = citizen()
    r = client.post(f"/api/v1/complaints/{numbers[0]}/reopen", json={}, headers=other["headers"])
    assert r.status_code == 403
    r = client.post(f"/api/v1/complaints/{numbers[1]}/confirm", json={}, headers=me["headers"])
    assert r.status_code == 409


def test_sms_reporter_is_notified_by_sms_on_status_change(app, client, desk, send_sms, sms_to, run_jobs, act):
    phone = "+6281370002222"
    r = send_sms("Sampah menumpuk di pasar horas sudah seminggu", sender=phone)
    number = r.json["number"]
    run_jobs()
    assert number in sms_to(phone)[0]
    act(number, desk["headers"], action="verify")
    run_jobs()
    assert "diteruskan" in sms_to(phone)[0] and number in sms_to(phone)[0]


def test_counter_files_for_a_present_citizen_audited_and_sms_if_phone_given(
    app, client, citizen, staff, file_complaint, sms_to, run_jobs
):
    elder = citizen(full_name="OPUNG BORU")
    counter = staff("counter", None)
    headers = {
        **counter["headers"],
        "X-On-Behalf-Of": elder["resident"].nik,
        "X-On-Behalf-Reason": "Loket MPP 3",
    }
    r = file_complaint(headers, reporter_phone="081370003333")
    assert r.json["channel"] == "counter"
    run_jobs()
    assert r.json["number"] in sms_to("+6281370003333")[0]
    log = client.get("/api/v1/me/access-log", headers=elder["headers"])
    assert any(row["action"] == "file:complaint" for row in log.json), log.json
    mine = client.get("/api/v1/complaints/mine", headers=elder["headers"]).json
    assert [c["number"] for c in mine] == [r.json["number"]]


def test_call_centre_must_record_the_caller(client, staff, file_complaint, sms_to, run_jobs):
    agent = staff("counter", None)
    r = file_complaint(agent["headers"], expect=422)
    assert r.json["reason"] == "caller_required"
    r = file_complaint(agent["headers"], reporter_name="Pak Tigor", reporter_phone="0813-7000-4444")
    assert r.json["channel"] == "call_centre"
    run_jobs()
    assert r.json["number"] in sms_to("+6281370004444")[0]


def test_call_centre_caller_with_an_account_is_linked_and_audited(
    app, client, citizen, staff, file_complaint
):
    caller = citizen(phone="+6281370005555")
    agent = staff("counter", None)
    r = file_complaint(agent["headers"], reporter_name="Tigor", reporter_phone="081370005555")
    mine = client.get("/api/v1/complaints/mine", headers=caller["headers"]).json
    assert [c["number"] for c in mine] == [r.json["number"]]
    with app.app_context(), UnitOfWork() as uow:
        assert uow.session.get(CitizenAccount, caller["account"].id) is not None
    log = client.get("/api/v1/me/access-log", headers=caller["headers"]).json
    assert any(row["action"] == "file:complaint" for row in log)


def test_simultaneous_updates_with_one_etag_let_exactly_one_through(
    app, client, citizen, desk, file_complaint
):
    import threading

    number = file_complaint(citizen()["headers"]).json["number"]
    etag = client.get(f"/api/v1/complaints/{number}", headers=desk["headers"]).headers["ETag"]
    codes: list[int] = []

    def patch(i: int) -> None:
        r = app.test_client().patch(
            f"/api/v1/complaints/{number}",
            json={"action": "note", "note": f"catatan {i}", "public": False},
            headers={**desk["headers"], "If-Match": etag},
        )
        codes.append(r.status_code)

    threads = [threading.Thread(target=patch, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] + [412] * 5
    history = client.get(f"/api/v1/complaints/{number}", headers=desk["headers"]).json["history"]
    assert len([h for h in history if h["kind"] == "note"]) == 1


def test_get_answers_304_for_an_unchanged_etag(client, citizen, desk, file_complaint, act):
    number = file_complaint(citizen()["headers"]).json["number"]
    first = client.get(f"/api/v1/complaints/{number}", headers=desk["headers"])
    again = client.get(
        f"/api/v1/complaints/{number}", headers={**desk["headers"], "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    act(number, desk["headers"], action="verify")
    after = client.get(
        f"/api/v1/complaints/{number}", headers={**desk["headers"], "If-None-Match": first.headers["ETag"]}
    )
    assert after.status_code == 200 and after.json["state"] == "assigned"
    # the public view has its own ETag: a cached staff copy is never served to someone else
    public = client.get(f"/api/v1/complaints/{number}")
    assert public.headers["ETag"] != after.headers["ETag"]


def test_notices_are_for_officers(client, citizen, staff):
    assert client.get("/api/v1/complaints/notices", headers=citizen()["headers"]).status_code == 403
    assert (
        client.get("/api/v1/complaints/notices", headers=staff("counter", None)["headers"]).status_code == 403
    )
    assert client.get("/api/v1/complaints/notices").status_code == 401
    r = client.get("/api/v1/complaints/notices", headers=staff("officer", "DLH")["headers"])
    assert r.status_code == 200 and r.json == []

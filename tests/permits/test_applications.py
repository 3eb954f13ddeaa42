"""An application from an OSS checklist item worked through its steps over HTTP: the owner links her NIB,
completes the requirements, officers screen, review and inspect against the clock, with corrections that
pause it; every step is a history row and a receiveLicenseStatus push to OSS."""

from __future__ import annotations

from sqlalchemy import select

from gateway.audit import AccessLog
from gateway.db import UnitOfWork
from tests.permits.conftest import PB_UMKU, PBG, PBG_DATA, PNG, UMKU_DATA


def _statuses(oss) -> list[str]:
    return [c["body"]["IZINSTATUS"]["kd_status"] for c in oss.calls("receiveLicenseStatus")]


def test_the_owner_links_her_nib_and_sees_the_oss_checklist_item(client, owner_journey):
    journey = owner_journey()
    view = journey.get().json
    assert view["state"] == "awaiting_requirements" and view["kd_status"] == "09"
    assert view["channel"] == "oss" and view["id_izin"] == journey.data_nib["data_checklist"][0]["id_izin"]
    assert view["actions"] == ["submit"]
    assert view["required_documents"] == ["gambar_arsitektur", "gambar_struktur", "bukti_tanah"]


def test_a_nib_that_does_not_name_the_citizen_cannot_be_linked(client, citizen, push_nib):
    _, data_nib = push_nib([{"kd_izin": PBG}], responsible_nik="1272011501900099")
    r = client.post("/api/v1/permits/businesses", json={"nib": data_nib["nib"]}, headers=citizen()["headers"])
    assert r.status_code == 404 and r.json["reason"] == "business_not_found"


def test_submitting_without_the_required_documents_is_refused_and_changes_nothing(client, owner_journey):
    journey = owner_journey()
    journey.fill(PBG_DATA)
    before = journey.get().json["version"]
    r = journey.act(journey.owner, "submit", expect=422)
    assert r["reason"] == "documents_missing"
    assert set(r["errors"]["json"]["documents"]) == {"gambar_arsitektur", "gambar_struktur", "bukti_tanah"}
    assert journey.get().json["version"] == before


def test_documents_are_checked_for_type_size_and_magic_bytes(client, owner_journey):
    journey = owner_journey()
    assert journey.upload("gambar_arsitektur", content=PNG, expect=422)["problem"] == "type_mismatch"
    assert journey.upload("gambar_arsitektur", content_type="image/png", content=PNG, expect=422)[
        "problem"
    ] == ("type_not_allowed")
    big = b"%PDF-" + b"0" * (5 * 1024 * 1024)
    assert journey.upload("gambar_arsitektur", content=big, expect=422)["problem"] == "too_large"
    assert journey.upload("nonsense", expect=422)["reason"] == "unknown_document"
    assert journey.get().json["documents"] == []
    journey.upload("bukti_tanah", content=PNG, content_type="image/png")
    journey.upload("bukti_tanah")  # a second upload replaces the first
    [doc] = journey.get().json["documents"]
    assert doc["content_type"] == "application/pdf"


def test_invalid_data_names_each_field(client, owner_journey):
    journey = owner_journey()
    etag = journey.get().headers["ETag"]
    r = client.patch(
        journey.url,
        json={"data": {"luas_lantai": -3, "fungsi": "pabrik"}},
        headers=journey.owner["headers"] | {"If-Match": etag},
    )
    assert r.status_code == 422 and set(r.json["errors"]["json"]["data"]) == {"luas_lantai", "fungsi"}


def test_a_correction_pauses_the_clock_with_its_reason_and_the_answer_resumes_it(
    client, owner_journey, dpmptsp, run_jobs, oss
):
    journey = owner_journey()
    view = journey.complete(PBG_DATA)
    assert view["state"] == "screening" and view["current_opd"] == "DPMPTSP"
    assert view["clock"]["due_at"] and view["clock"]["step_due_at"]
    view = journey.act(dpmptsp, "request_correction", "Gambar struktur belum ditandatangani")
    assert view["state"] == "correction" and view["kd_status"] == "41"
    clock = journey.get().json["clock"]
    assert clock["paused"] and clock["pause_reason"] == "Gambar struktur belum ditandatangani"
    assert clock["events"][-1]["kd_status"] == "41"
    assert clock["events"][-1]["reason"] == "Gambar struktur belum ditandatangani"
    journey.upload("gambar_struktur")
    view = journey.act(journey.owner, "answer_correction", "Sudah ditandatangani")
    assert view["state"] == "screening" and not view["clock"]["paused"]
    assert [e["kd_status"] for e in view["clock"]["events"]] == ["41", "42"]
    run_jobs()
    assert _statuses(oss) == ["09", "05", "41", "42"]


def test_officers_act_only_on_their_own_step(client, owner_journey, dpmptsp, putr, staff):
    journey = owner_journey()
    journey.complete(PBG_DATA)
    assert journey.act(putr, "complete_step", expect=403)["reason"] == "transition_not_allowed"
    assert journey.act(journey.owner, "approve", expect=403)["reason"] == "transition_not_allowed"
    assert journey.act(dpmptsp, "approve", expect=409)["reason"] == "invalid_transition"
    dinkes = staff("officer", "DINKES")
    assert client.get(journey.url, headers=dinkes["headers"]).status_code == 404
    assert journey.act(dpmptsp, "reject", expect=422)["reason"] == "note_required"
    view = journey.act(dpmptsp, "complete_step")
    assert (
        view["state"] == "technical_review"
        and view["current_opd"] == "DINAS_PUTR"
        and view["kd_status"] == "20"
    )
    assert journey.act(dpmptsp, "complete_step", expect=403)["reason"] == "transition_not_allowed"


def test_technical_review_is_limited_to_five_rounds(client, owner_journey, dpmptsp, putr):
    journey = owner_journey()
    journey.complete(PBG_DATA)
    journey.act(dpmptsp, "complete_step")
    for round_ in range(1, 5):
        assert journey.get(putr).json["review_round"] == round_
        journey.act(putr, "request_correction", f"Revisi ke-{round_}")
        journey.act(journey.owner, "answer_correction")
    view = journey.get(putr).json
    assert (view["review_round"], view["max_review_rounds"]) == (5, 5)
    r = journey.act(putr, "request_correction", "Revisi ke-5", expect=409)
    assert r["reason"] == "review_rounds_exhausted"
    view = journey.act(putr, "complete_step", "Rekomendasi teknis terbit")
    assert view["state"] == "inspection" and view["kd_status"] == "40"


def test_a_stale_if_match_is_refused(client, owner_journey, dpmptsp):
    journey = owner_journey()
    journey.complete(PBG_DATA)
    etag = journey.get(dpmptsp).headers["ETag"]
    journey.act(dpmptsp, "request_correction", "Lengkapi")
    r = journey.act(dpmptsp, "complete_step", expect=412, headers={"If-Match": etag})
    assert r["reason"] == "etag_mismatch"


def test_rejection_says_why_and_reaches_oss(client, owner_journey, dpmptsp, run_jobs, oss):
    journey = owner_journey()
    journey.complete(PBG_DATA)
    view = journey.act(dpmptsp, "reject", "Lokasi di sempadan sungai")
    assert view["state"] == "rejected" and view["kd_status"] == "93"
    assert view["decision_reason"] == "Lokasi di sempadan sungai" and view["actions"] == []
    run_jobs()
    last = oss.calls("receiveLicenseStatus")[-1]["body"]["IZINSTATUS"]
    assert (last["kd_status"], last["keterangan"]) == ("93", "Lokasi di sempadan sungai")


def test_the_counter_files_for_an_owner_who_is_present_and_it_is_audited(
    app, client, citizen, push_nib, staff
):
    owner = citizen()
    _, data_nib = push_nib([], responsible_nik=owner["resident"].nik)
    counter = staff("counter", "DPMPTSP")
    at_counter = counter["headers"] | {"X-On-Behalf-Of": owner["resident"].nik, "X-On-Behalf-Reason": "KTP"}
    assert (
        client.post(
            "/api/v1/permits/businesses", json={"nib": data_nib["nib"]}, headers=at_counter
        ).status_code
        == 200
    )
    r = client.post(
        "/api/v1/permits/applications",
        json={"permit_type": "REKLAME", "nib": data_nib["nib"], "data": {"jenis": "papan"}},
        headers=at_counter,
    )
    assert r.status_code == 201, r.json
    assert r.json["channel"] == "counter" and r.json["id_izin"] is None
    mine = client.get("/api/v1/permits/mine", headers=owner["headers"]).json
    assert [a["id"] for a in mine["applications"]] == [r.json["id"]]
    with app.app_context(), UnitOfWork() as uow:
        actions = set(
            uow.session.scalars(select(AccessLog.action).where(AccessLog.resident_id == owner["resident"].id))
        )
    assert {"link:business", "file:permit_application"} <= actions


def test_an_application_of_someone_else_is_not_found(client, owner_journey, citizen):
    journey = owner_journey()
    assert client.get(journey.url, headers=citizen()["headers"]).status_code == 404


def test_the_officers_queue_shows_their_opd_overdue_first(client, owner_journey, dpmptsp, putr):
    first, second = owner_journey(), owner_journey()
    first.complete(PBG_DATA)
    second.complete(PBG_DATA)
    second.act(dpmptsp, "complete_step")
    queue = client.get("/api/v1/permits/applications", headers=putr["headers"]).json
    assert [q["id"] for q in queue] == [second.id]
    everything = client.get("/api/v1/permits/applications?state=screening", headers=dpmptsp["headers"]).json
    assert [q["id"] for q in everything] == [first.id]
    assert client.get("/api/v1/permits/applications", headers=first.owner["headers"]).status_code == 403


def test_no_fee_no_payment_step_and_approval_issues_the_permit(
    client, owner_journey, dpmptsp, staff, run_jobs, oss
):
    journey = owner_journey(PB_UMKU)
    journey.complete(UMKU_DATA)
    journey.act(dpmptsp, "complete_step")
    disperindag = staff("officer", "DISPERINDAG")
    view = journey.act(disperindag, "complete_step")
    assert view["state"] == "approval" and view["fee_amount"] is None
    view = journey.act(dpmptsp, "approve", "Memenuhi syarat")
    assert view["state"] == "issued" and view["kd_status"] == "50"
    assert view["permit"]["number"].startswith("PB_UMKU/00001/DPMPTSP/")
    run_jobs()
    assert _statuses(oss) == ["09", "05", "10", "20", "45", "49", "50"]

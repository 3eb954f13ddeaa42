"""What the complaint API shows: ETags that follow every visible change, the If-Match reasons,
Open311 error names, "me too" in the history, Indonesian dates in messages, the responsible OPD from
filing, the first photo by upload order, and every time in +07:00."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

from PIL import Image
from sqlalchemy import select, update

from gateway.auth import Principal
from gateway.db import UnitOfWork
from gateway.identity.staff import OPDS
from services.complaints import service
from services.complaints.models import Complaint, ComplaintPhoto
from tests.complaints.conftest import at, b64

OPD_NAMES = {code: name for code, name, _ in OPDS}
LOCAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")
BULAN = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
TANGGAL = re.compile(r"\b\d{1,2} (" + "|".join(BULAN) + r") \d{4} pukul \d\d\.\d\d WIB\b")


def tanggal(iso: str) -> str:
    """'2026-11-11T16:00:00+07:00' → '11 November 2026 pukul 16.00 WIB' (the offset is local time)."""
    moment = datetime.fromisoformat(iso)
    return f"{moment.day} {BULAN[moment.month - 1]} {moment.year} pukul {moment:%H.%M} WIB"


def _inbox(app, resident_id):
    from gateway.notify import InboxItem

    with app.app_context(), UnitOfWork() as uow:
        rows = uow.session.scalars(
            select(InboxItem).where(InboxItem.resident_id == resident_id).order_by(InboxItem.created_at)
        )
        return [(i.title, i.body) for i in rows]


# ---- 1, 2: ETags ----------------------------------------------------------------------------------------


def test_a_me_too_changes_the_etag_so_a_cached_copy_is_not_served(client, citizen, desk, file_complaint):
    number = file_complaint(citizen()["headers"]).json["number"]
    url = f"/api/v1/complaints/{number}"
    public, staff_view = client.get(url), client.get(url, headers=desk["headers"])
    assert public.json["supporters"] == 0
    r = client.post(f"{url}/follow", json={}, headers=citizen()["headers"])
    assert r.status_code == 200 and r.json["supporters"] == 1
    again = client.get(url, headers={"If-None-Match": public.headers["ETag"]})
    assert again.status_code == 200 and again.json["supporters"] == 1
    assert again.headers["ETag"] != public.headers["ETag"]
    # unchanged since: 304 with the new tag
    assert client.get(url, headers={"If-None-Match": again.headers["ETag"]}).status_code == 304
    # the staff view changed too: an officer acting on what he saw before is told to reload
    r = client.patch(
        url, json={"action": "verify"}, headers={**desk["headers"], "If-Match": staff_view.headers["ETag"]}
    )
    assert r.status_code == 412 and r.json["reason"] == "etag_mismatch"
    fresh = client.get(url, headers=desk["headers"])
    assert fresh.headers["ETag"] != staff_view.headers["ETag"] and fresh.json["supporters"] == 1
    r = client.patch(
        url, json={"action": "verify"}, headers={**desk["headers"], "If-Match": fresh.headers["ETag"]}
    )
    assert r.status_code == 200 and r.json["state"] == "assigned"
    # the PATCH answers the ETag a GET of the same view gives
    after = client.get(url, headers={**desk["headers"], "If-None-Match": r.headers["ETag"]})
    assert after.status_code == 304


def test_a_public_note_by_sms_changes_the_etag(client, citizen, file_complaint, send_sms):
    number = file_complaint(citizen()["headers"]).json["number"]
    url = f"/api/v1/complaints/{number}"
    first = client.get(url)
    send_sms(f"{number} lubangnya makin besar", sender="+6281370007777")
    r = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert r.status_code == 200 and r.json["supporters"] == 1
    assert any(h["note"] == f"{number} lubangnya makin besar" for h in r.json["history"])


def test_if_match_reasons_match_the_applications(client, citizen, desk, file_complaint, act):
    number = file_complaint(citizen()["headers"]).json["number"]
    url = f"/api/v1/complaints/{number}"
    r = client.patch(url, json={"action": "verify"}, headers=desk["headers"])
    assert r.status_code == 428 and r.json["reason"] == "etag_required"
    old = client.get(url, headers=desk["headers"]).headers["ETag"]
    act(number, desk["headers"], action="note", note="Cek lokasi", public=False)
    r = client.patch(url, json={"action": "verify"}, headers={**desk["headers"], "If-Match": old})
    assert r.status_code == 412 and r.json["reason"] == "etag_mismatch"
    assert client.get(url, headers=desk["headers"]).json["state"] == "submitted"


def test_patch_documents_if_match_412_and_428(client):
    spec = client.get("/api/v1/openapi.json").json
    patch = spec["paths"]["/api/v1/complaints/{number}"]["patch"]
    assert {"412", "428"} <= set(patch["responses"])
    # flask-smorest documents its own If-Match as a shared component: resolve the reference
    params = [
        spec["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
        for p in patch["parameters"]
    ]
    assert any(p.get("name") == "If-Match" and p.get("in") == "header" and p.get("required") for p in params)


# ---- 3: Open311 errors name the Open311 parameters -----------------------------------------------------


def test_open311_location_errors_name_the_parameters_the_client_sent(client, machine_client):
    c = machine_client(scopes=("open311:write",), facility=None)
    key = f"{c['client_id']}:{c['secret']}"
    base = {"service_code": "sampah", "description": "Sampah menumpuk", "api_key": key}
    cases = [
        ({"long": "99.0687"}, "long"),  # lat missing
        ({"lat": "2.9595"}, "long"),  # long missing
        ({"lat": "3.5954", "long": "98.6722"}, "long"),  # Medan: outside the city
        ({"address_id": "12.71.01.1001", "address_string": "Jl. Sutomo 1"}, "address_id"),  # not Siantar
        ({"address_id": "12.72.01.1001"}, "address_string"),  # a kelurahan needs an address
        ({}, "address_id"),  # no location at all
    ]
    for form, name in cases:
        r = client.post("/open311/v2/requests.json", data={**base, **form})
        assert r.status_code == 400, (form, r.json)
        text = " ".join(e["description"] for e in r.json)
        assert name in text, (form, text)
        assert not re.search(r"\blon\b|kelurahan_code|category_code|\baddress:", text), (form, text)
    r = client.post("/open311/v2/requests.xml", data={**base, "lat": "2.9595"})
    assert r.status_code == 400 and b"long" in r.data and b"lon:" not in r.data


def test_rest_location_errors_keep_the_rest_names(client, citizen, file_complaint):
    r = file_complaint(citizen()["headers"], expect=422, lon=None)
    assert "lon" in r.json["errors"]["json"]
    r = file_complaint(citizen()["headers"], expect=422, lat=None, lon=None, kelurahan_code="12.72.01.1001")
    assert "address" in r.json["errors"]["json"]


# ---- 4: a "me too" is a supporter's, not the reporter's ------------------------------------------------


def test_me_too_history_says_pendukung_and_names_nobody(client, citizen, desk, file_complaint):
    reporter = citizen(full_name="MARIA SINAGA")
    number = file_complaint(reporter["headers"]).json["number"]
    fan = citizen(full_name="TIGOR SIMANJUNTAK")
    assert (
        client.post(f"/api/v1/complaints/{number}/follow", json={}, headers=fan["headers"]).status_code == 200
    )
    for headers in ({}, reporter["headers"], fan["headers"], desk["headers"]):
        view = client.get(f"/api/v1/complaints/{number}", headers=headers).json
        (support,) = [h for h in view["history"] if h["kind"] == "support"]
        assert support["by"] == "pendukung" and support["by_id"] is None
        filed = view["history"][0]
        assert filed["to_state"] == "submitted" and filed["by"] == "warga"
        text = str(support)
        assert "TIGOR" not in text.upper() and fan["resident"].id not in text


# ---- 5: Indonesian dates and punctuation in messages ---------------------------------------------------


def test_citizen_messages_use_indonesian_dates_and_single_full_stops(
    app, client, citizen, desk, staff, file_complaint, act, run_jobs
):
    me = citizen()
    created = file_complaint(me["headers"]).json
    number = created["number"]
    putr = staff("officer", "DINAS_PUTR")
    act(number, desk["headers"], action="verify", note="Lokasi jelas.")
    act(number, putr["headers"], action="resolve", outcome="fixed", note="Sudah ditambal pada 24/11.")
    run_jobs()
    messages = _inbox(app, me["resident"].id)
    (received,) = [body for title, body in messages if title == "Pengaduan diterima"]
    assert f"Batas jawaban {tanggal(created['answer_due_at'])}." in received
    assert received.startswith(f"Pengaduan Anda diterima dengan nomor {number}. ")
    (resolved,) = [body for title, body in messages if "selesai" in title]
    assert resolved == (
        f"Pengaduan {number}: selesai ditangani. Sudah ditambal pada 24/11. "
        "Apakah sudah benar-benar beres? Beri penilaian di aplikasi."
    )
    for _, body in messages:
        assert ".." not in body and " ." not in body, body
        assert not re.search(r"\d\d-\d\d-\d{4}", body), body


def test_sms_replies_and_status_use_indonesian_dates(client, send_sms, sms_to, run_jobs, desk, act):
    phone = "+6281370008888"
    number = send_sms("Lampu jalan padam di Jl. Merdeka", sender=phone).json["number"]
    run_jobs()
    due = client.get(f"/api/v1/complaints/{number}").json["answer_due_at"]
    (first,) = sms_to(phone)
    assert f"Batas jawaban {tanggal(due)}." in first and ".." not in first
    send_sms(f"STATUS {number}", sender=phone)
    status = sms_to(phone)[0]
    assert status == f"Pengaduan {number}: diterima, menunggu verifikasi. Batas jawaban {tanggal(due)}."
    act(number, desk["headers"], action="reject", rejection_reason="spam", note="Bukan pengaduan.")
    send_sms(f"STATUS {number}", sender=phone)
    assert sms_to(phone)[0] == f"Pengaduan {number}: ditolak. Bukan pengaduan."
    for body in sms_to(phone):
        assert ".." not in body and not re.search(r"\d\d-\d\d-\d{4}", body), body


def test_staff_reminders_and_escalations_use_indonesian_dates(app, client, citizen, desk, staff, sweep):
    who = citizen()
    principal = Principal(
        kind="citizen", id=who["account"].id, role="citizen", resident_id=who["resident"].id
    )
    with app.app_context():
        number = service.create_complaint(
            UnitOfWork(),
            principal=principal,
            now=at(2026, 11, 6, 10),  # a Friday: verify by Monday 9 November 16:00 WIB
            category_code="sampah",
            description="Sampah menumpuk",
            lat=2.96,
            lon=99.07,
        ).number
    secretary = staff("officer", "SETDA", "city_secretary")
    sweep(at(2026, 11, 9, 9))  # the morning of the deadline: a reminder
    sweep(at(2026, 11, 9, 17))  # after it: escalation to the head
    sweep(at(2026, 11, 12, 9))  # two working days on: the city secretary
    bodies = [n["body"] for n in client.get("/api/v1/complaints/notices", headers=desk["headers"]).json]
    bodies += [n["body"] for n in client.get("/api/v1/complaints/notices", headers=secretary["headers"]).json]
    assert f"Pengingat: batas verifikasi pengaduan {number} adalah 9 November 2026 pukul 16.00 WIB." in bodies
    assert (
        f"Eskalasi: pengaduan {number} melewati batas verifikasi pada 9 November 2026 pukul 16.00 WIB."
        in bodies
    )
    assert any(
        b.startswith("Eskalasi ke Sekda") and "sejak 9 November 2026 pukul 16.00 WIB." in b for b in bodies
    )
    for body in bodies:
        assert ".." not in body and TANGGAL.search(body), body


def test_open311_service_notice_uses_an_indonesian_date(client, machine_client):
    c = machine_client(scopes=("open311:write",), facility=None)
    form = {
        "api_key": f"{c['client_id']}:{c['secret']}",
        "service_code": "sampah",
        "lat": "2.96",
        "long": "99.07",
        "description": "Sampah di pasar",
    }
    (item,) = client.post("/open311/v2/requests.json", data=form).json
    (request,) = client.get(f"/open311/v2/requests/{item['service_request_id']}.json").json
    assert item["service_notice"] == (
        f"Pengaduan diterima dengan nomor {item['service_request_id']}; "
        f"batas jawaban {tanggal(request['expected_datetime'])}."
    )


# ---- 6: the responsible OPD from filing ---------------------------------------------------------------


def test_submitted_complaint_shows_the_categorys_opd_like_open311(
    client, citizen, desk, staff, file_complaint, act
):
    me = citizen()
    number = file_complaint(me["headers"]).json["number"]
    (item,) = client.get(f"/open311/v2/requests/{number}.json").json
    for headers in ({}, me["headers"], desk["headers"]):
        view = client.get(f"/api/v1/complaints/{number}", headers=headers).json
        assert view["state"] == "submitted" and view["opd_code"] == "DINAS_PUTR"
        assert item["agency_responsible"] == OPD_NAMES[view["opd_code"]]
    (mine,) = client.get("/api/v1/complaints/mine", headers=me["headers"]).json
    assert mine["opd_code"] == "DINAS_PUTR"
    (queued,) = client.get("/api/v1/complaints/queue", headers=desk["headers"]).json
    assert queued["opd_code"] == "DINAS_PUTR"
    # still the desk's to triage: the OPD neither lists nor works it before verification
    putr = staff("officer", "DINAS_PUTR")
    assert client.get("/api/v1/complaints/queue", headers=putr["headers"]).json == []
    assert client.get(f"/api/v1/complaints/{number}", headers=putr["headers"]).json["access"] == "public"
    # the desk routes it elsewhere when verifying: both views follow
    act(number, desk["headers"], action="verify", opd_code="DLH")
    assert client.get(f"/api/v1/complaints/{number}").json["opd_code"] == "DLH"
    (item,) = client.get(f"/open311/v2/requests/{number}.json").json
    assert item["agency_responsible"] == OPD_NAMES["DLH"]


# ---- 7: Open311 media_url is the first photo uploaded ------------------------------------------------


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 40)).save(out, "PNG")
    return out.getvalue()


def test_open311_media_url_is_the_first_uploaded_photo(app, client, citizen, file_complaint):
    sizes = [(64, 48), (80, 60), (96, 72), (112, 84), (128, 96)]
    number = file_complaint(citizen()["headers"], photos=[b64(_png(size)) for size in sizes]).json["number"]
    # Upload order is `position`, not the clock: make the later uploads look older.
    with app.app_context(), UnitOfWork() as uow:
        complaint_id = uow.session.scalar(select(Complaint.id).where(Complaint.number == number))
        start = at(2026, 11, 1)
        for position in range(len(sizes)):
            uow.session.execute(
                update(ComplaintPhoto)
                .where(ComplaintPhoto.complaint_id == complaint_id, ComplaintPhoto.position == position)
                .values(created_at=start - timedelta(minutes=position))
            )
        uow.commit()
    photos = client.get(f"/api/v1/complaints/{number}").json["photos"]
    (item,) = client.get(f"/open311/v2/requests/{number}.json").json
    assert item["media_url"] == app.config["PUBLIC_BASE_URL"].rstrip("/") + photos[0]["url"]
    served = client.get(photos[0]["url"])
    assert Image.open(io.BytesIO(served.data)).size == sizes[0]


# ---- 8: every time in +07:00 ----------------------------------------------------------------------------


def _times(value, key=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _times(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _times(v, key)
    elif key.endswith("_at") or key == "at":
        yield key, value


def test_every_rest_time_is_iso_8601_in_jakarta_time(
    client, citizen, desk, staff, file_complaint, act, sweep, app
):
    me = citizen()
    created = file_complaint(me["headers"])
    number = created.json["number"]
    putr = staff("officer", "DINAS_PUTR")
    act(number, desk["headers"], action="verify")
    patched = act(number, putr["headers"], action="resolve", outcome="fixed", note="Selesai")
    rating = client.post(
        f"/api/v1/complaints/{number}/rating", json={"score": 5, "fixed": True}, headers=me["headers"]
    )
    other = file_complaint(citizen()["headers"]).json["number"]
    sweep(at(2030, 1, 2, 10))  # long overdue: notices for the desk
    answers = [
        created.json,
        patched.json,
        rating.json,
        client.get(f"/api/v1/complaints/{number}").json,
        client.get(f"/api/v1/complaints/{number}", headers=me["headers"]).json,
        client.get(f"/api/v1/complaints/{number}", headers=desk["headers"]).json,
        client.get("/api/v1/complaints/mine", headers=me["headers"]).json,
        client.get("/api/v1/complaints/queue?state=all", headers=desk["headers"]).json,
        client.get("/api/v1/complaints/notices", headers=desk["headers"]).json,
        client.get("/api/v1/complaints/nearby?category=jalan_rusak&lat=2.9595&lon=99.0687").json,
    ]
    seen = [(key, value) for answer in answers for key, value in _times(answer)]
    keys = {key for key, _ in seen}
    assert {"at", "created_at", "updated_at", "verify_due_at", "answer_due_at"} <= keys
    assert len(seen) > 30
    for key, value in seen:
        assert isinstance(value, str) and LOCAL.match(value), (key, value)
    # the same moment Open311 gives
    (item,) = client.get(f"/open311/v2/requests/{other}.json").json
    view = client.get(f"/api/v1/complaints/{other}").json
    assert view["created_at"] == item["requested_datetime"]
    assert view["answer_due_at"] == item["expected_datetime"]

"""Filing a complaint from the app, the counter and the call centre: number, fields, photos, privacy."""

from __future__ import annotations

import io
import re

from PIL import Image

from services.complaints import numbers
from tests.complaints.conftest import b64, jpeg


def test_citizen_files_complaint_and_gets_a_number_with_check_digit(client, citizen, file_complaint):
    me = citizen()
    r = file_complaint(me["headers"])
    number = r.json["number"]
    assert re.fullmatch(r"\d{11}", number)
    assert numbers.is_valid_checksum(number)
    assert r.json["state"] == "submitted" and r.json["channel"] == "app"
    assert r.json["verify_due_at"] < r.json["answer_due_at"]
    view = client.get(f"/api/v1/complaints/{number}").json
    assert view["category"]["code"] == "jalan_rusak"
    assert view["attributes"] == {"ukuran": "besar"}
    assert view["history"][0]["to_state"] == "submitted"


def test_numbers_are_sequential_per_day_and_unique(client, citizen, file_complaint):
    me = citizen()
    first = file_complaint(me["headers"]).json["number"]
    second = file_complaint(me["headers"]).json["number"]
    assert first[:6] == second[:6]
    assert int(second[6:10]) == int(first[6:10]) + 1


def test_emergency_category_answers_call_112(client, citizen, file_complaint):
    me = citizen()
    for code in ("kebakaran", "kejahatan", "gawat darurat"):
        r = file_complaint(me["headers"], expect=422, category_code=code, attributes={})
        assert r.json["reason"] == "emergency_call_112"
        assert "112" in r.json["message"]


def test_bad_inputs_are_422(client, citizen, file_complaint):
    me = citizen()
    cases = [
        ({"category_code": "tidak_ada"}, "unknown_category"),
        ({"description": "x" * 4001}, "validation_failed"),
        ({"description": ""}, "validation_failed"),
        ({"lat": 3.5954, "lon": 98.6722}, "outside_city"),  # Medan
        ({"lat": 2.96, "lon": ...}, "invalid_location"),
        ({"lat": ..., "lon": ..., "kelurahan_code": "12.71.01.1001", "address": "Jl. X"}, "invalid_location"),
        ({"lat": ..., "lon": ..., "kelurahan_code": "12.72.01.1001"}, "invalid_location"),
        ({"lat": ..., "lon": ...}, "location_required"),
        ({"attributes": {}}, "invalid_attributes"),
        ({"attributes": {"ukuran": "raksasa"}}, "invalid_attributes"),
        ({"attributes": {"ukuran": "besar", "warna": "merah"}}, "invalid_attributes"),
        ({"privacy": "secret"}, "validation_failed"),
        ({"photos": ["bukan-base64!!"]}, "validation_failed"),
        ({"unexpected": 1}, "validation_failed"),
    ]
    for override, reason in cases:
        r = file_complaint(me["headers"], expect=None, **override)
        assert r.status_code == 422, (override, r.json)
        assert r.json["reason"] == reason, (override, r.json)


def test_kelurahan_and_address_instead_of_coordinates(client, citizen, file_complaint):
    me = citizen()
    r = file_complaint(
        me["headers"], lat=..., lon=..., kelurahan_code="12.72.01.1001", address="Jl. Sutomo 12"
    )
    view = client.get(f"/api/v1/complaints/{r.json['number']}").json
    assert view["kelurahan_code"] == "12.72.01.1001" and view["kelurahan_name"]
    assert view["lat"] is None


def test_officers_and_anonymous_callers_cannot_file(client, staff, file_complaint):
    officer = staff("officer", "DINAS_PUTR")
    assert file_complaint(officer["headers"], expect=403).json["reason"] == "role_not_allowed"
    assert file_complaint({}, expect=401).status_code == 401


def test_photos_are_validated_reencoded_and_stripped_of_gps(client, citizen, file_complaint):
    me = citizen()
    original = jpeg((800, 600), exif_gps=True)
    assert Image.open(io.BytesIO(original)).getexif()  # the upload does carry EXIF/GPS
    r = file_complaint(me["headers"], photos=[b64(original), "data:image/jpeg;base64," + b64(jpeg())])
    assert r.json["photos"] == 2
    view = client.get(f"/api/v1/complaints/{r.json['number']}").json
    assert len(view["photos"]) == 2
    img = client.get(view["photos"][0]["url"])
    assert img.status_code == 200 and img.mimetype == "image/jpeg"
    stored = Image.open(io.BytesIO(img.data))
    assert stored.size == (800, 600)
    assert not stored.getexif() and b"KameraUji" not in img.data and b"Exif" not in img.data


def test_photo_rules(client, citizen, file_complaint):
    me = citizen()
    not_image = b64(b"%PDF-1.4 this is not an image" * 10)
    r = file_complaint(me["headers"], expect=422, photos=[not_image])
    assert r.json["reason"] == "invalid_photo"
    r = file_complaint(me["headers"], expect=422, photos=[b64(jpeg())] * 6)
    assert r.status_code == 422
    big = io.BytesIO()
    Image.frombytes("RGB", (1400, 1000), bytes(range(256)) * (1400 * 1000 * 3 // 256) + b"\0" * 64).save(
        big, "PNG", compress_level=0
    )
    assert len(big.getvalue()) > 3 * 1024 * 1024
    r = file_complaint(me["headers"], expect=422, photos=[b64(big.getvalue())])
    assert r.status_code == 422
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    r = file_complaint(me["headers"], expect=422, photos=[b64(gif.getvalue())])
    assert r.json["reason"] == "invalid_photo"


def test_five_photos_of_nearly_3mb_fit_in_one_request(client, citizen, file_complaint):
    me = citizen()
    noisy = io.BytesIO()
    import os

    Image.frombytes("RGB", (1000, 950), os.urandom(1000 * 950 * 3)).save(noisy, "PNG", compress_level=0)
    data = noisy.getvalue()
    assert 2.5 * 1024 * 1024 < len(data) <= 3 * 1024 * 1024
    r = file_complaint(me["headers"], photos=[b64(data)] * 5)
    assert r.json["photos"] == 5


def test_unknown_or_mistyped_number_is_404(client, citizen, file_complaint):
    me = citizen()
    number = file_complaint(me["headers"]).json["number"]
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert client.get(f"/api/v1/complaints/{wrong}").status_code == 404
    assert client.get("/api/v1/complaints/abc").status_code == 404


def test_catalogue_lists_categories_with_opd_deadlines_and_attributes(client):
    r = client.get("/api/v1/complaints/categories")
    by_code = {c["code"]: c for c in r.json}
    assert by_code["jalan_rusak"]["opd_code"] == "DINAS_PUTR"
    assert by_code["sampah"]["opd_code"] == "DLH"
    assert by_code["air_pdam"]["opd_code"] == "PDAM_TIRTAULI"
    assert by_code["lainnya"]["opd_code"] == "DISKOMINFO"
    assert by_code["lampu_jalan"]["attributes"][0]["code"] == "nomor_tiang"
    assert [v["key"] for v in by_code["jalan_rusak"]["attributes"][0]["values"]] == [
        "kecil",
        "sedang",
        "besar",
    ]
    assert by_code["kebakaran"]["emergency"] is True
    assert all(c["verify_days"] == 1 for c in r.json if not c["emergency"])
    r = client.get("/api/v1/complaints/categories?include_emergency=false")
    assert "kebakaran" not in {c["code"] for c in r.json}


def test_nul_characters_are_refused_not_a_server_error(client, citizen, file_complaint, desk, send_sms):
    me = citizen()
    for field in ("description", "address", "category_code"):
        r = file_complaint(me["headers"], expect=None, **{field: "Jalan\x00rusak"})
        assert r.status_code == 422, (field, r.json)
    r = file_complaint(me["headers"], expect=None, attributes={"ukuran": "besar\x00"})
    assert r.status_code == 422
    assert client.get("/api/v1/complaints/queue?category=a%00b", headers=desk["headers"]).status_code == 422
    number = file_complaint(me["headers"]).json["number"]
    assert client.get(f"/api/v1/complaints/{number}/photos/a%00b").status_code == 400
    assert send_sms("Sampah\x00 menumpuk").status_code == 422

"""Issue 13, finding 6: bounded work per request and per caller — an image's pixels are counted from its
header before anything is decoded, a FHIR Bundle's entries before the models validate it, and one
account cannot flood the complaint queue."""

from __future__ import annotations

import io
import json
import secrets

from PIL import Image

from tests.adminduk.test_fhir import bundle
from tests.complaints.conftest import b64
from tests.conftest import make_nik


def test_a_40_megapixel_png_is_refused_before_it_is_decoded(client, citizen, file_complaint):
    bomb = io.BytesIO()
    Image.new("1", (6300, 6300)).save(bomb, "PNG")  # 40 MP of pixels in a few kilobytes
    assert len(bomb.getvalue()) < 100_000
    me = citizen()
    r = file_complaint(me["headers"], expect=422, photos=[b64(bomb.getvalue())])
    assert r.json["reason"] == "invalid_photo" and "pixels" in str(r.json["errors"])


def test_a_fhir_bundle_with_too_many_entries_is_refused_before_validation(client, machine_client):
    hospital = machine_client(scopes=("births:write",), facility="1272011")
    payload = bundle(make_nik(sex="P"))
    payload["entry"] = payload["entry"] + [payload["entry"][-1]] * 1000
    r = client.post(
        "/api/v1/adminduk/fhir/Bundle",
        data=json.dumps(payload),
        content_type="application/fhir+json",
        headers={**hospital["headers"], "Idempotency-Key": secrets.token_hex(8)},
    )
    assert r.status_code == 422
    issues = r.get_json(force=True)["issue"]
    assert [(i["code"], i["expression"]) for i in issues] == [("too-costly", ["Bundle.entry"])]


def test_one_account_is_rate_limited_when_filing_complaints_others_are_not(client, citizen, file_complaint):
    flooder, neighbour = citizen(), citizen()  # the same address: the limit is per account
    for _ in range(10):
        file_complaint(flooder["headers"])
    r = file_complaint(flooder["headers"], expect=429)
    assert r.json["reason"] == "rate_limited" and int(r.headers["Retry-After"]) > 0
    file_complaint(neighbour["headers"])


def test_a_citizen_is_rate_limited_on_other_create_endpoints(client, citizen):
    me = citizen()
    answers = [
        client.post(
            "/api/v1/parking/plates", json={"plate": f"BK {n + 1} XY", "vehicle_class": "car"}, headers=me["headers"]
        ).status_code
        for n in range(11)
    ]
    assert 429 not in answers[:10] and answers[10] == 429, answers

"""Issue 13, findings 2 and 8 on adminduk: a duplicate report does not name another hospital's record,
and a deceased citizen's access token stops working at once."""

from __future__ import annotations

import secrets

from services.adminduk.births.models import Birth
from tests.adminduk.conftest import birth_body
from tests.adminduk.test_deaths import _death


def test_duplicate_birth_names_the_first_report_only_to_the_facility_that_made_it(
    family, report_birth, machine_client, count
):
    fam = family()
    body = birth_body(fam["mother"]["resident"].nik)
    first = report_birth(body)
    assert first.status_code == 201, first.json
    other = machine_client(scopes=("births:write",), facility="1272022")
    elsewhere = report_birth({**body, "hospital_reference": f"RM-{secrets.token_hex(3)}"}, headers=other["headers"])
    assert elsewhere.status_code == 409 and elsewhere.json["reason"] == "duplicate_birth"
    assert "existing_id" not in elsewhere.json and first.json["id"] not in str(elsewhere.json)
    same = report_birth({**body, "hospital_reference": "RM-OTHER"})
    assert same.status_code == 409 and same.json["existing_id"] == first.json["id"]
    assert count(Birth) == 1


def test_a_deceased_citizens_access_token_stops_working(client, family, hospital):
    fam = family()
    father = fam["father"]
    assert client.get("/api/v1/me", headers=father["headers"]).status_code == 200
    r = _death(client, hospital["headers"], father["resident"])
    assert r.status_code == 201, r.json
    r = client.get("/api/v1/me", headers=father["headers"])
    assert r.status_code == 401 and r.json["reason"] == "token_revoked"
    assert client.get("/api/v1/me", headers=fam["mother"]["headers"]).status_code == 200

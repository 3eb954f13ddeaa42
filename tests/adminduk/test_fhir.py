"""Births as HL7 FHIR R4 Bundles: the happy path and OperationOutcome answers listing every problem."""

from __future__ import annotations

import copy
import json
import secrets
from datetime import timedelta
from typing import Any

from services.adminduk.births.models import Birth
from tests.adminduk.conftest import now_wib

NIK = "https://fhir.kemkes.go.id/id/nik"
NIK_IBU = "https://fhir.kemkes.go.id/id/nik-ibu"
ROLE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"


def bundle(mother_nik: str, father_nik: str | None = None) -> dict[str, Any]:
    born = now_wib() - timedelta(hours=1)
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": "urn:uuid:baby",
            "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": NIK_IBU, "value": mother_nik}],
                "name": [{"text": "Putri Harahap"}],
                "gender": "female",
                "birthDate": born.date().isoformat(),
                "_birthDate": {
                    "extension": [
                        {
                            "url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                            "valueDateTime": born.isoformat(),
                        }
                    ]
                },
                "multipleBirthInteger": 1,
            },
        },
        {
            "fullUrl": "urn:uuid:mother",
            "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": NIK, "value": mother_nik}],
                "gender": "female",
            },
        },
        {
            "fullUrl": "urn:uuid:mth",
            "resource": {
                "resourceType": "RelatedPerson",
                "patient": {"reference": "urn:uuid:baby"},
                "identifier": [{"system": NIK, "value": mother_nik}],
                "relationship": [{"coding": [{"system": ROLE, "code": "MTH"}]}],
            },
        },
        {
            "fullUrl": "urn:uuid:enc",
            "resource": {
                "resourceType": "Encounter",
                "status": "finished",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
                "identifier": [
                    {
                        "system": "http://sys-ids.kemkes.go.id/encounter/1272011",
                        "value": f"ENC-{secrets.token_hex(4)}",
                    }
                ],
                "subject": {"reference": "urn:uuid:baby"},
                "participant": [{"individual": {"display": "Bidan Rina Nasution"}}],
                "serviceProvider": {"identifier": {"value": "1272011"}},
            },
        },
        {
            "fullUrl": "urn:uuid:weight",
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "code": {
                    "coding": [
                        {"system": "http://loinc.org", "code": "8339-4", "display": "Birth weight Measured"}
                    ]
                },
                "subject": {"reference": "urn:uuid:baby"},
                "valueQuantity": {
                    "value": 3.1,
                    "unit": "kg",
                    "system": "http://unitsofmeasure.org",
                    "code": "kg",
                },
            },
        },
        {
            "fullUrl": "urn:uuid:length",
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "89269-5"}]},
                "subject": {"reference": "urn:uuid:baby"},
                "valueQuantity": {"value": 48, "unit": "cm", "code": "cm"},
            },
        },
    ]
    if father_nik:
        entries.append(
            {
                "fullUrl": "urn:uuid:fth",
                "resource": {
                    "resourceType": "RelatedPerson",
                    "patient": {"reference": "urn:uuid:baby"},
                    "identifier": [{"system": NIK, "value": father_nik}],
                    "relationship": [{"coding": [{"system": ROLE, "code": "FTH"}]}],
                },
            }
        )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _post(client, hospital, payload, key=None):
    headers = {**hospital["headers"], "Idempotency-Key": key or secrets.token_hex(8)}
    return client.post(
        "/api/v1/adminduk/fhir/Bundle",
        data=json.dumps(payload),
        content_type="application/fhir+json",
        headers=headers,
    )


def test_fhir_bundle_registers_the_birth(client, hospital, family, db):
    fam = family()
    r = _post(client, hospital, bundle(fam["mother"]["resident"].nik, fam["father"]["resident"].nik))
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.json["state"] == "registered" and r.json["child_name"] == "PUTRI HARAHAP"
    assert r.json["parents_married"] is True and len(r.json["child_nik"]) == 16
    assert r.json["child_nik"][6:8] == f"{(now_wib() - timedelta(hours=1)).day + 40:02d}"
    birth = db(lambda s: s.get(Birth, r.json["id"]))
    assert birth.source == "fhir" and birth.weight_grams == 3100 and birth.length_cm == 48
    assert birth.attendant == "Bidan Rina Nasution" and birth.hospital_reference.startswith("ENC-")
    again = client.get(f"/api/v1/adminduk/births/{r.json['id']}", headers=hospital["headers"])
    assert again.status_code == 200 and again.json["akta_number"] == r.json["akta_number"]


def test_fhir_retry_is_idempotent(client, hospital, family, count):
    fam = family()
    payload = bundle(fam["mother"]["resident"].nik)
    first = _post(client, hospital, payload, key="fhir-1")
    second = _post(client, hospital, payload, key="fhir-1")
    assert first.status_code == second.status_code == 201 and first.json["id"] == second.json["id"]
    assert count(Birth) == 1


def test_structurally_bad_bundle_lists_every_problem_as_operation_outcome(client, hospital, family, count):
    fam = family()
    payload = bundle(fam["mother"]["resident"].nik)
    baby = payload["entry"][0]["resource"]
    baby["birthDate"] = "2026-13-45"
    baby["multipleBirthInteger"] = "first"
    payload["entry"][4]["resource"]["status"] = {"not": "a code"}
    r = _post(client, hospital, payload)
    assert r.status_code == 422
    assert r.headers["Content-Type"].startswith("application/fhir+json")
    outcome = r.json
    assert outcome["resourceType"] == "OperationOutcome"
    assert len(outcome["issue"]) >= 3
    where = " ".join(e for i in outcome["issue"] for e in i.get("expression", []))
    assert "Bundle.entry[0].resource.birthDate" in where and "multipleBirthInteger" in where
    assert all(i["severity"] == "error" for i in outcome["issue"])
    assert count(Birth) == 0


def test_our_own_rules_are_issues_too(client, hospital, family, count):
    fam = family()
    payload = bundle(fam["mother"]["resident"].nik)
    payload["entry"][0]["resource"]["gender"] = "unknown"
    payload["entry"][0]["resource"]["identifier"][0]["value"] = "9999015203950001"
    del payload["entry"][4]  # no birth weight
    payload["entry"] = [e for e in payload["entry"] if e["resource"]["resourceType"] != "Encounter"]
    r = _post(client, hospital, payload)
    assert r.status_code == 422 and r.json["resourceType"] == "OperationOutcome"
    text = " | ".join(i["diagnostics"] for i in r.json["issue"])
    assert "gender" in text and "unknown region" in text and "8339-4" in text and "Encounter" in text
    assert count(Birth) == 0


def test_registry_rules_answer_as_operation_outcome_with_every_problem(client, hospital, family, count):
    fam = family()
    payload = bundle(fam["father"]["resident"].nik)  # a man as the mother …
    future = now_wib() + timedelta(days=3)
    baby = payload["entry"][0]["resource"]
    baby["birthDate"] = future.date().isoformat()
    baby["_birthDate"]["extension"][0]["valueDateTime"] = future.isoformat()
    payload["entry"][1]["resource"]["identifier"][0]["value"] = fam["father"]["resident"].nik
    r = _post(client, hospital, payload)
    assert r.status_code == 422 and r.headers["Content-Type"].startswith("application/fhir+json")
    text = " | ".join(i["diagnostics"] for i in r.json["issue"])
    assert "mother_not_female" in text and "birth_in_future" in text
    assert count(Birth) == 0


def test_duplicate_and_facility_mismatch_and_unknown_resource(client, hospital, family):
    fam = family()
    payload = bundle(fam["mother"]["resident"].nik)
    first = _post(client, hospital, payload)
    dup = _post(client, hospital, payload)
    assert dup.status_code == 409 and first.json["id"] in dup.json["issue"][0]["diagnostics"]
    other = copy.deepcopy(payload)
    other["entry"][3]["resource"]["serviceProvider"]["identifier"]["value"] = "1272033"
    other["entry"][0]["resource"]["multipleBirthInteger"] = 2
    r = _post(client, hospital, other)
    assert r.status_code == 403 and r.json["issue"][0]["code"] == "forbidden"
    weird = copy.deepcopy(payload)
    weird["entry"].append({"resource": {"resourceType": "Spaceship"}})
    r = _post(client, hospital, weird)
    assert r.status_code == 422 and "Spaceship" in r.json["issue"][0]["diagnostics"]


def test_fhir_auth_errors_are_operation_outcomes(client, machine_client, family):
    fam = family()
    wrong = machine_client(scopes=("deaths:write",), facility="1272011")
    r = client.post(
        "/api/v1/adminduk/fhir/Bundle",
        json=bundle(fam["mother"]["resident"].nik),
        headers={**wrong["headers"], "Idempotency-Key": "x"},
    )
    assert r.status_code == 403 and r.json["resourceType"] == "OperationOutcome"
    r = client.post(
        "/api/v1/adminduk/fhir/Bundle",
        json={"resourceType": "Patient"},
        headers={**wrong["headers"], "Idempotency-Key": "y"},
    )
    assert r.status_code == 403


def test_malformed_fhir_json_is_an_operation_outcome(client, hospital, count):
    r = client.post(
        "/api/v1/adminduk/fhir/Bundle",
        data="{not json",
        content_type="application/fhir+json",
        headers={**hospital["headers"], "Idempotency-Key": "bad-json"},
    )
    assert 400 <= r.status_code < 500
    assert r.headers["Content-Type"].startswith("application/fhir+json")
    assert r.json["resourceType"] == "OperationOutcome" and r.json["issue"]
    r = client.post(
        "/api/v1/adminduk/fhir/Bundle",
        data=json.dumps({"resourceType": "Patient"}),
        content_type="application/fhir+json",
        headers={**hospital["headers"], "Idempotency-Key": "not-a-bundle"},
    )
    assert r.status_code == 422 and r.json["issue"][0]["diagnostics"] == "Expected a FHIR Bundle"
    assert count(Birth) == 0


def test_stand_in_newborn_name_in_a_bundle_leaves_the_child_unnamed(client, hospital, family):
    fam = family()
    payload = bundle(fam["mother"]["resident"].nik, fam["father"]["resident"].nik)
    payload["entry"][0]["resource"]["name"] = [{"text": "By. Ny. Siti Rahma Siregar"}]
    r = _post(client, hospital, payload)
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.json["child_name"] is None
    named = client.post(
        f"/api/v1/adminduk/births/{r.json['id']}/name",
        json={"name": "Putri Simanjuntak"},
        headers=fam["father"]["headers"],
    )
    assert named.status_code == 200 and named.json["child_name"] == "PUTRI SIMANJUNTAK"


def test_mother_patient_name_and_birth_date_must_match_the_registry(client, hospital, family, count):
    fam = family()
    payload = bundle(fam["mother"]["resident"].nik)
    mother = payload["entry"][1]["resource"]
    mother["name"] = [{"use": "official", "given": ["Siti"], "family": "Lubis"}]
    mother["birthDate"] = "1995-03-13"
    r = _post(client, hospital, payload)
    assert r.status_code == 422 and r.headers["Content-Type"].startswith("application/fhir+json")
    issues = r.json["issue"]
    assert all(i["code"] == "business-rule" and "mother_mismatch" in i["diagnostics"] for i in issues)
    assert sorted(e for i in issues for e in i["expression"]) == [
        "Bundle.entry[1].resource.birthDate",
        "Bundle.entry[1].resource.name[0]",
    ]
    assert count(Birth) == 0
    mother["name"] = [{"given": ["siti"], "family": "SIREGAR"}]
    mother["birthDate"] = "1995-03-12"
    ok = _post(client, hospital, payload)
    assert ok.status_code == 201, ok.get_data(as_text=True)


def test_business_rule_issues_point_at_the_bundle_with_fhirpath(client, hospital, family):
    fam = family()
    payload = bundle(fam["father"]["resident"].nik)  # a man as the mother, born in the future
    future = now_wib() + timedelta(days=3)
    baby = payload["entry"][0]["resource"]
    baby["birthDate"] = future.date().isoformat()
    baby["_birthDate"]["extension"][0]["valueDateTime"] = future.isoformat()
    r = _post(client, hospital, payload)
    assert r.status_code == 422
    where = {i["diagnostics"].split(":")[0]: i["expression"] for i in r.json["issue"]}
    assert where["mother_not_female"] == ["Bundle.entry[1].resource.identifier[0].value"]
    assert where["birth_in_future"] == ["Bundle.entry[0].resource.birthDate"]

    other = bundle(fam["mother"]["resident"].nik, fam["mother"]["resident"].nik)
    other["entry"][3]["resource"]["serviceProvider"]["identifier"]["value"] = "1272033"
    r = _post(client, hospital, other)
    assert r.status_code == 403
    where = {i["diagnostics"].split(":")[0]: i["expression"] for i in r.json["issue"]}
    assert where["facility_mismatch"] == ["Bundle.entry[3].resource.serviceProvider.identifier.value"]
    assert where["father_is_mother"] == ["Bundle.entry[6].resource.identifier[0].value"]
    for i in r.json["issue"]:
        assert all(e.startswith("Bundle.") for e in i["expression"]), i


def test_partial_fhir_dates(client, hospital, family, count):
    """FHIR allows '1995' or '1995-03': the mother's agrees as far as given; a newborn needs the day."""
    fam = family()
    payload = bundle(fam["mother"]["resident"].nik)
    payload["entry"][1]["resource"]["birthDate"] = "1996"
    r = _post(client, hospital, payload)
    assert r.status_code == 422 and "mother_mismatch" in r.json["issue"][0]["diagnostics"]
    baby = copy.deepcopy(payload)
    del baby["entry"][0]["resource"]["_birthDate"]
    baby["entry"][0]["resource"]["birthDate"] = now_wib().strftime("%Y-%m")
    r = _post(client, hospital, baby)
    assert r.status_code == 422 and r.json["issue"][0]["expression"] == ["Bundle.entry[0].resource.birthDate"]
    assert count(Birth) == 0
    payload["entry"][1]["resource"]["birthDate"] = "1995-03"
    assert _post(client, hospital, payload).status_code == 201

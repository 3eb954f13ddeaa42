"""Issue 13, finding 5 (the CI fuzz step, run on both databases): hostile input — NUL bytes in every
place a string enters, JSON nested 1,000 deep, 5,000-digit numbers, NaN, a FHIR weight of 1e308,
extensions nested 300 deep — is a 400/422 with the error body (an OperationOutcome on the FHIR
endpoint), never a 500. Fixed cases first, then generated ones."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.extensions import limiter
from tests.adminduk.test_fhir import bundle
from tests.conftest import make_nik

DEEP = "[" * 1000 + "]" * 1000
LONG_NUMBER = "9" * 5000


def _error_body(r: Any) -> None:
    """The one error body (docs/errors.md), an Open311 error array under /open311/ (the specification's),
    or a FHIR OperationOutcome on the FHIR endpoint."""
    assert r.status_code in (400, 422), (r.status_code, r.get_data(as_text=True)[:300])
    body = r.get_json(force=True)
    if isinstance(body, list):
        assert body and all(e["code"] == r.status_code and e["description"] for e in body), body
    elif body.get("resourceType") == "OperationOutcome":
        assert body["issue"] and all(i["severity"] == "error" for i in body["issue"])
    else:
        assert body["code"] == r.status_code and body["reason"], body


@pytest.fixture
def hospital(machine_client):
    return machine_client(scopes=("births:write", "deaths:write"), facility="1272011")


def _fhir(client, hospital, raw: str):
    headers = {**hospital["headers"], "Idempotency-Key": secrets.token_hex(8)}
    return client.post(
        "/api/v1/adminduk/fhir/Bundle", data=raw, content_type="application/fhir+json", headers=headers
    )


def _raw_json(client, path: str, raw: str, headers: dict[str, str] | None = None):
    return client.post(path, data=raw, content_type="application/json", headers=headers or {})


@pytest.mark.parametrize(
    "body",
    [
        {"username": "admin\u0000", "password": "x"},
        {"username": "081299990000", "password": "sandi\u0000"},
        {"username": "1272011501900001\u0000", "password": "x"},
    ],
)
def test_nul_in_login_is_400(client, body):
    _error_body(client.post("/api/v1/auth/login", json=body))


def test_nul_in_a_form_body_is_400(client):
    r = client.post(
        "/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": "a\u0000", "client_secret": "x"}
    )
    _error_body(r)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/complaints/nearby?category=jalan%00rusak&lat=2.96&lon=99.06",
        "/open311/v2/requests.json?service_code=jalan%00rusak",
        "/open311/v2/requests.json?service_request_id=2611%0024",
        "/api/v1/complaints?q=%00",
        "/api/v1/complaints/2611%0024000",
        "/open311/v2/tokens/ab%00cd.json",
        "/open311/v2/requests/2611%00.json",
        "/api/v1/documents/verify/ab%00cd",
    ],
)
def test_nul_in_query_and_path_parameters_is_400(client, path):
    _error_body(client.get(path))


def test_nul_in_an_authenticated_path_and_query_is_400(client, hospital):
    _error_body(client.get("/api/v1/adminduk/births/ab%00cd", headers=hospital["headers"]))
    _error_body(client.get("/api/v1/adminduk/births?hospital_reference=RM%001", headers=hospital["headers"]))


@pytest.mark.parametrize(
    "raw",
    [
        DEEP,
        '{"username": ' + DEEP + ', "password": "x"}',
        '{"username": ' + LONG_NUMBER + ', "password": "x"}',
        '{"username": "a", "password": "x", "n": -' + LONG_NUMBER + "}",
        '{"username": "a", "password": "x", "n": 1' + "0" * 5000 + ".5}",
        '{"username": "a", "password": NaN}',
        '{"username": "a", "password": Infinity}',
        '{"username": "a\\u0000", "password": "x"}',
    ],
)
def test_hostile_json_is_400(client, raw):
    _error_body(_raw_json(client, "/api/v1/auth/login", raw))


def test_hostile_json_on_an_authenticated_create_endpoint(client, citizen):
    person = citizen()
    body = {"category_code": "jalan_rusak", "description": "Jalan rusak", "lat": LONG_NUMBER, "lon": 99.06}
    raw = json.dumps(body).replace(f'"{LONG_NUMBER}"', LONG_NUMBER)
    _error_body(_raw_json(client, "/api/v1/complaints", raw, person["headers"]))
    _error_body(_raw_json(client, "/api/v1/complaints", DEEP, person["headers"]))


def test_fhir_nul_in_identifiers_is_an_operation_outcome(client, hospital):
    mother = make_nik(sex="P")
    payload = bundle(mother)
    payload["entry"][1]["resource"]["identifier"][0]["value"] = mother[:8] + "\u0000" + mother[8:]
    _error_body(_fhir(client, hospital, json.dumps(payload)))
    payload = bundle(mother)
    payload["entry"][3]["resource"]["identifier"][0]["value"] = "ENC-\u0000"
    _error_body(_fhir(client, hospital, json.dumps(payload)))


@pytest.mark.parametrize("value", ["1e308", "-1e308", "1e400", LONG_NUMBER])
def test_fhir_absurd_weight_is_an_operation_outcome(client, hospital, value):
    payload = bundle(make_nik(sex="P"))
    payload["entry"][4]["resource"]["valueQuantity"]["value"] = "WEIGHT"
    _error_body(_fhir(client, hospital, json.dumps(payload).replace('"WEIGHT"', value)))


def test_fhir_extensions_nested_300_deep_is_an_operation_outcome(client, hospital):
    payload = bundle(make_nik(sex="P"))
    nested: dict[str, Any] = {"url": "http://example.org/leaf", "valueString": "x"}
    for _ in range(300):
        nested = {"url": "http://example.org/nest", "extension": [nested]}
    payload["entry"][0]["resource"]["extension"] = [nested]
    _error_body(_fhir(client, hospital, json.dumps(payload)))


def test_fhir_json_nested_1000_deep_is_an_operation_outcome(client, hospital):
    _error_body(_fhir(client, hospital, '{"resourceType": "Bundle", "entry": ' + DEEP + "}"))


_TEXT = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Cc"]), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=_TEXT, suffix=_TEXT, where=st.sampled_from(["login", "query", "path", "json-key"]))
def test_generated_strings_with_a_nul_never_make_a_500(app, client, prefix, suffix, where):
    with app.app_context():
        limiter.reset()  # the login limit is not under test
    text = f"{prefix}\u0000{suffix}"
    if where == "login":
        r = client.post("/api/v1/auth/login", json={"username": text, "password": text})
    elif where == "query":
        r = client.get("/open311/v2/requests.json", query_string={"service_code": text})
    elif where == "path":
        r = client.get("/api/v1/complaints/" + text.replace("/", "x").replace("?", "x").replace("#", "x"))
    else:
        r = client.post("/api/v1/auth/login", json={text: 1, "username": "a", "password": "b"})
    assert r.status_code in (400, 404, 422), (where, text, r.status_code)
    body = r.get_json(force=True)
    assert body[0]["description"] if isinstance(body, list) else body["reason"]

"""The OpenAPI document is complete enough to generate a client from, and the server keeps to it."""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
import pytest

from gateway.openapi import operation_id
from gateway.reasons import REASONS

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def spec(app) -> dict[str, Any]:
    return app.test_client().get("/api/v1/openapi.json").json


def _operations(spec: dict[str, Any]):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def _params(spec: dict[str, Any], path: str, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for param in [*spec["paths"][path].get("parameters", []), *operation.get("parameters", [])]:
        if "$ref" in param:
            param = spec["components"]["parameters"][param["$ref"].rsplit("/", 1)[-1]]
        out[param["name"]] = param
    return out


def test_every_operation_has_a_unique_operation_id_derived_from_blueprint_view_and_method(app, spec):
    ids = [op["operationId"] for _, _, op in _operations(spec)]
    assert len(ids) == len(set(ids)) and len(ids) > 50
    endpoints = {}
    for rule in app.url_map.iter_rules():
        for method in rule.methods or ():
            endpoints[operation_id(rule.endpoint, method.lower())] = rule.endpoint
    assert set(ids) <= set(endpoints)
    # Stable names integrators' generated clients are built on.
    paths = {(p, m): op["operationId"] for p, m, op in _operations(spec)}
    assert paths["/api/v1/auth/login", "post"] == "auth_login_post"
    assert paths["/api/v1/adminduk/births", "post"] == "adminduk_births_post"


def test_gateway_headers_are_documented_where_they_apply(spec):
    posts = 0
    for path, method, operation in _operations(spec):
        params = _params(spec, path, operation)
        assert "X-Request-ID" in params, (method, path)
        if method == "post":
            posts += 1
            assert "Idempotency-Key" in params, path
        roles = operation.get("x-roles") or []
        if "counter" in roles:
            assert {"X-On-Behalf-Of", "X-On-Behalf-Reason"} <= set(params), (method, path)
    assert posts > 30
    births = _params(spec, "/api/v1/adminduk/births", spec["paths"]["/api/v1/adminduk/births"]["post"])
    assert births["Idempotency-Key"]["required"] is True  # machine clients only, who must send it
    login = _params(spec, "/api/v1/auth/login", spec["paths"]["/api/v1/auth/login"]["post"])
    assert not login["Idempotency-Key"].get("required")
    item = spec["paths"]["/api/v1/complaints/{number}"]
    assert "If-Match" in _params(spec, "/api/v1/complaints/{number}", item["patch"])
    assert "ETag" in item["get"]["responses"]["200"]["headers"]


def test_security_schemes_bearer_oauth2_client_credentials_and_open311_api_key(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    flow = schemes["oauth2ClientCredentials"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/api/v1/auth/token"
    assert {"births:write", "deaths:write", "open311:write"} <= set(flow["scopes"])
    assert schemes["open311ApiKey"] == {**schemes["open311ApiKey"], "type": "apiKey", "name": "api_key"}
    births = spec["paths"]["/api/v1/adminduk/births"]["post"]["security"]
    assert {"oauth2ClientCredentials": ["births:write"]} in births
    open311 = spec["paths"]["/open311/v2/requests.{fmt}"]["post"]["security"]
    assert {"open311ApiKey": []} in open311 and {} not in open311


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    # OpenAPI 3.0 schemas are JSON Schema (draft 4 family) plus `nullable`, `example`: close enough here.
    document = {**schema, "components": spec["components"]}
    return jsonschema_rs.Draft4Validator(json.loads(json.dumps(document)))


def test_every_request_body_has_an_example_that_its_schema_accepts(spec):
    bodies = 0
    for path, method, operation in _operations(spec):
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            bodies += 1
            assert "example" in media, (method, path, media_type)
            errors = [e.message for e in _validator(spec, media["schema"]).iter_errors(media["example"])]
            assert errors == [], (method, path, errors)
    assert bodies > 30


def test_error_reason_is_an_enum_of_the_catalogue(spec):
    reason = spec["components"]["schemas"]["Error"]["properties"]["reason"]
    assert reason["enum"] == list(REASONS)


def test_rate_limited_operations_document_429_with_retry_after_and_others_do_not(spec):
    login = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]["429"]
    assert "Retry-After" in login["headers"]
    assert "429" not in spec["paths"]["/api/v1/me"]["get"]["responses"]


def test_rate_limited_answer_is_the_documented_429_with_retry_after(app, client):
    app.config["RATELIMIT_ENABLED"] = True
    try:
        answers = [
            client.post("/api/v1/auth/login", json={"username": "nobody", "password": "wrong-password"})
            for _ in range(30)
        ]
    finally:
        app.config["RATELIMIT_ENABLED"] = False
    limited = [r for r in answers if r.status_code == 429]
    assert limited, [r.status_code for r in answers]
    assert limited[0].json["reason"] == "rate_limited" and int(limited[0].headers["Retry-After"]) > 0


def test_operations_with_a_body_document_415(spec):
    for path, method, operation in _operations(spec):
        if "requestBody" in operation:
            assert "415" in operation["responses"], (method, path)


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/api/v1/auth/login", "application/xml", "<login><username>admin</username></login>"),
        ("/api/v1/auth/login", "application/x-www-form-urlencoded", "username=admin&password=x"),
        ("/api/v1/auth/login", "text/plain", '{"username": "admin", "password": "x"}'),
        ("/api/v1/auth/token", "application/json", '{"grant_type": "client_credentials"}'),
    ],
)
def test_a_body_in_a_type_the_operation_does_not_take_is_415_not_422(client, path, content_type, body):
    r = client.post(path, data=body, headers={"Content-Type": content_type})
    assert r.status_code == 415, r.json
    assert r.json["reason"] == "unsupported_media_type"
    assert "application/" in r.json["message"]


def test_json_types_are_accepted_where_json_is(client):
    r = client.post(
        "/api/v1/auth/login",
        data=json.dumps({"username": "nobody", "password": "wrong-password"}),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 401


def test_open311_wrong_content_type_is_415_in_the_georeport_error_array(client):
    r = client.post("/open311/v2/requests.json", json={"service_code": "JALAN"})
    assert r.status_code == 415
    assert isinstance(r.json, list) and r.json[0]["code"] == 415


def test_open311_operations_document_error_arrays_and_xml(spec):
    for path, method, operation in _operations(spec):
        if not path.startswith("/open311/"):
            continue
        for status, response in operation["responses"].items():
            assert "$ref" not in response, (method, path, status)  # not the API's JSON error object
            content = response.get("content", {})
            assert "text/xml" in content, (method, path, status)
            if status.startswith(("4", "5")) or status == "default":
                assert content["application/json"]["schema"]["type"] == "array"


def test_open311_accepts_the_api_key_in_the_query_string_as_documented(client, machine_client):
    c = machine_client(scopes=("open311:write",), facility=None)
    form = {
        "service_code": "jalan_rusak",
        "lat": "2.9595",
        "long": "99.0687",
        "description": "Lubang besar di Jl. Sutomo depan SMA 2",
        "attribute[ukuran]": "besar",
    }
    r = client.post(f"/open311/v2/requests.json?api_key={c['client_id']}:{c['secret']}", data=form)
    assert r.status_code == 200, r.json
    assert r.json[0]["service_request_id"]
    wrong = client.post(f"/open311/v2/requests.json?api_key={c['client_id']}:wrong", data=form)
    assert wrong.status_code == 403 and wrong.json[0]["code"] == 403


def test_a_protocol_edge_documents_its_own_error_shape_beside_the_api_error_body(spec, client, machine_client):
    fhir = spec["paths"]["/api/v1/adminduk/fhir/Bundle"]["post"]["responses"]
    for status in ("401", "403", "415", "422", "default"):
        assert {"application/json", "application/fhir+json"} <= set(fhir[status]["content"]), status
    hospital = machine_client(scopes=("deaths:write",))  # lacks births:write: a 403 from inside the view
    r = client.post(
        "/api/v1/adminduk/fhir/Bundle",
        data=json.dumps({"resourceType": "Bundle"}),
        headers={**hospital["headers"], "Content-Type": "application/fhir+json", "Idempotency-Key": "k1"},
    )
    assert r.status_code == 403 and r.mimetype == "application/fhir+json"
    assert r.json["resourceType"] == "OperationOutcome"
    # OSS answers its refusals in its own shape; a reused Idempotency-Key is still the API's error body.
    oss = spec["paths"]["/api/v1/permits/oss/receiveNIB"]["post"]["responses"]["422"]
    assert {"$ref": "#/components/schemas/Error"} in oss["content"]["application/json"]["schema"]["anyOf"]

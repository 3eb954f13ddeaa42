"""Open311 GeoReport v2: the exact shapes Open311 client libraries parse (JSON arrays, XML roots),
posting with api_key and attribute[CODE], privacy, filters, paging, tokens, updates and errors."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from gateway.auth import Principal
from gateway.db import UnitOfWork, utcnow
from gateway.identity.staff import OPDS
from services.complaints import numbers, service
from tests.complaints.conftest import b64, jpeg

BASE = "/open311/v2"
OPD_NAMES = {code: name for code, name, _ in OPDS}
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
REPORTER_WORDS = ("first_name", "last_name", "email", "phone", "reporter", "account", "device", "nik")
POTHOLE_FORM = {
    "service_code": "jalan_rusak",
    "lat": "2.9595",
    "long": "99.0687",
    "description": "Lubang besar di Jl. Sutomo depan SMA 2",
    "attribute[ukuran]": "besar",
}


@pytest.fixture
def open311_client(machine_client):
    return machine_client(scopes=("open311:write",), facility=None)


def api_key(c: dict[str, Any]) -> str:
    return f"{c['client_id']}:{c['secret']}"


def xml_of(r) -> ET.Element:
    assert r.content_type == "text/xml; charset=utf-8"
    return ET.fromstring(r.data)  # raises on ill-formed XML


def post(client, key: str | None, fmt: str = "json", headers: dict | None = None, **form: Any):
    body = {**POTHOLE_FORM, **form}
    if key is not None:
        body["api_key"] = key
    body = {k: v for k, v in body.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", data=body, headers=headers or {})


def file_via_open311(client, key: str, **form: Any) -> str:
    r = post(client, key, **form)
    assert r.status_code == 200, r.json
    return r.json[0]["service_request_id"]


# ---- discovery, services, definitions ---------------------------------------------------------------


def test_discovery_in_json_and_xml(client):
    r = client.get(f"{BASE}/discovery.json")
    assert r.status_code == 200 and r.content_type.startswith("application/json")
    endpoint = r.json["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["type"] == "production"
    assert endpoint["formats"] == ["application/json", "text/xml"]
    assert {"changeset", "contact", "key_service"} <= set(r.json)

    root = xml_of(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "application/json",
        "text/xml",
    ]


def test_services_list_the_catalogue_without_emergencies(client):
    r = client.get(f"{BASE}/services.json")
    assert r.status_code == 200 and isinstance(r.json, list)
    by_code = {s["service_code"]: s for s in r.json}
    pothole = by_code["jalan_rusak"]
    assert pothole["metadata"] is True and pothole["type"] == "realtime"
    assert pothole["group"] == OPD_NAMES["DINAS_PUTR"]
    assert "berlubang" in pothole["keywords"].split(",")
    assert by_code["sampah"]["metadata"] is False
    assert not {"kebakaran", "kejahatan", "gawat_darurat"} & set(by_code)

    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == len(r.json)
    first = services[0]
    assert [child.tag for child in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert root.find("service[service_code='jalan_rusak']/metadata").text == "true"


def test_service_definition_lists_attributes_and_values(client):
    r = client.get(f"{BASE}/services/jalan_rusak.json")
    assert r.status_code == 200
    assert r.json["service_code"] == "jalan_rusak"
    (size,) = r.json["attributes"]
    assert size["code"] == "ukuran" and size["datatype"] == "singlevaluelist"
    assert size["required"] is True and size["variable"] is True and size["order"] == 1
    assert {"key": "besar", "name": "Besar (> 1 m)"} in size["values"]

    root = xml_of(client.get(f"{BASE}/services/jalan_rusak.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("attributes/attribute/code") == "ukuran"
    keys = [v.text for v in root.findall("attributes/attribute/values/value/key")]
    assert keys == ["kecil", "sedang", "besar"]


def test_unknown_or_emergency_service_is_a_404_error_array(client):
    r = client.get(f"{BASE}/services/tidak_ada.json")
    assert r.status_code == 404
    assert r.json == [{"code": 404, "description": "Unknown service_code tidak_ada"}]
    r = client.get(f"{BASE}/services/kebakaran.json")
    assert r.status_code == 404 and "112" in r.json[0]["description"]

    r = client.get(f"{BASE}/services/tidak_ada.xml")
    root = xml_of(r)
    assert r.status_code == 404 and root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert root.findtext("error/description") == "Unknown service_code tidak_ada"


# ---- posting ------------------------------------------------------------------------------------------


def test_full_flow_post_with_api_key_then_get_the_request(client, open311_client):
    r = post(
        client, api_key(open311_client), email="warga@example.com", first_name="Maria", last_name="Sinaga"
    )
    assert r.status_code == 200, r.json
    (created,) = r.json
    number = created["service_request_id"]
    assert numbers.is_valid_checksum(number)
    assert created["token"] and "batas jawaban" in created["service_notice"]

    r = client.get(f"{BASE}/requests/{number}.json")
    assert r.status_code == 200
    (item,) = r.json
    assert list(item) == REQUEST_FIELDS
    assert item["service_request_id"] == number
    assert item["status"] == "open" and item["status_notes"] == "submitted"
    assert item["service_code"] == "jalan_rusak" and item["service_name"] == "Jalan rusak / berlubang"
    assert item["agency_responsible"] == OPD_NAMES["DINAS_PUTR"]
    assert W3C.match(item["expected_datetime"]) and W3C.match(item["requested_datetime"])
    assert item["expected_datetime"] > item["requested_datetime"]
    assert item["lat"] == 2.9595 and item["long"] == 99.0687
    # The reporter's name and email were recorded for the desk, but Open311 never shows them.
    assert "Maria" not in r.get_data(as_text=True) and "warga@" not in r.get_data(as_text=True)

    # The app's own public view agrees: the Open311 client is the channel, the attribute was kept.
    view = client.get(f"/api/v1/complaints/{number}").json
    assert view["channel"] == "open311" and view["attributes"] == {"ukuran": "besar"}

    root = xml_of(client.get(f"{BASE}/requests/{number}.xml"))
    assert root.tag == "service_requests"
    assert [child.tag for child in root.find("request")] == REQUEST_FIELDS
    assert root.findtext("request/agency_responsible") == OPD_NAMES["DINAS_PUTR"]
    assert root.find("request/zipcode").text is None  # an empty element, like JSON's null


def test_post_answers_in_xml_too(client, open311_client):
    r = post(client, api_key(open311_client), fmt="xml")
    root = xml_of(r)
    assert r.status_code == 200 and root.tag == "service_requests"
    number = root.findtext("request/service_request_id")
    assert numbers.is_valid_checksum(number)
    assert root.find("request/token") is not None


def test_post_with_the_clients_bearer_token_needs_no_idempotency_key(client, open311_client):
    r = post(client, None, headers=open311_client["headers"])
    assert r.status_code == 200, r.json
    assert numbers.is_valid_checksum(r.json[0]["service_request_id"])


def test_bad_or_missing_api_key_is_403(client, open311_client, machine_client):
    good = api_key(open311_client)
    hospital = machine_client(scopes=("births:write",))
    cases = [
        None,
        "",
        "no-colon",
        f"{open311_client['client_id']}:wrong-secret",
        f"cl_unknown:{open311_client['secret']}",
        api_key(hospital),
    ]
    for key in cases:
        r = post(client, key)
        assert r.status_code == 403, (key, r.json)
        assert r.json[0]["code"] == 403 and r.json[0]["description"]
    r = post(client, f"{open311_client['client_id']}:wrong", fmt="xml")
    assert r.status_code == 403 and xml_of(r).findtext("error/code") == "403"
    # A hospital's bearer token lacks the scope; a citizen's token is not a machine client.
    assert post(client, None, headers=hospital["headers"]).status_code == 403
    assert post(client, good).status_code == 200


def test_citizen_token_cannot_post_open311(client, open311_client, citizen):
    r = post(client, None, headers=citizen()["headers"])
    assert r.status_code == 403 and r.json[0]["code"] == 403


def test_attributes_are_validated_against_the_service_definition(client, open311_client):
    key = api_key(open311_client)
    r = post(client, key, **{"attribute[ukuran]": None})
    assert r.status_code == 400
    assert "attribute[ukuran]: Required for this category" in [e["description"] for e in r.json]
    r = post(client, key, **{"attribute[ukuran]": "raksasa"})
    assert r.status_code == 400 and any(e["description"].startswith("attribute[ukuran]") for e in r.json)
    r = post(client, key, **{"attribute[warna]": "merah"})
    assert r.status_code == 400 and any("attribute[warna]" in e["description"] for e in r.json)
    # An optional attribute may be left out; a singlevaluelist takes one of its keys.
    r = post(
        client, key, service_code="pohon_taman", description="Pohon tumbang", **{"attribute[ukuran]": None}
    )
    assert r.status_code == 200, r.json
    r = post(
        client,
        key,
        service_code="pohon_taman",
        description="Dahan patah",
        **{"attribute[ukuran]": None, "attribute[menghalangi_jalan]": "ya"},
    )
    assert r.status_code == 200, r.json


def test_bad_post_arguments_are_400_error_arrays(client, open311_client):
    key = api_key(open311_client)
    cases = [
        ({"service_code": None}, "service_code"),
        ({"service_code": "tidak_ada"}, "Unknown category"),
        ({"lat": "3.5954", "long": "98.6722"}, "outside"),  # Medan
        ({"lat": "dua"}, "lat"),
        ({"lat": None, "long": None}, "location"),
        ({"email": "bukan-email"}, "email"),
        ({"phone": "123"}, "phone"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"description": "x" * 3801}, "description"),
        ({"unexpected": "1"}, "unexpected"),
    ]
    for form, word in cases:
        r = post(client, key, **form)
        assert r.status_code == 400, (form, r.status_code, r.json)
        assert all(e["code"] == 400 for e in r.json)
        assert any(word.lower() in e["description"].lower() for e in r.json), (form, r.json)


def test_emergency_post_says_call_112(client, open311_client):
    r = post(client, api_key(open311_client), service_code="kebakaran", **{"attribute[ukuran]": None})
    assert r.status_code == 400
    assert "112" in r.json[0]["description"]


def test_address_string_naming_a_kelurahan_or_address_id_locate_a_request(client, open311_client):
    key = api_key(open311_client)
    number = file_via_open311(
        client, key, lat=None, long=None, address_string="Jl. Merdeka No. 5, Kelurahan Proklamasi"
    )
    (item,) = client.get(f"{BASE}/requests/{number}.json").json
    assert item["address_id"].startswith("12.72.") and item["lat"] is None
    assert "Proklamasi" in item["address"]
    number = file_via_open311(
        client, key, lat=None, long=None, address_id="12.72.01.1001", address_string="Jl. Sutomo 1"
    )
    (item,) = client.get(f"{BASE}/requests/{number}.json").json
    assert item["address_id"] == "12.72.01.1001" and item["address"].startswith("Jl. Sutomo 1, Kel. ")
    r = post(client, key, lat=None, long=None, address_string="Jl. Tanpa Kelurahan 9")
    assert r.status_code == 400


def test_a_retried_post_returns_the_same_number(client, open311_client):
    key = api_key(open311_client)
    first = file_via_open311(client, key)
    again = file_via_open311(client, key)
    assert again == first
    other = file_via_open311(client, key, description="Lubang lain di Jl. Merdeka")
    assert other != first
    ids = {i["service_request_id"] for i in client.get(f"{BASE}/requests.json").json}
    assert ids == {first, other}


def test_media_url_is_kept_as_a_link_not_fetched(client, open311_client):
    number = file_via_open311(client, api_key(open311_client), media_url="https://example.org/lubang.jpg")
    (item,) = client.get(f"{BASE}/requests/{number}.json").json
    assert "https://example.org/lubang.jpg" in item["description"]
    assert item["media_url"] is None  # only photos we hold and serve are linked


def test_tokens_resolve_to_the_request_id(client, open311_client):
    r = post(client, api_key(open311_client))
    created = r.json[0]
    r = client.get(f"{BASE}/tokens/{created['token']}.json")
    assert r.status_code == 200
    assert r.json == [{"service_request_id": created["service_request_id"], "token": created["token"]}]
    root = xml_of(client.get(f"{BASE}/tokens/{created['token']}.xml"))
    assert root.findtext("request/service_request_id") == created["service_request_id"]
    forged = created["service_request_id"] + "-" + "0" * 20
    assert client.get(f"{BASE}/tokens/{forged}.json").status_code == 404
    assert client.get(f"{BASE}/tokens/abc.json").json[0]["code"] == 404


# ---- privacy ------------------------------------------------------------------------------------------


def test_confidential_complaints_never_appear(client, citizen, file_complaint, open311_client):
    me = citizen()
    secret = file_complaint(me["headers"], privacy="confidential").json["number"]
    public = file_complaint(me["headers"]).json["number"]
    ids = [i["service_request_id"] for i in client.get(f"{BASE}/requests.json").json]
    assert public in ids and secret not in ids
    assert client.get(f"{BASE}/requests/{secret}.json").status_code == 404
    assert (
        client.get(f"{BASE}/requests.json?service_request_id={secret},{public}").json[0]["service_request_id"]
        == public
    )
    r = client.get(f"{BASE}/requests.json?service_request_id={secret}")
    assert r.status_code == 200 and r.json == []
    assert secret not in client.get(f"{BASE}/servicerequestupdates.json").get_data(as_text=True)
    assert secret not in client.get(f"{BASE}/requests.xml").get_data(as_text=True)
    # Not even a genuine token for the number reveals it.
    from services.complaints.open311.georeport import token_for

    with client.application.app_context():
        token = token_for(secret)
    assert client.get(f"{BASE}/tokens/{token}.json").status_code == 404


def test_anonymous_complaints_show_no_reporter(app, client, citizen, file_complaint):
    me = citizen(full_name="MARIA SINAGA")
    number = file_complaint(
        me["headers"], privacy="anonymous", photos=[b64(jpeg())], description="Sampah menumpuk di pasar"
    ).json["number"]
    for path in (f"requests/{number}", "requests"):
        for fmt in ("json", "xml"):
            text = client.get(f"{BASE}/{path}.{fmt}").get_data(as_text=True)
            assert number in text
            assert "MARIA" not in text.upper()
            assert me["account"].phone not in text and me["resident"].nik not in text
            assert not any(f"<{word}" in text or f'"{word}' in text for word in REPORTER_WORDS)
    (item,) = client.get(f"{BASE}/requests/{number}.json").json
    # The photo (metadata stripped) is public like the complaint itself, and it is really served.
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    assert item["media_url"].startswith(f"{base}/api/v1/complaints/")
    assert client.get(item["media_url"].removeprefix(base)).status_code == 200


# ---- the list: filters, paging, defaults --------------------------------------------------------------


def _file_at(app, when, **kw: Any) -> str:
    """A complaint filed by an Open311 client at a chosen moment (HTTP cannot backdate)."""
    principal = Principal(kind="client", id="cl_test", role="client", scopes=frozenset({"open311:write"}))
    body = {
        "category_code": "sampah",
        "description": "Sampah menumpuk",
        "lat": 2.96,
        "lon": 99.07,
        **kw,
    }
    with app.app_context():
        return service.create_complaint(UnitOfWork(), principal=principal, now=when, **body).number


def test_requests_filters_by_code_status_dates_and_ids(app, client, open311_client, desk, act):
    now = utcnow()
    old = _file_at(app, now - timedelta(days=120))
    week = _file_at(app, now - timedelta(days=7))
    pothole = file_via_open311(client, api_key(open311_client))
    act(week, desk["headers"], action="reject", rejection_reason="spam", note="Iklan")

    ids = [i["service_request_id"] for i in client.get(f"{BASE}/requests.json").json]
    assert ids == [pothole, week]  # newest first; 120 days ago is outside the default 90 days

    def query(qs: str) -> list[str]:
        r = client.get(f"{BASE}/requests.json?{qs}")
        assert r.status_code == 200, r.json
        return [i["service_request_id"] for i in r.json]

    assert query("service_code=jalan_rusak") == [pothole]
    assert query("service_code=sampah,jalan_rusak") == [pothole, week]
    assert query("status=open") == [pothole]
    assert query("status=closed") == [week]
    assert query("status=open,closed") == [pothole, week]
    start = (now - timedelta(days=200)).date().isoformat()
    assert query(f"start_date={start}") == [pothole, week, old]
    # W3C datetimes with an offset; an unencoded "+" (read as a space) is understood too.
    end = (now - timedelta(days=3)).astimezone(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m-%dT%H:%M:%S")
    assert query(f"start_date={start}T00:00:00%2B07:00&end_date={end}%2B07:00") == [week, old]
    assert query(f"start_date={start}T00:00:00+07:00&end_date={end}+07:00") == [week, old]
    assert query(f"end_date={end}Z") == [week]  # 90 days before end_date
    # service_request_id overrides every other filter (the specification says so).
    assert query(f"service_request_id={old},{pothole}&status=closed") == [pothole, old]
    (closed,) = client.get(f"{BASE}/requests.json?status=closed").json
    assert closed["status"] == "closed" and closed["status_notes"] == "rejected"
    assert closed["service_notice"] == "Iklan"


def test_requests_paging(app, client):
    now = utcnow()
    made = [_file_at(app, now - timedelta(minutes=i)) for i in range(5)]
    assert [i["service_request_id"] for i in client.get(f"{BASE}/requests.json?page_size=2").json] == made[:2]
    page3 = client.get(f"{BASE}/requests.json?page_size=2&page=3").json
    assert [i["service_request_id"] for i in page3] == made[4:]
    assert client.get(f"{BASE}/requests.json?page_size=2&page=4").json == []


def test_bad_query_arguments_are_400_not_422(client):
    cases = [
        "start_date=kemarin",
        "end_date=2026-13-01",
        "status=pending",
        "page_size=1001",
        "page=0",
        "start_date=2026-11-02&end_date=2026-11-01",
    ]
    for qs in cases:
        r = client.get(f"{BASE}/requests.json?{qs}")
        assert r.status_code == 400, (qs, r.status_code, r.json)
        assert r.json[0]["code"] == 400 and r.json[0]["description"], qs
    r = client.get(f"{BASE}/requests.xml?status=pending")
    root = xml_of(r)
    assert r.status_code == 400 and root.findtext("error/code") == "400"
    assert "status" in root.findtext("error/description")


def test_open311_clients_common_parameters_are_accepted(client):
    # Unknown query parameters (cache busters, vendor extensions) are ignored, as everywhere in the API.
    r = client.get(f"{BASE}/requests.json?jurisdiction_id=pematangsiantarkota.go.id&api_key=x&_=17")
    assert r.status_code == 200 and r.json == []
    r = client.get(f"{BASE}/services.xml?jurisdiction_id=pematangsiantarkota.go.id")
    assert r.status_code == 200


def test_unknown_requests_and_paths_are_404_error_arrays(client):
    for path in ("requests/26112304277.json", "requests/12345.json", "nope.json"):
        r = client.get(f"{BASE}/{path}")
        assert r.status_code == 404, path
        assert r.json[0]["code"] == 404
    r = client.get(f"{BASE}/requests/26112304277.xml")
    assert r.status_code == 404 and xml_of(r).findtext("error/code") == "404"


def test_overdue_shows_in_status_notes_with_the_deadline(app, client, desk, staff, act, sweep):
    number = _file_at(app, utcnow() - timedelta(days=30), category_code="sampah")
    act(number, desk["headers"], action="verify")
    sweep(utcnow())
    (item,) = client.get(f"{BASE}/requests/{number}.json").json
    assert item["status"] == "open" and item["status_notes"] == "overdue"
    assert item["agency_responsible"] == OPD_NAMES["DLH"]


# ---- updates ------------------------------------------------------------------------------------------


def test_service_request_updates_show_public_changes_and_notes_only(client, open311_client, desk, staff, act):
    number = file_via_open311(client, api_key(open311_client))
    putr = staff("officer", "DINAS_PUTR")
    act(number, desk["headers"], action="verify")
    act(number, desk["headers"], action="note", note="Catatan internal", public=False)
    act(number, putr["headers"], action="start", note="Tim menuju lokasi")
    act(number, putr["headers"], action="resolve", outcome="fixed", note="Lubang sudah ditambal")

    r = client.get(f"{BASE}/servicerequestupdates.json?service_request_id={number}")
    assert r.status_code == 200
    updates = r.json
    assert [u["status"] for u in updates][-1] == "closed"
    assert all(u["service_request_id"] == number for u in updates)
    assert set(updates[0]) == {
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
    }
    notes = [u["description"] for u in updates]
    assert "Tim menuju lokasi" in notes and "Lubang sudah ditambal" in notes
    assert "Catatan internal" not in notes
    assert all(W3C.match(u["updated_datetime"]) for u in updates)
    assert len({u["update_id"] for u in updates}) == len(updates)

    root = xml_of(client.get(f"{BASE}/servicerequestupdates.xml?service_request_id={number}"))
    assert root.tag == "service_request_updates"
    assert len(root.findall("request_update")) == len(updates)

    (item,) = client.get(f"{BASE}/requests/{number}.json").json
    assert item["status"] == "closed" and item["status_notes"] == "resolved"
    assert item["service_notice"] == "Lubang sudah ditambal"

    # A window that ended before the filing has nothing.
    r = client.get(f"{BASE}/servicerequestupdates.json?end_date=2020-01-01")
    assert r.status_code == 200 and r.json == []


# ---- edge: limits, XML safety, OpenAPI, query count ---------------------------------------------------


def test_public_reads_are_rate_limited_with_an_error_array(client):
    statuses = [client.get(f"{BASE}/services.json").status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429
    r = client.get(f"{BASE}/services.xml")
    assert r.status_code == 429 and xml_of(r).findtext("error/code") == "429"
    assert r.headers["Retry-After"]


def test_xml_stays_well_formed_with_control_characters(app, client):
    number = _file_at(app, utcnow(), description="Sampah \x07 menumpuk <di> pasar & terminal")
    root = xml_of(client.get(f"{BASE}/requests/{number}.xml"))
    assert root.findtext("request/description") == "Sampah  menumpuk <di> pasar & terminal"


def test_open311_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/open311/v2/requests.{fmt}" in paths
    assert {"get", "post"} <= set(paths["/open311/v2/requests.{fmt}"])
    assert "/open311/v2/services/{service_code}.{fmt}" in paths


def test_requests_list_uses_a_fixed_number_of_queries(app, client):
    now = utcnow()
    for i in range(12):
        _file_at(app, now - timedelta(minutes=i))
    engine = app.extensions["database"].engine
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001, ANN202
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        r = client.get(f"{BASE}/requests.json")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r.status_code == 200 and len(r.json) == 12
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 5, selects


def test_a_bad_bearer_token_is_an_open311_error_too(client):
    r = client.get(f"{BASE}/services.json", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401
    assert r.json == [{"code": 401, "description": "Invalid access token"}]
    r = post(client, None, fmt="xml", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401 and xml_of(r).findtext("error/code") == "401"


def test_multipart_posts_and_jurisdiction_id_work_like_form_posts(client, open311_client):
    body = {
        **POTHOLE_FORM,
        "api_key": api_key(open311_client),
        "jurisdiction_id": "pematangsiantarkota.go.id",
    }
    r = client.post(f"{BASE}/requests.json", data=body, content_type="multipart/form-data")
    assert r.status_code == 200, r.json
    assert numbers.is_valid_checksum(r.json[0]["service_request_id"])
    assert r.json[0]["account_id"] is None

"""inqueryNIB: reading a NIB from OSS through the adapter and the simulator — when an owner links a NIB
whose push never reached us, and when DPMPTSP asks OSS what it holds. OSS failing or timing out is a 503
with its reason, and nothing is written."""

from __future__ import annotations

from sqlalchemy import func, select

from gateway.db import UnitOfWork
from services.permits.models import Business
from services.permits.oss_simulator import build_nib
from tests.permits.conftest import PBG


def _businesses(app) -> int:
    with app.app_context(), UnitOfWork() as uow:
        return uow.session.scalar(select(func.count()).select_from(Business))


def test_an_owner_links_a_nib_whose_push_never_reached_us_by_asking_oss(app, client, citizen, oss):
    owner = citizen()
    data_nib = build_nib(checklist=[{"kd_izin": PBG}], responsible_nik=owner["resident"].nik)
    oss.remember(data_nib)  # OSS issued it; its push to us was lost
    r = client.post("/api/v1/permits/businesses", json={"nib": data_nib["nib"]}, headers=owner["headers"])
    assert r.status_code == 200, r.json
    assert (r.json["nib"], r.json["name"]) == (data_nib["nib"], data_nib["nama_perseroan"])
    [asked] = oss.calls("inqueryNIB")
    assert asked["body"] == {"INQUERYNIB": {"nib": data_nib["nib"]}}
    mine = client.get("/api/v1/permits/businesses", headers=owner["headers"]).json
    assert [b["nib"] for b in mine] == [data_nib["nib"]]
    # Known now: linking again does not ask OSS again.
    client.post("/api/v1/permits/businesses", json={"nib": data_nib["nib"]}, headers=owner["headers"])
    assert len(oss.calls("inqueryNIB")) == 1


def test_a_nib_oss_does_not_know_is_not_found_and_nothing_is_written(app, client, citizen, oss):
    owner = citizen()
    r = client.post("/api/v1/permits/businesses", json={"nib": "9000000000001"}, headers=owner["headers"])
    assert r.status_code == 404 and r.json["reason"] == "business_not_found"
    assert len(oss.calls("inqueryNIB")) == 1 and _businesses(app) == 0


def test_oss_failing_or_timing_out_is_a_503_that_writes_nothing_and_a_retry_works(app, client, citizen, oss):
    owner = citizen()
    data_nib = build_nib(checklist=[{"kd_izin": PBG}], responsible_nik=owner["resident"].nik)
    oss.remember(data_nib)
    link = {"json": {"nib": data_nib["nib"]}, "headers": owner["headers"]}
    oss.fail_next("error")
    failed = client.post("/api/v1/permits/businesses", **link)
    assert failed.status_code == 503 and failed.json["reason"] == "oss_unavailable"
    oss.fail_next("timeout", delay=3)  # the adapter gives up after OSS_TIMEOUT (1 s in tests)
    timed_out = client.post("/api/v1/permits/businesses", **link)
    assert timed_out.status_code == 503 and timed_out.json["reason"] == "oss_unavailable"
    assert "timed out" in timed_out.json["oss"]
    assert _businesses(app) == 0
    assert client.post("/api/v1/permits/businesses", **link).status_code == 200


def test_dpmptsp_asks_oss_for_a_nib_and_our_copy_follows_it(
    app, client, push_nib, dpmptsp, putr, citizen, oss
):
    _, data_nib = push_nib([{"kd_izin": PBG}])
    url = f"/api/v1/permits/oss/nib?nib={data_nib['nib']}"
    oss.nibs[data_nib["nib"]] = data_nib | {"status_nib": "03", "nama_perseroan": "PT SIANTAR MAJU"}
    r = client.get(url, headers=dpmptsp["headers"])
    assert r.status_code == 200, r.json
    assert (r.json["status_nib"], r.json["name"]) == ("03", "PT SIANTAR MAJU")
    with app.app_context(), UnitOfWork() as uow:
        assert uow.session.scalar(select(Business.status_nib).where(Business.nib == data_nib["nib"])) == "03"
    assert client.get(url, headers=putr["headers"]).json["reason"] == "role_not_allowed"
    assert client.get(url, headers=citizen()["headers"]).status_code == 403
    unknown = client.get("/api/v1/permits/oss/nib?nib=9000000000002", headers=dpmptsp["headers"])
    assert unknown.status_code == 404 and unknown.json["reason"] == "nib_unknown_to_oss"
    malformed = client.get("/api/v1/permits/oss/nib?nib=12AB", headers=dpmptsp["headers"])
    assert malformed.status_code == 422 and "nib" in malformed.json["errors"]["query"]
    oss.fail_next("error")
    assert client.get(url, headers=dpmptsp["headers"]).json["reason"] == "oss_unavailable"

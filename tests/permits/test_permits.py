"""The permit: numbered, signed with a QR code anyone can verify, pushed to OSS with a working link to
the PDF, in the public register without personal data, warned/suspended/revoked visibly."""

from __future__ import annotations

import pytest

from tests.permits.conftest import PB_UMKU, UMKU_DATA


def _path(url: str) -> str:
    """The path of one of our public links (the test client has no host)."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def issued(client, owner_journey, dpmptsp, staff, run_jobs):
    journey = owner_journey(PB_UMKU)
    journey.complete(UMKU_DATA)
    journey.act(dpmptsp, "complete_step")
    journey.act(staff("officer", "DISPERINDAG"), "complete_step")
    view = journey.act(dpmptsp, "approve", "Memenuhi syarat")
    run_jobs()
    return journey, view["permit"]


def test_oss_receives_the_licence_with_a_link_to_the_signed_pdf(client, issued, oss):
    journey, permit = issued
    [call] = oss.calls("receiveLicense")
    final = call["body"]["IZINFINAL"]
    assert final["nomor_izin"] == permit["number"]
    assert final["id_izin"] == journey.data_nib["data_checklist"][0]["id_izin"]
    assert final["status_izin"] == "50"
    assert final["tgl_berlaku_izin"] == permit["valid_until"]
    assert final["data_teknis"] == UMKU_DATA
    path = _path(final["file_izin"])
    pdf = client.get(path)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert client.get(f"{path}x").status_code == 404


def test_anyone_verifies_the_permit_by_its_qr_code(client, issued):
    _, permit = issued
    view = client.get(_path(permit["verify_url"])).json
    assert view["status"] == "valid" and view["number"] == permit["number"] and view["signed"]
    assert view["public"]["nama_usaha"] == "CV SIANTAR MAJU BERSAMA"
    assert view["public"]["status_izin"] == "Berlaku"


def test_the_owner_sees_her_permit_and_downloads_the_pdf(client, issued):
    journey, permit = issued
    mine = client.get("/api/v1/permits/mine", headers=journey.owner["headers"]).json
    assert [p["number"] for p in mine["permits"]] == [permit["number"]]
    pdf = client.get(permit["pdf_url"], headers=journey.owner["headers"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")


def test_the_public_register_lists_issued_permits_without_personal_data(client, issued):
    _, permit = issued
    [row] = client.get("/api/v1/permits/register").json
    assert row == {
        "number": permit["number"],
        "permit_type": "PB_UMKU",
        "permit_type_name": row["permit_type_name"],
        "business_name": "CV SIANTAR MAJU BERSAMA",
        "issued_on": row["issued_on"],
        "valid_until": permit["valid_until"],
        "status": "active",
        "fiktif_positif": False,
    }
    assert client.get("/api/v1/permits/register?q=tidak-ada").json == []


def test_suspension_and_revocation_show_on_the_verification_page_and_reach_oss(
    client, issued, dpmptsp, putr, run_jobs, oss
):
    _, permit = issued
    url = f"/api/v1/permits/permits/{permit['id']}/status"
    verify = _path(permit["verify_url"])
    assert client.post(url, json={"kd_status": "70", "note": "x"}, headers=putr["headers"]).status_code == 403
    r = client.post(
        url, json={"kd_status": "70", "note": "Tidak memenuhi kemitraan"}, headers=dpmptsp["headers"]
    )
    assert r.status_code == 200 and r.json["status"] == "suspended"
    assert client.get(verify).json["public"]["status_izin"] == "Dibekukan: Tidak memenuhi kemitraan"
    r = client.post(url, json={"kd_status": "80", "note": "Dicabut"}, headers=dpmptsp["headers"])
    assert r.json["status"] == "revoked"
    assert client.get(verify).json["status"] == "revoked"
    assert (
        client.post(url, json={"kd_status": "60", "note": "x"}, headers=dpmptsp["headers"]).status_code == 409
    )
    run_jobs()
    assert [c["body"]["IZINSTATUS"]["kd_status"] for c in oss.calls("receiveLicenseStatus")][-2:] == [
        "70",
        "80",
    ]
    assert client.get("/api/v1/permits/register?status=revoked").json[0]["number"] == permit["number"]

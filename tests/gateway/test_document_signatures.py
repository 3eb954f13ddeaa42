"""Signatures a PDF reader trusts once the city's root is trusted (PAdES B-T).

Checked the way others check them: poppler's `pdfsig` (NSS, an implementation independent of ours)
validates the signature, and the certificate once the city CA from /.well-known/city-ca.pem is in an
NSS database made with `certutil`; pyHanko's validator confirms the timestamp token from the TSA. The
TSA is the local simulator, reached over HTTP with RFC 3161 messages as any TSA would be.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from asn1crypto import algos, tsp
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from gateway import documents
from gateway.db import UnitOfWork
from tests.pdf_tools import tool

CA_PATH = "/.well-known/city-ca.pem"


@pytest.fixture
def signed_pdf(app, client, citizen, run_jobs) -> bytes:
    owner = citizen()
    with app.app_context(), UnitOfWork() as uow:
        document = documents.issue(
            uow,
            kind="akta_kelahiran",
            number="1272-LT-02122026-0042",
            title="KUTIPAN AKTA KELAHIRAN",
            fields=[["Nama", "SINTA RAJAGUKGUK"]],
            public={"nama": "S. R."},
            owner_resident_ids=[owner["resident"].id],
        )
        uow.commit()
        document_id = document.id
    run_jobs()
    r = client.get(f"/api/v1/documents/{document_id}/pdf", headers=owner["headers"])
    assert r.status_code == 200, r.json
    return r.data


def _pdfsig(pdf: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory(prefix="pdfsig-") as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(pdf)
        run = subprocess.run([tool("pdfsig"), *args, str(path)], capture_output=True, text=True, timeout=60)
        return run.stdout + run.stderr


def _nss_db_trusting(directory: Path, ca_pem: bytes) -> str:
    """A fresh NSS database (certutil) in which the city CA is trusted to issue signing certificates."""
    (directory / "city-ca.pem").write_bytes(ca_pem)
    certutil = tool("certutil")
    subprocess.run([certutil, "-N", "-d", f"sql:{directory}", "--empty-password"], check=True, timeout=60)
    subprocess.run(
        [
            certutil,
            "-A",
            "-d",
            f"sql:{directory}",
            "-n",
            "city-ca",
            "-t",
            "C,C,C",
            "-i",
            str(directory / "city-ca.pem"),
        ],
        check=True,
        timeout=60,
    )
    return f"sql:{directory}"


def test_pdfsig_validates_the_signature_and_with_the_city_ca_trusted_the_certificate(client, signed_pdf):
    untrusted = _pdfsig(signed_pdf)
    assert "Signature Validation: Signature is Valid." in untrusted, untrusted
    assert "Certificate Validation: Certificate is Trusted." not in untrusted, untrusted
    assert "Signature Type: ETSI.CAdES.detached" in untrusted, untrusted

    r = client.get(CA_PATH)
    assert r.status_code == 200 and r.mimetype == "application/x-pem-file"
    with tempfile.TemporaryDirectory(prefix="nssdb-") as tmp:
        trusted = _pdfsig(signed_pdf, "-nssdir", _nss_db_trusting(Path(tmp), r.data))
    assert "Signature Validation: Signature is Valid." in trusted, trusted
    assert "Certificate Validation: Certificate is Trusted." in trusted, trusted
    assert "Signer Certificate Common Name: Dinas Kependudukan dan Pencatatan Sipil" in trusted, trusted


def test_the_signature_is_pades_b_t_by_a_certificate_the_city_ca_issued(client, signed_pdf):
    ca_pem = client.get(CA_PATH).data
    ca = x509.load_pem_x509_certificate(ca_pem)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    [signature] = PdfFileReader(io.BytesIO(signed_pdf)).embedded_signatures
    signer = x509.load_der_x509_certificate(signature.signer_cert.dump())
    assert signer.issuer == ca.subject and signer.subject != ca.subject  # the CA is never the signer
    assert not signer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    embedded = {c.chosen.dump() for c in signature.signed_data["certificates"]}
    assert ca.public_bytes(serialization.Encoding.DER) in embedded  # the chain travels with the signature

    root = asn1_x509.Certificate.load(asn1_pem.unarmor(ca_pem)[2])
    status = validate_pdf_signature(
        signature,
        signer_validation_context=ValidationContext(trust_roots=[root]),
        ts_validation_context=ValidationContext(trust_roots=[root]),
    )
    assert status.bottom_line, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted  # B-T: the TSA's token
    assert status.timestamp_validity.intact and status.timestamp_validity.valid


def test_the_tsa_simulator_answers_rfc_3161_over_http(tsa_url):
    digest = hashlib.sha256(b"a signature value").digest()
    nonce = secrets.randbits(63)
    query = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": tsp.MessageImprint(
                {"hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}), "hashed_message": digest}
            ),
            "nonce": nonce,
            "cert_req": True,
        }
    )
    request = urllib.request.Request(
        tsa_url, data=query.dump(), headers={"Content-Type": "application/timestamp-query"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.headers["Content-Type"] == "application/timestamp-reply"
        reply = tsp.TimeStampResp.load(answer.read())
    assert reply["status"]["status"].native == "granted"
    info = reply["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    assert info["nonce"].native == nonce
    wrong = urllib.request.Request(tsa_url, data=b"{}", headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(wrong, timeout=30)
    assert refused.value.code == 415


def test_the_verification_page_shows_the_city_ca_fingerprint(app, client, citizen, run_jobs):
    ca = x509.load_pem_x509_certificate(client.get(CA_PATH).data)
    fingerprint = ":".join(f"{b:02X}" for b in ca.fingerprint(hashes.SHA256()))
    owner = citizen()
    with app.app_context(), UnitOfWork() as uow:
        document = documents.issue(
            uow,
            kind="kia",
            number="1272014212260001",
            title="KARTU IDENTITAS ANAK",
            fields=[["Nama", "SINTA"]],
            public={"nama": "S."},
            owner_resident_ids=[owner["resident"].id],
        )
        uow.commit()
        url = documents.verify_url(document)
    page = client.get(url[url.index("/api/") :], headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert fingerprint in page.get_data(as_text=True) and CA_PATH in page.get_data(as_text=True)

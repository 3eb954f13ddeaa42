"""The timestamp authority: an RFC 3161 client (the adapter) and a local TSA that speaks RFC 3161 over HTTP.

A PAdES B-T signature carries a timestamp token from a TSA over the signature value: proof that the
signature existed at that time, from a clock the signer does not control. The adapter is pyHanko's
HTTP client (POST application/timestamp-query → application/timestamp-reply) pointed at
DOCUMENT_TSA_URL — any RFC 3161 service (BSrE's, a commercial TSA) plugs in by URL. For development
and tests `flask tsa-simulator` serves the same protocol with a TSA certificate issued by the city CA.
"""

from __future__ import annotations

from pathlib import Path

from asn1crypto import tsp
from flask import Flask, Response, request
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from gateway.documents import pki

QUERY = "application/timestamp-query"
REPLY = "application/timestamp-reply"


def timestamper(url: str, *, timeout: float = 10) -> TimeStamper | None:
    """The RFC 3161 client for DOCUMENT_TSA_URL; None when no TSA is configured (B-B signatures)."""
    return HTTPTimeStamper(url, timeout=timeout) if url else None


def create_simulator(
    *, key_file: str | Path, cert_file: str | Path, ca_key_file: str | Path, ca_cert_file: str | Path
) -> Flask:
    """A local TSA: answers RFC 3161 requests posted to / with tokens signed by its own certificate.

    The TSA key and certificate are made (and the certificate issued by the city CA) on first start.
    """
    key_path, cert_path = Path(key_file), Path(cert_file)
    ca_key_path, ca_cert_path = Path(ca_key_file), Path(ca_cert_file)
    pki.ensure_ca(ca_key_path, ca_cert_path)
    pki.ensure_issued(
        key_path, cert_path, ca_key_path=ca_key_path, ca_cert_path=ca_cert_path, profile=pki.TIMESTAMPING
    )
    tsa_cert = load_cert_from_pemder(str(cert_path))
    stamper = DummyTimeStamper(
        tsa_cert=tsa_cert,
        tsa_key=load_private_key_from_pemder(str(key_path), passphrase=None),
        certs_to_embed=SimpleCertificateStore.from_certs(
            [tsa_cert, load_cert_from_pemder(str(ca_cert_path))]
        ),
    )
    app = Flask("tsa-simulator")

    @app.post("/")
    def stamp() -> Response:
        if request.mimetype != QUERY:
            return Response(f"expected {QUERY}\n", status=415, mimetype="text/plain")
        try:
            query = tsp.TimeStampReq.load(request.get_data())
            _ = query.native  # parse it all now: a malformed request is the client's error, not ours
        except ValueError:
            return Response(_rejection().dump(), status=400, mimetype=REPLY)
        return Response(stamper.request_tsa_response(query).dump(), mimetype=REPLY)

    return app


def _rejection() -> tsp.TimeStampResp:
    """RFC 3161 §2.4.2: status rejection, failInfo badDataFormat."""
    return tsp.TimeStampResp(
        {"status": {"status": "rejection", "fail_info": tsp.PKIFailureInfo({"bad_data_format"})}}
    )

"""Public verification of a document's QR code, and the PDF download for those who may see it."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request
from flask.views import MethodView

from gateway.auth import current_principal
from gateway.db import UnitOfWork
from gateway.documents import jobs, pki, service
from gateway.documents import schemas as s
from gateway.documents.render import tanggal
from gateway.errors import NotFound
from gateway.extensions import Api, Blueprint, limiter

verify_blp = Blueprint(
    "verify", __name__, url_prefix="/api/v1/verify", description="Check a document's QR code (anyone)"
)
documents_blp = Blueprint(
    "documents", __name__, url_prefix="/api/v1/documents", description="Signed documents (PDF)"
)

VERIFY_LIMIT = "60/minute"
CA_PATH = "/.well-known/city-ca.pem"


def _wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "text/html"
        and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]
    )


@verify_blp.route("/<token>")
class Verify(MethodView):
    decorators = [limiter.limit(VERIFY_LIMIT)]

    @verify_blp.public
    @verify_blp.response(200, s.VerificationSchema)
    @verify_blp.doc(
        responses={
            "200": {
                "description": "JSON, or a small Indonesian HTML page (SAH / DIGANTI / DICABUT) "
                "when the client prefers text/html, as a phone camera's browser does",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Verification"}},
                    "text/html": {"schema": {"type": "string"}},
                },
            }
        }
    )
    @verify_blp.alt_response(404, description="Forged or altered code (reason invalid_verification_token)")
    def get(self, token: str) -> Any:
        """Is this document genuine and current? Status and masked data; every scan is counted"""
        try:
            view = service.verify(UnitOfWork(), token=token)
        except NotFound:
            if _wants_html():
                return Response(_html_invalid(), status=404, mimetype="text/html")
            raise
        if _wants_html():
            return Response(_html(view, current_app.config["TZ_LOCAL"]), mimetype="text/html")
        return view


@documents_blp.route("/<document_id>/pdf")
class DocumentPdf(MethodView):
    @documents_blp.auth("citizen", "counter", "officer")
    @documents_blp.response(200, description="The signed PDF", content_type="application/pdf")
    @documents_blp.doc(
        responses={
            "200": {
                "description": "The signed PDF (attachment <kind>-<number>-v<version>.pdf)",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    )
    @documents_blp.alt_response(404, description="No such document, or not yours")
    @documents_blp.alt_response(409, description="Still being rendered (reason document_not_ready)")
    def get(self, document_id: str) -> Response:
        """Download a signed document (owners; counter staff for an owner and Disdukcapil are audited)"""
        document = service.pdf_for(UnitOfWork(), principal=current_principal(), document_id=document_id)
        response = Response(document.pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{document.filename}"'
        response.headers["Cache-Control"] = "private, no-store"
        return response


STATUS_ID = {
    "valid": ("SAH", "Dokumen ini asli dan masih berlaku.", "#1b7f3b"),
    "replaced": (
        "DIGANTI",
        "Dokumen ini asli, tetapi sudah diganti dengan versi yang lebih baru.",
        "#b26a00",
    ),
    "revoked": ("DICABUT", "Dokumen ini asli, tetapi sudah dicabut dan tidak berlaku lagi.", "#b00020"),
}
PUBLIC_LABELS = {"name_initials": "Inisial nama", "nik": "NIK", "kk_number": "Nomor KK"}


def _page(body: str, color: str) -> str:
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Verifikasi Dokumen - Kota Pematangsiantar</title>"
        # A phone's screen (390 px and less): nothing wider than the page, long codes wrap anywhere.
        "<style>*{box-sizing:border-box}body{font-family:system-ui,sans-serif;margin:0 auto;"
        "padding:1rem;max-width:34rem;overflow-wrap:anywhere}"
        f".status{{color:#fff;background:{color};padding:1rem;border-radius:.6rem;font-size:1.8rem;"
        "font-weight:700;text-align:center}table{width:100%;border-collapse:collapse}"
        "td{padding:.3rem .6rem .3rem 0;vertical-align:top}td:first-child{width:38%}"
        "code{word-break:break-all}small{color:#555}</style></head><body>"
        f"{body}<p><small>Pemerintah Kota Pematangsiantar</small></p></body></html>"
    )


def _html(view: dict[str, Any], tz: str) -> str:
    word, sentence, color = STATUS_ID.get(view["status"], STATUS_ID["revoked"])
    rows = [
        ("Dokumen", view["title"]),
        ("Nomor", view["number"]),
        ("Versi", str(view["version"])),
        ("Diterbitkan", tanggal(view["issued_at"], tz)),
        ("Penerbit", view["authority"]),
    ]
    rows += [
        (PUBLIC_LABELS.get(k, k.replace("_", " ").capitalize()), str(v)) for k, v in view["public"].items()
    ]
    if view["replaced_by"]:
        rows.append(
            ("Diganti oleh", f"{view['replaced_by']['number']} versi {view['replaced_by']['version']}")
        )
    if view["status"] == "revoked" and view.get("revoked_reason"):
        rows.append(("Alasan pencabutan", view["revoked_reason"]))
    if view["pdf_sha256"]:
        rows.append(("SHA-256 PDF", f"<code>{escape(view['pdf_sha256'])}</code>"))
    table = "".join(
        f"<tr><td>{escape(k)}</td><td><b>{v if k == 'SHA-256 PDF' else escape(v)}</b></td></tr>"
        for k, v in rows
    )
    body = f'<div class="status">{word}</div><p>{escape(sentence)}</p><table>{table}</table>{_ca_note()}'
    return _page(body, color)


def _ca_note() -> str:
    """How a reader checks the PDF's signature itself: trust the city CA, compare its fingerprint."""
    fingerprint = escape(pki.fingerprint(city_ca_pem()))
    return (
        "<p><small>Tanda tangan elektronik pada PDF diterbitkan oleh CA Pemerintah Kota Pematangsiantar "
        f'(<a href="{CA_PATH}">sertifikat CA</a>, sidik jari SHA-256 '
        f"<code>{fingerprint}</code>).</small></p>"
    )


def city_ca_pem() -> bytes:
    """The city CA's certificate (made on first use in development, like the signing certificate)."""
    files = jobs.signing_files()
    files.ensure()
    return Path(files.ca_cert).read_bytes()


def city_ca() -> Response:
    """The city CA certificate: trust it once and every document's signature checks out in a PDF reader."""
    response = Response(city_ca_pem(), mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = 'inline; filename="city-ca.pem"'
    response.cache_control.max_age = 3600
    response.cache_control.public = True
    return response


def _html_invalid() -> str:
    body = (
        '<div class="status">TIDAK SAH</div>'
        "<p>Kode ini tidak dikenal atau telah diubah. Dokumen yang menunjukkan kode ini tidak dapat "
        "dipastikan keasliannya.</p>"
    )
    return _page(body, "#b00020")


def register(api: Api) -> None:
    api.register_blueprint(verify_blp)
    api.register_blueprint(documents_blp)
    app: Flask = api._app  # type: ignore[attr-defined]
    app.add_url_rule(CA_PATH, "city_ca", city_ca)

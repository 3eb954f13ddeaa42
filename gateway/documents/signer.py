"""Who signs our PDFs: a Signer adapter; the city's certificate now, BSrE's TTE later, same Protocol."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from asn1crypto import tsp
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko_certvalidator.registry import SimpleCertificateStore

from gateway.documents import pki, tsa

SIGNING_LOCATION = "Pematangsiantar"


@dataclass(frozen=True)
class SigningFiles:
    """Where the signing key, its certificate and the city CA live (DOCUMENT_* settings)."""

    key: str
    cert: str
    ca_key: str
    ca_cert: str
    tsa_url: str = ""

    def ensure(self) -> None:
        """Development and tests: make the city CA and a signing certificate it issued, once."""
        pki.ensure_ca(Path(self.ca_key), Path(self.ca_cert))
        pki.ensure_issued(
            Path(self.key),
            Path(self.cert),
            ca_key_path=Path(self.ca_key),
            ca_cert_path=Path(self.ca_cert),
            profile=pki.DOCUMENT_SIGNER,
        )


class Signer(Protocol):
    """Puts a real PDF signature (PAdES) on a rendered document and returns the signed bytes.

    The local certificate below is a stand-in: BSrE's TTE (the national electronic-signature
    service) plugs in as another implementation of this Protocol, and no service changes.
    """

    def sign(self, pdf: bytes, *, reason: str) -> bytes: ...


class LocalCertificateSigner:
    """PAdES signatures with the city's document-signing key: B-T with a TSA configured, else B-B.

    The signing certificate is issued by the city CA (never the CA itself), and the chain goes into
    every signature, so a reader that trusts the CA trusts the signature. The timestamp token comes
    from the TSA at DOCUMENT_TSA_URL (RFC 3161 over HTTP; `flask tsa-simulator` in development).
    """

    def __init__(self, files: SigningFiles) -> None:
        files.ensure()
        try:
            signing_key = load_private_key_from_pemder(files.key, passphrase=None)
            signing_cert = load_cert_from_pemder(files.cert)
            ca_cert = load_cert_from_pemder(files.ca_cert)
        except (OSError, ValueError, TypeError) as exc:
            raise RuntimeError(f"cannot load the document-signing key/certificates: {exc}") from exc
        loaded = _CachingSimpleSigner(
            signing_cert=signing_cert,
            signing_key=signing_key,
            cert_registry=SimpleCertificateStore.from_certs([ca_cert]),
        )
        self._signer = loaded
        self._timestamper = tsa.timestamper(files.tsa_url)
        self.certificate_pem = Path(files.cert).read_bytes()
        # A fixed reservation for the CMS blob spares pyHanko a dry-run signature to size it (that
        # estimate doubles the signing time): the certificates, attributes, the signature value and,
        # with a TSA, its token (which carries the TSA's certificates) fit.
        certs = len(signing_cert.dump()) + len(ca_cert.dump())
        self._bytes_reserved = 4096 + 2 * certs + (16384 if self._timestamper else 0)

    def sign(self, pdf: bytes, *, reason: str) -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name="TandaTanganElektronik",
            reason=reason,
            location=SIGNING_LOCATION,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        out = signers.sign_pdf(
            writer,
            meta,
            signer=self._signer,
            timestamper=self._timestamper,
            bytes_reserved=self._bytes_reserved,
        )
        return out.getvalue()


class _CachedSigningCertificateV2(CMSAttributeProvider):
    attribute_type = "signing_certificate_v2"

    def __init__(self, der: bytes) -> None:
        self.der = der

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        return tsp.SigningCertificateV2.load(self.der)


class _CachingSimpleSigner(signers.SimpleSigner):
    """SimpleSigner whose ESS signing-certificate-v2 attribute (PAdES requires it) is built once.

    The attribute depends only on the certificate, yet asn1crypto takes tens of milliseconds to
    re-encode it per signature; re-loaded from DER it encodes instantly (signing 10 ms instead of 60).
    """

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self._signing_cert_v2_der = as_signing_certificate_v2(self.signing_cert).dump()

    def _signed_attr_providers(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        for provider in super()._signed_attr_providers(*args, **kwargs):
            if isinstance(provider, SigningCertificateV2Provider):
                yield _CachedSigningCertificateV2(self._signing_cert_v2_der)
            else:
                yield provider


_cache: dict[SigningFiles, LocalCertificateSigner] = {}
_lock = threading.Lock()


def local_signer(files: SigningFiles) -> LocalCertificateSigner:
    """One signer per process (loading key material per document would dominate render time)."""
    signer = _cache.get(files)
    if signer is None:
        with _lock:
            signer = _cache.get(files)
            if signer is None:
                signer = _cache[files] = LocalCertificateSigner(files)
    return signer

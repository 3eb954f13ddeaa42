"""Who signs our PDFs: a Signer adapter; the local certificate now, BSrE's TTE later, same Protocol."""

from __future__ import annotations

import datetime as dt
import io
import os
import threading
from pathlib import Path
from typing import Protocol

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko_certvalidator.registry import SimpleCertificateStore

SUBJECT = x509.Name(
    [
        x509.NameAttribute(
            NameOID.COMMON_NAME, "Dinas Kependudukan dan Pencatatan Sipil Kota Pematangsiantar"
        ),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pemerintah Kota Pematangsiantar"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
    ]
)
SIGNING_LOCATION = "Pematangsiantar"
DOCUMENT_SIGNING_EKU = ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning, RFC 9336
CERT_VALIDITY = dt.timedelta(days=10 * 365)


class Signer(Protocol):
    """Puts a real PDF signature (PAdES) on a rendered document and returns the signed bytes.

    The local certificate below is a stand-in: BSrE's TTE (the national electronic-signature
    service) plugs in as another implementation of this Protocol, and no service changes.
    """

    def sign(self, pdf: bytes, *, reason: str) -> bytes: ...


class LocalCertificateSigner:
    """PAdES baseline B-B signatures with the city's document-signing key and certificate on disk.

    DOCUMENT_SIGNING_KEY_FILE / DOCUMENT_SIGNING_CERT_FILE; when they do not exist a self-signed
    certificate for Disdukcapil Kota Pematangsiantar is generated once (development and tests).
    In production put the certificate issued to the city there (or swap in a TTE signer).
    """

    def __init__(self, key_file: str | Path, cert_file: str | Path) -> None:
        key_path, cert_path = Path(key_file), Path(cert_file)
        ensure_key_and_certificate(key_path, cert_path)
        try:
            signing_key = load_private_key_from_pemder(str(key_path), passphrase=None)
            signing_cert = load_cert_from_pemder(str(cert_path))
        except (OSError, ValueError, TypeError) as exc:
            raise RuntimeError(f"cannot load the document-signing key/certificate: {exc}") from exc
        loaded = _CachingSimpleSigner(
            signing_cert=signing_cert, signing_key=signing_key, cert_registry=SimpleCertificateStore()
        )
        self._signer = loaded
        self.certificate_pem = cert_path.read_bytes()
        # A fixed reservation for the CMS blob spares pyHanko a dry-run signature to size it
        # (that estimate doubles the signing time); one certificate, attributes and an ECDSA/RSA value fit.
        self._bytes_reserved = 4096 + 2 * len(loaded.signing_cert.dump())

    def sign(self, pdf: bytes, *, reason: str) -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name="TandaTanganElektronik",
            reason=reason,
            location=SIGNING_LOCATION,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        out = signers.sign_pdf(writer, meta, signer=self._signer, bytes_reserved=self._bytes_reserved)
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


_cache: dict[tuple[str, str], LocalCertificateSigner] = {}
_lock = threading.Lock()


def local_signer(key_file: str, cert_file: str) -> LocalCertificateSigner:
    """One signer per process (loading key material per document would dominate render time)."""
    key = (key_file, cert_file)
    signer = _cache.get(key)
    if signer is None:
        with _lock:
            signer = _cache.get(key)
            if signer is None:
                signer = _cache[key] = LocalCertificateSigner(key_file, cert_file)
    return signer


def ensure_key_and_certificate(key_path: Path, cert_path: Path) -> None:
    """Create the key, then a self-signed certificate for it, each once and atomically.

    Several processes may start together: whoever links the key file first wins, everyone then
    certifies that same key, so any certificate that wins the second race matches it.
    """
    if not key_path.exists():
        private = ec.generate_private_key(ec.SECP256R1())
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_once(key_path, pem, mode=0o600)
    if not cert_path.exists():
        private = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        _write_once(cert_path, _self_signed(private).public_bytes(serialization.Encoding.PEM), mode=0o644)


def _self_signed(private: ec.EllipticCurvePrivateKey) -> x509.Certificate:  # type: ignore[type-arg]
    now = dt.datetime.now(dt.UTC)
    public = private.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(SUBJECT)
        .issuer_name(SUBJECT)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + CERT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: PDF validators expect it on signer certs
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING_EKU]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(private, hashes.SHA256())
    )


def _write_once(path: Path, data: bytes, *, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, mode)
    try:
        os.link(tmp, path)  # fails if another process won the race; theirs is kept
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)

"""The city's certificates: a root CA that issues the document-signing and timestamping certificates.

A PDF reader trusts a signature once it trusts the issuer of the signing certificate; a certificate
that is its own CA (what we had) is "unknown" forever. So development and tests get a small hierarchy,
generated once on disk: the city CA (never a signer), and end-entity certificates it issues — one for
signing documents, one for the local timestamp authority. In production the files hold the
certificates the city is issued (BSrE's chain); nothing here runs then, as the files exist.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

CITY = "Pemerintah Kota Pematangsiantar"
CA_SUBJECT = x509.Name(
    [
        x509.NameAttribute(NameOID.COMMON_NAME, "Root CA Pemerintah Kota Pematangsiantar"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, CITY),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
    ]
)
SIGNER_SUBJECT = x509.Name(
    [
        x509.NameAttribute(
            NameOID.COMMON_NAME, "Dinas Kependudukan dan Pencatatan Sipil Kota Pematangsiantar"
        ),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, CITY),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
    ]
)
TSA_SUBJECT = x509.Name(
    [
        x509.NameAttribute(NameOID.COMMON_NAME, "Timestamp Authority Kota Pematangsiantar (development)"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, CITY),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
    ]
)
DOCUMENT_SIGNING_EKU = ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning, RFC 9336
CA_VALIDITY = dt.timedelta(days=20 * 365)
CERT_VALIDITY = dt.timedelta(days=10 * 365)


@dataclass(frozen=True)
class Profile:
    """What an issued certificate is for: its subject and extended key usages (critical for a TSA)."""

    subject: x509.Name
    usages: tuple[ObjectIdentifier, ...]
    usages_critical: bool = False
    non_repudiation: bool = False
    rsa: bool = False  # the local TSA signs its tokens with RSA (what pyHanko's token builder supports)


# NSS (poppler's pdfsig, Firefox, Thunderbird) checks a PDF signer as an e-mail signer: with an EKU
# extension present it must list emailProtection; documentSigning says what the key is for.
DOCUMENT_SIGNER = Profile(
    SIGNER_SUBJECT, (DOCUMENT_SIGNING_EKU, ExtendedKeyUsageOID.EMAIL_PROTECTION), non_repudiation=True
)
TIMESTAMPING = Profile(TSA_SUBJECT, (ExtendedKeyUsageOID.TIME_STAMPING,), usages_critical=True, rsa=True)


def ensure_ca(key_path: Path, cert_path: Path) -> None:
    """Create the city CA's key and self-signed certificate, each once (safe when processes race)."""
    _ensure_key(key_path)
    if not cert_path.exists():
        key = _load_key(key_path)
        assert isinstance(key, ec.EllipticCurvePrivateKey), f"{key_path}: the CA's key is an EC key"
        _write_once(cert_path, _pem(_ca_certificate(key)), mode=0o644)


def ensure_issued(
    key_path: Path, cert_path: Path, *, ca_key_path: Path, ca_cert_path: Path, profile: Profile
) -> None:
    """An end-entity key and a certificate for it issued by the city CA.

    A certificate on disk that the CA did not issue (the self-signed one of earlier versions) is
    replaced while the CA's key is ours; one issued by someone else's CA (production) is kept.
    """
    _ensure_key(key_path, rsa_key=profile.rsa)
    ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    if cert_path.exists():
        current = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if _issued_by(current, ca_cert) or not ca_key_path.exists():
            return
        cert_path.unlink(missing_ok=True)
    ca_key = _load_key(ca_key_path)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey), f"{ca_key_path}: the CA's key is an EC key"
    certificate = _issue(_load_key(key_path).public_key(), ca_key, ca_cert, profile)
    _write_once(cert_path, _pem(certificate), mode=0o644)


def fingerprint(pem: bytes) -> str:
    """SHA-256 of the certificate, as readers and `openssl x509 -fingerprint -sha256` print it."""
    digest = x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA256())
    return ":".join(f"{b:02X}" for b in digest)


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    if cert.issuer != ca.subject or cert.subject == ca.subject:
        return False
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _ca_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(CA_SUBJECT)
        .issuer_name(CA_SUBJECT)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _issue(
    public: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    profile: Profile,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(profile.subject)
        .issuer_name(ca_cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + CERT_VALIDITY, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(non_repudiation=profile.non_repudiation), critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(profile.usages)), critical=profile.usages_critical)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def _key_usage(*, cert_sign: bool = False, non_repudiation: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=non_repudiation,  # PDF validators expect non-repudiation on signer certs
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _ensure_key(path: Path, *, rsa_key: bool = False) -> None:
    if not path.exists():
        key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if rsa_key
            else ec.generate_private_key(ec.SECP256R1())
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_once(path, pem, mode=0o600)


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey), f"{path}: an EC or RSA key"
    return key


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _write_once(path: Path, data: bytes, *, mode: int) -> None:
    """Write a file only if it does not exist yet: whoever links it first wins, the others keep theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, mode)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)

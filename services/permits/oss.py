"""The OSS-RBA adapter (PIA v4.3): the token OSS signs its pushes with, the shapes of its payloads, the
status codes our workflow maps to, and the HTTP client for the calls we make to OSS.

OSS → us: POST receiveNIB {"dataNIB": {...}} and receiveFileDS {"receiveFileDS": {...}}, header
`Token` = SHA1(username + password + nib + Ymd); we answer {"responreceiveNIB": {"status", "keterangan"}}.
Us → OSS: POST {base}/receiveLicenseStatus {"IZINSTATUS": {...}}, {base}/receiveLicense
{"IZINFINAL": {...}}, {base}/checkLicenseStatus and {base}/inqueryNIB, header `user_key`; OSS answers
{"respon<method>": {"kode": 200, "keterangan": ...}}, anything else is a refusal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import marshmallow as ma

JAKARTA = ZoneInfo("Asia/Jakarta")

# kd_status of PIA v4.3 that our workflow uses, with the name pushed as nama_status.
STATUS_NAMES = {
    "05": "Screening",
    "09": "Pemenuhan persyaratan",
    "10": "Persyaratan lengkap",
    "11": "Persyaratan tidak lengkap",
    "12": "Komitmen",
    "20": "Validasi",
    "30": "Penetapan retribusi (SKRD terbit)",
    "31": "Menunggu pembayaran",
    "32": "Pembayaran diterima",
    "33": "Tagihan dibatalkan (tidak dibayar)",
    "34": "Pembayaran diverifikasi",
    "40": "Peninjauan lapangan",
    "41": "SLA dihentikan sementara",
    "42": "SLA dilanjutkan",
    "43": "SLA direset",
    "44": "SLA dimulai ulang",
    "45": "Persyaratan terverifikasi",
    "49": "Pengambilan nomor izin",
    "50": "Izin disetujui",
    "52": "Izin terbit sementara",
    "57": "Disetujui karena batas waktu terlampaui (fiktif positif)",
    "60": "Peringatan",
    "70": "Pembekuan",
    "80": "Sanksi / pencabutan",
    "90": "Ditolak",
    "93": "Persyaratan ditolak",
}

NIB_RE = re.compile(r"^\d{13}$")
KBLI_RE = re.compile(r"^\d{5}$")
DATE_FORMAT = "%Y-%m-%d"


# ---- the token OSS signs its pushes with --------------------------------------------------------------


def token_for(username: str, password: str, nib: str, day: date) -> str:
    """SHA1(username + password + nib + Ymd), hex, as OSS computes it."""
    raw = f"{username}{password}{nib}{day:%Y%m%d}"
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


def token_valid(given: str | None, *, username: str, password: str, nib: str, now: datetime) -> bool:
    """Constant-time comparison against today's token (Jakarta date); around midnight the other day's
    token is accepted too, so a push signed at 23:59:59 and received at 00:00:01 is not refused."""
    if not given:
        return False
    local = now.astimezone(JAKARTA)
    days = {local.date()}
    for skew in (timedelta(minutes=-5), timedelta(minutes=5)):
        days.add((local + skew).date())
    ok = False
    for day in sorted(days):
        expected = token_for(username, password, nib, day)
        ok |= hmac.compare_digest(given.strip().lower().encode(), expected.encode())
    return ok


# ---- payloads OSS pushes (PIA v4.3 dataNIB; OSS sends more fields than we use: they are ignored) ------


class _Base(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


def _date_text(value: str) -> None:
    try:
        datetime.strptime(value, DATE_FORMAT)
    except (TypeError, ValueError):
        raise ma.ValidationError("Must be a date YYYY-MM-DD") from None


class ProjectSchema(_Base):
    id_proyek = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))
    kbli = ma.fields.String(required=True, validate=ma.validate.Regexp(KBLI_RE, error="KBLI is 5 digits"))
    skala_resiko = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=4))
    uraian_usaha = ma.fields.String(load_default=None, allow_none=True)


class ChecklistSchema(_Base):
    id_izin = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))
    kd_izin = ma.fields.String(required=True, validate=ma.validate.Length(1, 20))
    jenis_izin = ma.fields.String(load_default=None, allow_none=True)
    kd_daerah = ma.fields.String(required=True, validate=ma.validate.Length(2, 10))
    kewenangan = ma.fields.String(required=True, validate=ma.validate.OneOf(("00", "01", "02")))
    flag_checklist = ma.fields.String(required=True, validate=ma.validate.OneOf(("Y", "N", "O", "T")))
    id_proyek = ma.fields.String(load_default=None, allow_none=True)


class ResponsibleSchema(_Base):
    no_identitas_penanggung_jwb = ma.fields.String(load_default=None, allow_none=True)
    nama_penanggung_jwb = ma.fields.String(load_default=None, allow_none=True)


class DataNibSchema(_Base):
    nib = ma.fields.String(required=True, validate=ma.validate.Regexp(NIB_RE, error="NIB is 13 digits"))
    oss_id = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))
    npwp_perseroan = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Regexp(r"^[\d.\-]{15,20}$")
    )
    nama_perseroan = ma.fields.String(required=True, validate=ma.validate.Length(1, 300))
    alamat = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=500))
    kd_daerah = ma.fields.String(required=True, validate=ma.validate.Length(2, 10))
    kewenangan = ma.fields.String(required=True, validate=ma.validate.OneOf(("00", "01", "02")))
    skala_usaha = ma.fields.String(required=True, validate=ma.validate.OneOf(("01", "02", "03", "04")))
    status_nib = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=10))
    tgl_pengajuan_nib = ma.fields.String(load_default=None, allow_none=True, validate=_date_text)
    tgl_terbit_nib = ma.fields.String(load_default=None, allow_none=True, validate=_date_text)
    tgl_perubahan_nib = ma.fields.String(load_default=None, allow_none=True, validate=_date_text)
    data_proyek = ma.fields.List(ma.fields.Nested(ProjectSchema), load_default=list)
    data_checklist = ma.fields.List(ma.fields.Nested(ChecklistSchema), load_default=list)
    penanggung_jwb = ma.fields.List(ma.fields.Nested(ResponsibleSchema), load_default=list)


class ReceiveNibSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    dataNIB = ma.fields.Nested(DataNibSchema, required=True)  # noqa: N815 - the protocol's name


class FileDsSchema(_Base):
    id_izin = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))
    nib = ma.fields.String(required=True, validate=ma.validate.Regexp(NIB_RE, error="NIB is 13 digits"))
    file_izin = ma.fields.String(required=True, validate=[ma.validate.Length(1, 2000), ma.validate.URL()])


class ReceiveFileDsSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    receiveFileDS = ma.fields.Nested(FileDsSchema, required=True)  # noqa: N815


def answer(status: str, keterangan: str) -> dict[str, Any]:
    """Our answer to a push, in the PIA's shape."""
    return {"responreceiveNIB": {"status": status, "keterangan": keterangan}}


def oss_time(moment: datetime) -> str:
    """tgl_status: 'YYYY-MM-DD HH:MM:SS' in Jakarta time."""
    return moment.astimezone(JAKARTA).strftime("%Y-%m-%d %H:%M:%S")


# ---- the HTTP client for our calls to OSS -------------------------------------------------------------

METHODS = ("receiveLicenseStatus", "receiveLicense", "checkLicenseStatus", "inqueryNIB")


class OssUnavailable(Exception):
    """OSS did not answer (timeout, connection refused, 5xx, 429): retry with back-off."""


class OssRefused(Exception):
    """OSS answered and said no (4xx, or a kode other than 200): retrying the same call will not help."""

    def __init__(self, message: str, response: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.response = response


class OssClient:
    """POST JSON to {base}/{method} with the `user_key` header; returns OSS's answer body."""

    def __init__(self, base_url: str, user_key: str, timeout: float = 10.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("OSS_BASE_URL must be http(s)")
        self.base_url, self.user_key, self.timeout = base_url.rstrip("/"), user_key, timeout

    def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        if method not in METHODS:
            raise ValueError(f"unknown OSS method {method}")
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            f"{self.base_url}/{method}",
            data=json.dumps(payload).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "user_key": self.user_key},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            body = _json_or_none(exc.read())
            if exc.code >= 500 or exc.code == 429:
                raise OssUnavailable(f"OSS answered HTTP {exc.code}") from exc
            raise OssRefused(f"OSS refused the call: HTTP {exc.code} {_keterangan(body)}", body) from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise OssUnavailable(f"OSS unreachable: {exc}") from exc
        body = _json_or_none(raw)
        if body is None:
            raise OssUnavailable("OSS answered something that is not JSON")
        inner = body.get(f"respon{method}") if isinstance(body, dict) else None
        if not isinstance(inner, dict) or str(inner.get("kode")) != "200":
            raise OssRefused(f"OSS refused the call: {_keterangan(body)}", body)
        return body


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def _keterangan(body: Any) -> str:
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, dict) and "keterangan" in value:
                return str(value["keterangan"])[:300]
    return ""

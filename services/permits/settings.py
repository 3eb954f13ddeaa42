"""The permits service's settings: app config first (tests override there), then the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

from flask import current_app

DEFAULTS = {
    # OSS calls us: Token = SHA1(username + password + nib + Ymd)
    "OSS_USERNAME": "siantar-pia",
    "OSS_PASSWORD": "dev-oss-password",
    # We call OSS (PIA v4.3 endpoints under this base; the simulator in development)
    "OSS_BASE_URL": "http://127.0.0.1:8030/v1/kl/rba",
    "OSS_USER_KEY": "dev-oss-user-key",
    "OSS_TIMEOUT": "10",
    "OSS_KD_INSTANSI": "1272000000",  # the city's institution code at OSS
    # Permit numbers: {type} {serial} {year} {month} {kabkota} are filled in
    "PERMIT_NUMBER_TEMPLATE": "{type}/{serial:05d}/DPMPTSP/{year}",
    "PERMIT_SIGNER_NAME": "Kepala DPMPTSP Kota Pematangsiantar",
    "PERMIT_SIGNER_NIP": "197001011995031001",
    "PERMIT_SIGNER_TITLE": "Kepala Dinas Penanaman Modal dan PTSP",
}


@dataclass(frozen=True)
class Settings:
    oss_username: str
    oss_password: str
    oss_base_url: str
    oss_user_key: str
    oss_timeout: float
    kd_instansi: str
    kd_daerah: str  # "12.72" → "1272": the region our checklists must name
    number_template: str
    signer_name: str
    signer_nip: str
    signer_title: str
    public_base_url: str


def _get(name: str) -> str:
    value = current_app.config.get(name) or os.environ.get(name)
    return str(value) if value not in (None, "") else DEFAULTS[name]


def settings() -> Settings:
    return Settings(
        oss_username=_get("OSS_USERNAME"),
        oss_password=_get("OSS_PASSWORD"),
        oss_base_url=_get("OSS_BASE_URL").rstrip("/"),
        oss_user_key=_get("OSS_USER_KEY"),
        oss_timeout=float(_get("OSS_TIMEOUT")),
        kd_instansi=_get("OSS_KD_INSTANSI"),
        kd_daerah=current_app.config.get("REGION_CODE", "12.72").replace(".", ""),
        number_template=_get("PERMIT_NUMBER_TEMPLATE"),
        signer_name=_get("PERMIT_SIGNER_NAME"),
        signer_nip=_get("PERMIT_SIGNER_NIP"),
        signer_title=_get("PERMIT_SIGNER_TITLE"),
        public_base_url=current_app.config.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
    )

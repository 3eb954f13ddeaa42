"""The payments service's settings: app config first (tests override there), then the environment.

The QRIS merchant identity is the city's (its NMID from the acquirer); the development defaults are
marked as such and must be replaced in production by the values the acquirer issues.
"""

from __future__ import annotations

import os
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from flask import current_app

from services.payments import snap
from services.payments.adapters.acquirer import SnapAcquirer, SnapConfig
from services.payments.qris import Merchant

INSTANCE = Path(__file__).resolve().parents[2] / "instance"

DEFAULTS = {
    "PAYMENTS_QRIS_ACQUIRER_GUID": "ID.CO.BANKSUMUT.WWW",
    "PAYMENTS_QRIS_MERCHANT_PAN": "936001170000012720",  # development value
    "PAYMENTS_QRIS_MERCHANT_ID": "PEMKOSIANTAR01",  # development value
    "PAYMENTS_QRIS_NMID": "ID1026000012720",  # development value
    "PAYMENTS_QRIS_CRITERIA": "URE",
    "PAYMENTS_QRIS_MCC": "9311",  # tax payments / government services
    "PAYMENTS_QRIS_MERCHANT_NAME": "PEMKO PEMATANGSIANTAR",
    "PAYMENTS_QRIS_CITY": "PEMATANGSIANTAR",
    "PAYMENTS_QRIS_POSTAL_CODE": "21111",
    # An invoice created without expires_at is open this long.
    "PAYMENTS_DEFAULT_TTL_MINUTES": "1440",
    # The acquirer (SNAP BI). Development: the simulator, `flask --app wsgi acquirer` on this port.
    "PAYMENTS_ACQUIRER_BASE_URL": "http://127.0.0.1:8040",
    "PAYMENTS_SNAP_CLIENT_ID": "pemko-siantar",
    "PAYMENTS_SNAP_CLIENT_SECRET": "dev-snap-client-secret",
    "PAYMENTS_SNAP_PARTNER_ID": "PEMKOSIANTAR",
    "PAYMENTS_SNAP_CHANNEL_ID": "95221",
    "PAYMENTS_SNAP_TIMEOUT": "10",
    # Ours (signs the access-token request; generated on first use) and the acquirer's public key
    # (verifies its notifications; the simulator writes its own there).
    "PAYMENTS_SNAP_PRIVATE_KEY_FILE": str(INSTANCE / "snap_client_key.pem"),
    "PAYMENTS_ACQUIRER_PUBLIC_KEY_FILE": str(INSTANCE / "acquirer_public.pem"),
    # The status poll asks the acquirer about an open invoice whose QR was shown this long ago.
    "PAYMENTS_POLL_AFTER_MINUTES": "5",
    # Virtual accounts: the bank's prefix for the city; VA number = prefix + billing code.
    "PAYMENTS_VA_PREFIX": "98811",
    # Where the acquirer drops its daily settlement reports (settlement-YYYY-MM-DD.csv, e.g. an SFTP
    # inbox); empty: fetch them from the acquirer's report API.
    "PAYMENTS_SETTLEMENT_DIR": "",
    # Counter payments above this many rupiah need a second staff member's confirmation.
    "PAYMENTS_COUNTER_CONFIRM_ABOVE": "1000000",
}


def get(name: str) -> str:
    value = current_app.config.get(name) or os.environ.get(name)
    return str(value) if value not in (None, "") else DEFAULTS[name]


def merchant() -> Merchant:
    return Merchant(
        acquirer_guid=get("PAYMENTS_QRIS_ACQUIRER_GUID"),
        merchant_pan=get("PAYMENTS_QRIS_MERCHANT_PAN"),
        merchant_id=get("PAYMENTS_QRIS_MERCHANT_ID"),
        nmid=get("PAYMENTS_QRIS_NMID"),
        criteria=get("PAYMENTS_QRIS_CRITERIA"),
        mcc=get("PAYMENTS_QRIS_MCC"),
        name=get("PAYMENTS_QRIS_MERCHANT_NAME"),
        city=get("PAYMENTS_QRIS_CITY"),
        postal_code=get("PAYMENTS_QRIS_POSTAL_CODE"),
    )


def default_ttl() -> timedelta:
    return timedelta(minutes=int(get("PAYMENTS_DEFAULT_TTL_MINUTES")))


def counter_confirm_above() -> int:
    return int(get("PAYMENTS_COUNTER_CONFIRM_ABOVE"))


def poll_after() -> timedelta:
    return timedelta(minutes=float(get("PAYMENTS_POLL_AFTER_MINUTES")))


def private_key_pem() -> str:
    """Our SNAP private key (PEM), created with 0600 on first use when the file does not exist."""
    path = Path(get("PAYMENTS_SNAP_PRIVATE_KEY_FILE"))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(snap.private_pem(snap.new_private_key()))
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    return path.read_text()


@lru_cache(maxsize=8)
def _public_key(path: str, mtime: float) -> RSAPublicKey:
    return snap.load_public(Path(path).read_text())


def acquirer_public_key() -> RSAPublicKey | None:
    """The acquirer's public key (None when it is not configured: every notification is then refused)."""
    path = Path(get("PAYMENTS_ACQUIRER_PUBLIC_KEY_FILE"))
    if not path.exists():
        return None
    return _public_key(str(path), path.stat().st_mtime)


def snap_config() -> SnapConfig:
    return SnapConfig(
        base_url=get("PAYMENTS_ACQUIRER_BASE_URL"),
        client_id=get("PAYMENTS_SNAP_CLIENT_ID"),
        client_secret=get("PAYMENTS_SNAP_CLIENT_SECRET"),
        partner_id=get("PAYMENTS_SNAP_PARTNER_ID"),
        channel_id=get("PAYMENTS_SNAP_CHANNEL_ID"),
        merchant_id=get("PAYMENTS_QRIS_MERCHANT_ID"),
        private_key_pem=private_key_pem(),
        timeout=float(get("PAYMENTS_SNAP_TIMEOUT")),
    )


_clients: dict[tuple, SnapAcquirer] = {}


def acquirer() -> SnapAcquirer:
    """The configured acquirer client (one per configuration per process: its token is reused)."""
    config = snap_config()
    key = (config.base_url, config.client_id, config.client_secret, config.private_key_pem)
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = SnapAcquirer(config)
    return client

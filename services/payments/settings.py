"""The payments service's settings: app config first (tests override there), then the environment.

The QRIS merchant identity is the city's (its NMID from the acquirer); the development defaults are
marked as such and must be replaced in production by the values the acquirer issues.
"""

from __future__ import annotations

import os
from datetime import timedelta

from flask import current_app

from services.payments.qris import Merchant

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

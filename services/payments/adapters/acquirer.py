"""The acquirer behind one interface: Bank Sumut or any PJP speaking SNAP BI is a configuration.

`Acquirer` is what payments needs from an acquirer (QR MPM generate, query, refund); `SnapAcquirer` speaks
SNAP BI over HTTPS: a B2B access token (asymmetric signature, cached until shortly before it expires),
then service calls signed with HMAC-SHA512, each with a fresh X-EXTERNAL-ID (unique per day).
Failures raise `AcquirerError` (unreachable, refused, or an answer we cannot read): the caller retries.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from gateway.kernel import clock
from services.payments import snap

TOKEN_PATH = "/v1.0/access-token/b2b"
GENERATE_PATH = "/v1.0/qr/qr-mpm-generate"
QUERY_PATH = "/v1.0/qr/qr-mpm-query"
REFUND_PATH = "/v1.0/qr/qr-mpm-refund"
SETTLEMENT_PATH = "/v1.0/settlement-report"  # not SNAP: the acquirer's report API (CSV), B2B token


class AcquirerError(RuntimeError):
    """The acquirer could not be asked, or refused: `code` is its responseCode when it answered."""

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class QrGenerated:
    reference_no: str
    qr_content: str


@dataclass(frozen=True)
class QrStatus:
    """What the acquirer knows of one QR payment: state is paid | pending | failed | not_found."""

    state: str
    reference_no: str | None = None
    amount: int | None = None
    currency: str | None = None
    paid_at: datetime | None = None


@dataclass(frozen=True)
class RefundDone:
    refund_no: str
    reference_no: str


class Acquirer(Protocol):
    def qr_generate(
        self, *, partner_reference_no: str, amount: int, valid_until: datetime, terminal_id: str | None = None
    ) -> QrGenerated: ...

    def qr_query(self, *, partner_reference_no: str, reference_no: str | None = None) -> QrStatus: ...

    def refund(
        self, *, partner_reference_no: str, reference_no: str, refund_no: str, amount: int, reason: str
    ) -> RefundDone: ...

    def settlement_report(self, *, day: date) -> str: ...


STATUS = {"00": "paid", "01": "pending", "02": "pending", "03": "pending", "04": "failed", "05": "failed",
          "06": "failed", "07": "not_found"}  # fmt: skip


@dataclass
class SnapConfig:
    base_url: str
    client_id: str
    client_secret: str
    partner_id: str
    channel_id: str
    merchant_id: str
    private_key_pem: str  # ours: signs the access-token request
    timeout: float = 10.0


class SnapAcquirer:
    """SNAP BI client for QR MPM (one per process; the token is shared between threads)."""

    def __init__(self, config: SnapConfig) -> None:
        if not config.base_url.startswith(("http://", "https://")):
            raise ValueError(f"acquirer base URL must be http(s): {config.base_url!r}")
        self.config = config
        self._key = snap.load_private(config.private_key_pem)
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    @staticmethod
    def _now() -> datetime:
        """Wire timestamps are the machine's clock (a test freezing the business clock must not skew them)."""
        return datetime.now(UTC)

    def _ts(self) -> str:
        return snap.timestamp(self._now().astimezone(clock.local_tz()))

    # ---- transport ----

    def _post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        data = snap.minify(body).encode()
        request = urllib.request.Request(  # noqa: S310 - http(s) URLs from our configuration
            self.config.base_url.rstrip("/") + path,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            raise AcquirerError(f"acquirer unreachable: {err}") from err
        try:
            answer = json.loads(raw or b"{}")
        except ValueError as err:
            raise AcquirerError(
                f"acquirer answered {status} with a body that is not JSON", status=status
            ) from err
        if not isinstance(answer, dict):
            raise AcquirerError(
                f"acquirer answered {status} with a JSON that is not an object", status=status
            )
        return status, answer

    def access_token(self) -> str:
        with self._lock:
            if self._token and self._token[1] > time.monotonic():
                return self._token[0]
            ts = self._ts()
            headers = {
                "X-TIMESTAMP": ts,
                "X-CLIENT-KEY": self.config.client_id,
                "X-SIGNATURE": snap.rsa_sign(self._key, snap.token_string(self.config.client_id, ts)),
            }
            status, answer = self._post(TOKEN_PATH, {"grantType": "client_credentials"}, headers)
            if status != 200 or not answer.get("accessToken"):
                raise AcquirerError(_describe(answer, status), code=answer.get("responseCode"), status=status)
            lifetime = int(answer.get("expiresIn") or 900)
            self._token = (answer["accessToken"], time.monotonic() + max(lifetime - 60, 1))
            return self._token[0]

    def _call(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        for attempt in (1, 2):
            token = self.access_token()
            ts = self._ts()
            headers = {
                "Authorization": f"Bearer {token}",
                "X-TIMESTAMP": ts,
                "X-SIGNATURE": snap.hmac_sign(
                    self.config.client_secret, snap.service_string("POST", path, token, snap.minify(body), ts)
                ),
                "X-PARTNER-ID": self.config.partner_id,
                "X-EXTERNAL-ID": f"{self._now():%Y%m%d}{secrets.randbelow(10**18):018d}",
                "CHANNEL-ID": self.config.channel_id,
            }
            status, answer = self._post(path, body, headers)
            if status == 401 and attempt == 1 and str(answer.get("responseCode", "")).endswith("01"):
                with self._lock:  # the acquirer forgot our token (restart, expiry): ask for a new one once
                    self._token = None
                continue
            return status, answer
        raise AssertionError("unreachable")

    # ---- the interface ----

    def qr_generate(
        self, *, partner_reference_no: str, amount: int, valid_until: datetime, terminal_id: str | None = None
    ) -> QrGenerated:
        body: dict[str, Any] = {
            "partnerReferenceNo": partner_reference_no,
            "amount": snap.amount_value(amount),
            "merchantId": self.config.merchant_id,
            "validityPeriod": snap.timestamp(valid_until),
        }
        if terminal_id:
            body["terminalId"] = terminal_id
        status, answer = self._call(GENERATE_PATH, body)
        if status != 200 or not answer.get("qrContent"):
            raise AcquirerError(_describe(answer, status), code=answer.get("responseCode"), status=status)
        return QrGenerated(reference_no=str(answer.get("referenceNo")), qr_content=answer["qrContent"])

    def qr_query(self, *, partner_reference_no: str, reference_no: str | None = None) -> QrStatus:
        body = {
            "originalPartnerReferenceNo": partner_reference_no,
            "serviceCode": snap.SERVICE_QR_QUERY,
            "merchantId": self.config.merchant_id,
        }
        if reference_no:
            body["originalReferenceNo"] = reference_no
        status, answer = self._call(QUERY_PATH, body)
        if status == 404:
            return QrStatus(state="not_found")
        if status != 200:
            raise AcquirerError(_describe(answer, status), code=answer.get("responseCode"), status=status)
        rupiah, currency = snap.rupiah_of(answer.get("amount"))
        paid = snap.parse_timestamp(answer.get("paidTime"))
        return QrStatus(
            state=STATUS.get(str(answer.get("latestTransactionStatus")), "pending"),
            reference_no=answer.get("originalReferenceNo"),
            amount=rupiah,
            currency=currency,
            paid_at=paid,
        )

    def refund(
        self, *, partner_reference_no: str, reference_no: str, refund_no: str, amount: int, reason: str
    ) -> RefundDone:
        body = {
            "originalPartnerReferenceNo": partner_reference_no,
            "originalReferenceNo": reference_no,
            "partnerRefundNo": refund_no,
            "refundAmount": snap.amount_value(amount),
            "reason": reason[:256],
            "merchantId": self.config.merchant_id,
        }
        status, answer = self._call(REFUND_PATH, body)
        if status != 200:
            raise AcquirerError(_describe(answer, status), code=answer.get("responseCode"), status=status)
        return RefundDone(
            refund_no=str(answer.get("refundNo")), reference_no=str(answer.get("partnerRefundNo"))
        )

    def settlement_report(self, *, day: date) -> str:
        """The day's settlement report as the acquirer publishes it (CSV text; AcquirerError if not yet)."""
        for attempt in (1, 2):
            request = urllib.request.Request(  # noqa: S310 - http(s) URLs from our configuration
                f"{self.config.base_url.rstrip('/')}{SETTLEMENT_PATH}?date={day.isoformat()}",
                headers={
                    "Authorization": f"Bearer {self.access_token()}",
                    "X-TIMESTAMP": self._ts(),
                    "X-PARTNER-ID": self.config.partner_id,
                    "Accept": "text/csv",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=self.config.timeout) as response:  # noqa: S310
                    return response.read().decode("utf-8")
            except urllib.error.HTTPError as err:
                if err.code == 401 and attempt == 1:  # the acquirer forgot our token: a new one, once
                    with self._lock:
                        self._token = None
                    continue
                raise AcquirerError(f"settlement report for {day}: HTTP {err.code}", status=err.code) from err
            except (urllib.error.URLError, TimeoutError, OSError, UnicodeDecodeError) as err:
                raise AcquirerError(f"settlement report for {day}: {err}") from err
        raise AssertionError("unreachable")


def _describe(answer: dict[str, Any], status: int) -> str:
    return f"acquirer answered {status} {answer.get('responseCode')}: {answer.get('responseMessage')}"

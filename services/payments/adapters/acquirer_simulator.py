"""A local acquirer that speaks SNAP BI like a bank's QRIS gateway, with its own keys.

It issues B2B access tokens (checking our SHA256withRSA signature), answers QR MPM generate, query and
refund (checking the HMAC-SHA512 signature, the token, X-PARTNER-ID, CHANNEL-ID and that X-EXTERNAL-ID is
new today), takes payments as a customer's wallet would (POST /_sim/pay with a QRIS payload, or
`flask --app wsgi acquirer pay --qris …`), notifies us signed with its private key — retrying with
back-off until we answer 2xx — and writes the day's settlement report (CSV). It can be told to drop,
duplicate, delay or corrupt the next notification (POST /_sim/faults), which is how the tests prove a
lost notification is recovered and a repeated one pays once.

Simulator-only endpoints (not SNAP): POST /_sim/pay, POST /_sim/faults, GET /_sim/notifications,
GET /_sim/transactions, GET /_sim/settlement?date=YYYY-MM-DD (CSV), POST /_sim/reset.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from services.payments import qris, snap
from services.payments.adapters.acquirer import (
    GENERATE_PATH,
    QUERY_PATH,
    REFUND_PATH,
    SETTLEMENT_PATH,
    TOKEN_PATH,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
NOTIFY_PATH = "/api/v1/payments/notify/qris"
FAULTS = ("drop", "duplicate", "delay", "corrupt")


@dataclass
class Transaction:
    reference_no: str
    partner_reference_no: str
    amount: int
    status: str = "03"  # SNAP latestTransactionStatus: 00 success, 03 pending, 06 failed
    qr_content: str | None = None
    paid_at: datetime | None = None
    payer: str = ""
    refunded: int = 0
    refunds: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SimConfig:
    client_id: str
    client_secret: str
    partner_id: str
    channel_id: str
    merchant_id: str
    client_public_key_pem: str  # ours: the simulator checks our token requests with it
    private_key_pem: str  # the simulator's own: it signs its notifications with it
    merchant: qris.Merchant  # the city as this acquirer knows it (NMID, name …)
    notify_url: str | None  # where it tells us (our /api/v1/payments/notify/qris)
    retry_base: float = 1.0  # seconds; the n-th retry waits retry_base * 2**(n-1)
    max_attempts: int = 6
    fee_mdr_permille: int = 3  # QRIS MDR for government merchants (0.3 %), shown in the settlement
    va_prefix: str = "98811"  # the city's virtual account prefix at this bank


@dataclass
class SimulatorState:
    lock: threading.RLock = field(default_factory=threading.RLock)
    tokens: dict[str, float] = field(default_factory=dict)
    external_ids: set[tuple[str, str]] = field(default_factory=set)
    transactions: dict[str, Transaction] = field(default_factory=dict)  # by reference_no
    faults: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)  # every attempt and its answer
    in_flight: int = 0  # deliveries still sending or waiting to retry

    def by_partner(self, partner_reference_no: str) -> Transaction | None:
        found = [t for t in self.transactions.values() if t.partner_reference_no == partner_reference_no]
        paid = [t for t in found if t.status == "00"]
        return (paid or found or [None])[-1]

    def reset(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.external_ids.clear()
            self.transactions.clear()
            self.faults.clear()
            self.notifications.clear()


def _json(body: Any, status: int = 200) -> Response:
    return Response(snap.minify(body), status=status, mimetype="application/json")


def _snap(status: int, service: str, case: str, message: str, **extra: Any) -> Response:
    return _json(
        {"responseCode": snap.code(status, service, case), "responseMessage": message, **extra}, status
    )


class AcquirerSimulator:
    """The WSGI app (werkzeug, not our Flask app: it is another system's edge)."""

    def __init__(self, config: SimConfig, state: SimulatorState | None = None) -> None:
        self.config = config
        self.state = state or SimulatorState()
        self._key = snap.load_private(config.private_key_pem)
        self._client_key = snap.load_public(config.client_public_key_pem)
        self.urls = Map(
            [
                Rule(TOKEN_PATH, endpoint="token", methods=["POST"]),
                Rule(GENERATE_PATH, endpoint="generate", methods=["POST"]),
                Rule(QUERY_PATH, endpoint="query", methods=["POST"]),
                Rule(REFUND_PATH, endpoint="refund", methods=["POST"]),
                Rule(SETTLEMENT_PATH, endpoint="report", methods=["GET"]),
                Rule("/_sim/pay", endpoint="pay", methods=["POST"]),
                Rule("/_sim/pay-va", endpoint="pay_va", methods=["POST"]),
                Rule("/_sim/faults", endpoint="faults", methods=["POST"]),
                Rule("/_sim/notifications", endpoint="notifications", methods=["GET"]),
                Rule("/_sim/transactions", endpoint="transactions", methods=["GET"]),
                Rule("/_sim/settlement", endpoint="settlement", methods=["GET"]),
                Rule("/_sim/reset", endpoint="reset", methods=["POST"]),
            ]
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            endpoint, _ = self.urls.bind_to_environ(environ).match()
            response = getattr(self, f"on_{endpoint}")(request)
        except HTTPException as err:
            response = _json(
                {"responseCode": f"{err.code}0000", "responseMessage": err.name}, err.code or 500
            )
        return response(environ, start_response)

    # ---- SNAP: access token ----

    def on_token(self, req: Request) -> Response:
        ts, client_id = req.headers.get("X-TIMESTAMP"), req.headers.get("X-CLIENT-KEY")
        if not snap.fresh(ts, datetime.now(UTC)):
            return _snap(400, snap.SERVICE_TOKEN, "01", "Invalid Field Format [X-TIMESTAMP]")
        if client_id != self.config.client_id:
            return _snap(401, snap.SERVICE_TOKEN, "00", "Unauthorized. [Unknown client]")
        text = snap.token_string(client_id, ts or "")
        if not snap.rsa_verify(self._client_key, text, req.headers.get("X-SIGNATURE")):
            return _snap(401, snap.SERVICE_TOKEN, "00", "Unauthorized. [Signature]")
        body = req.get_json(silent=True) or {}
        if body.get("grantType") != "client_credentials":
            return _snap(400, snap.SERVICE_TOKEN, "02", "Invalid Mandatory Field [grantType]")
        token = secrets.token_urlsafe(32)
        with self.state.lock:
            self.state.tokens[token] = time.monotonic() + 900
        return _snap(
            200,
            snap.SERVICE_TOKEN,
            "00",
            "Successful",
            accessToken=token,
            tokenType="Bearer",
            expiresIn="900",
        )

    # ---- SNAP: signed service calls ----

    def _check_service(self, req: Request, service: str) -> Response | None:
        h = req.headers
        auth = h.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        with self.state.lock:
            valid = self.state.tokens.get(token, 0) > time.monotonic()
        if not valid:
            return _snap(401, service, "01", "Invalid Token (B2B)")
        ts = h.get("X-TIMESTAMP")
        if not snap.fresh(ts, datetime.now(UTC)):
            return _snap(400, service, "01", "Invalid Field Format [X-TIMESTAMP]")
        text = snap.service_string(req.method, req.path, token, snap.minify_raw(req.get_data()), ts or "")
        if not snap.hmac_verify(self.config.client_secret, text, h.get("X-SIGNATURE")):
            return _snap(401, service, "00", "Unauthorized. [Signature]")
        if h.get("X-PARTNER-ID") != self.config.partner_id or h.get("CHANNEL-ID") != self.config.channel_id:
            return _snap(401, service, "00", "Unauthorized. [Unknown partner or channel]")
        external = h.get("X-EXTERNAL-ID") or ""
        day = datetime.now(JAKARTA).date().isoformat()
        with self.state.lock:
            if not external or (day, external) in self.state.external_ids:
                return _snap(409, service, "00", "Conflict [X-EXTERNAL-ID]")
            self.state.external_ids.add((day, external))
        return None

    def on_generate(self, req: Request) -> Response:
        refused = self._check_service(req, snap.SERVICE_QR_GENERATE)
        if refused:
            return refused
        body = req.get_json(silent=True) or {}
        amount, currency = snap.rupiah_of(body.get("amount"))
        partner_ref = body.get("partnerReferenceNo")
        if not partner_ref or amount is None or amount <= 0 or currency != "IDR":
            return _snap(
                400, snap.SERVICE_QR_GENERATE, "02", "Invalid Mandatory Field [partnerReferenceNo/amount]"
            )
        reference = _reference()
        content = qris.build(
            self.config.merchant, amount=amount, reference=partner_ref, terminal=body.get("terminalId")
        )
        with self.state.lock:
            self.state.transactions[reference] = Transaction(
                reference, partner_ref, amount, qr_content=content
            )
        return _snap(
            200, snap.SERVICE_QR_GENERATE, "00", "Successful",
            referenceNo=reference, partnerReferenceNo=partner_ref, qrContent=content,
            merchantName=self.config.merchant.name,
        )  # fmt: skip

    def on_query(self, req: Request) -> Response:
        refused = self._check_service(req, snap.SERVICE_QR_QUERY)
        if refused:
            return refused
        body = req.get_json(silent=True) or {}
        with self.state.lock:
            txn = self.state.transactions.get(body.get("originalReferenceNo") or "") or self.state.by_partner(
                body.get("originalPartnerReferenceNo") or ""
            )
        if txn is None:
            return _snap(404, snap.SERVICE_QR_QUERY, "01", "Transaction Not Found")
        return _snap(200, snap.SERVICE_QR_QUERY, "00", "Successful", **self._status_fields(txn))

    def on_refund(self, req: Request) -> Response:
        refused = self._check_service(req, snap.SERVICE_QR_REFUND)
        if refused:
            return refused
        body = req.get_json(silent=True) or {}
        amount, _ = snap.rupiah_of(body.get("refundAmount"))
        with self.state.lock:
            txn = self.state.transactions.get(body.get("originalReferenceNo") or "")
            if txn is None or txn.status != "00":
                return _snap(404, snap.SERVICE_QR_REFUND, "01", "Transaction Not Found")
            if amount is None or amount <= 0 or txn.refunded + amount > txn.amount:
                return _snap(400, snap.SERVICE_QR_REFUND, "02", "Invalid Amount")
            done = next((r for r in txn.refunds if r["partnerRefundNo"] == body.get("partnerRefundNo")), None)
            if done is None:
                done = {
                    "partnerRefundNo": body.get("partnerRefundNo"),
                    "refundNo": _reference(),
                    "amount": amount,
                }
                txn.refunds.append(done)
                txn.refunded += amount
        return _snap(
            200, snap.SERVICE_QR_REFUND, "00", "Successful",
            originalReferenceNo=txn.reference_no, partnerRefundNo=done["partnerRefundNo"], refundNo=done["refundNo"],
            refundAmount=snap.amount_value(done["amount"]), refundTime=snap.timestamp(datetime.now(JAKARTA)),
        )  # fmt: skip

    def _status_fields(self, txn: Transaction) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "originalReferenceNo": txn.reference_no,
            "originalPartnerReferenceNo": txn.partner_reference_no,
            "serviceCode": snap.SERVICE_QR_QUERY,
            "latestTransactionStatus": txn.status,
            "transactionStatusDesc": {"00": "Success", "03": "Pending", "06": "Failed"}.get(txn.status, ""),
            "amount": snap.amount_value(txn.amount),
        }
        if txn.paid_at:
            fields["paidTime"] = snap.timestamp(txn.paid_at.astimezone(JAKARTA))
        return fields

    # ---- a customer's wallet pays ----

    def pay(self, payload: str, *, payer: str = "WALLET-SIM") -> Transaction:
        """Pay a QRIS as a wallet would: parse it, check it is ours, settle it, notify (in the background)."""
        parsed = qris.parse(payload)
        if parsed.nmid != self.config.merchant.nmid:
            raise qris.QrisError(f"NMID {parsed.nmid} is not a merchant of this acquirer")
        amount = parsed.amount_rupiah
        if amount is None or not parsed.reference_label:
            raise qris.QrisError("a dynamic QRIS with an amount and a reference label is needed")
        with self.state.lock:
            txn = next(
                (t for t in self.state.transactions.values()
                 if t.partner_reference_no == parsed.reference_label and t.status == "03"),
                None,
            )  # fmt: skip
            if txn is None:
                txn = Transaction(_reference(), parsed.reference_label, amount, qr_content=payload)
                self.state.transactions[txn.reference_no] = txn
            txn.status, txn.paid_at, txn.payer = "00", datetime.now(UTC), payer
            fault = self.state.faults.pop(0) if self.state.faults else {}
        self._notify_later(txn, fault)
        return txn

    def on_pay(self, req: Request) -> Response:
        body = req.get_json(silent=True) or {}
        try:
            txn = self.pay(str(body.get("qris") or ""), payer=str(body.get("payer") or "WALLET-SIM"))
        except qris.QrisError as err:
            return _json({"error": str(err)}, 422)
        return _json({"referenceNo": txn.reference_no, "partnerReferenceNo": txn.partner_reference_no,
                      "amount": txn.amount, "paidTime": snap.timestamp(txn.paid_at.astimezone(JAKARTA))})  # fmt: skip

    # ---- a customer pays a virtual account at the bank (inquiry, then payment flag) ----

    def _call_biller(self, path: str, body: dict[str, Any]) -> tuple[int | None, Any]:
        base = (self.config.notify_url or "").rsplit("/qris", 1)[0]
        data, headers = self.signed(body, path=path)
        for attempt in range(1, self.config.max_attempts + 1):
            status, answer = _post(base + path, data, headers)
            if status is not None and status < 500:
                return status, answer
            if attempt < self.config.max_attempts:
                time.sleep(self.config.retry_base * 2 ** (attempt - 1))
                data, headers = self.signed(body, path=path)  # a fresh X-TIMESTAMP for the retry
        return status, answer

    def pay_va(self, va_number: str, *, payer: str = "NASABAH-SIM") -> tuple[int | None, Any]:
        """Inquire the VA at the biller, then flag it paid for the amount it asked (a closed-amount VA)."""
        prefix = self.config.va_prefix
        if not va_number.startswith(prefix) or len(va_number) <= len(prefix):
            return 404, {"error": f"{va_number} is not a virtual account of prefix {prefix}"}
        ids = {
            "partnerServiceId": prefix.rjust(8),
            "customerNo": va_number[len(prefix) :],
            "virtualAccountNo": prefix.rjust(8) + va_number[len(prefix) :],
        }
        status, answer = self._call_biller("/va/inquiry", ids | {"inquiryRequestId": _reference()})
        if status != 200:
            return status, answer
        total = answer["virtualAccountData"]["totalAmount"]
        request = ids | {
            "paymentRequestId": _reference(),
            "paidAmount": total,
            "virtualAccountName": payer,
            "trxDateTime": snap.timestamp(datetime.now(JAKARTA)),
        }
        status, answer = self._call_biller("/va/payment", request)
        if status == 200:
            amount, _ = snap.rupiah_of(total)
            txn = Transaction(request["paymentRequestId"], ids["customerNo"], amount or 0, status="00",
                              paid_at=datetime.now(UTC), payer=payer)  # fmt: skip
            with self.state.lock:
                self.state.transactions[txn.reference_no] = txn
        return status, answer

    def on_pay_va(self, req: Request) -> Response:
        body = req.get_json(silent=True) or {}
        status, answer = self.pay_va(str(body.get("va") or ""))
        return _json({"status": status, "answer": answer}, 200 if status == 200 else 422)

    # ---- notifications ----

    def notification(self, txn: Transaction) -> dict[str, Any]:
        return {
            "originalReferenceNo": txn.reference_no,
            "originalPartnerReferenceNo": txn.partner_reference_no,
            "latestTransactionStatus": txn.status,
            "transactionStatusDesc": "Success" if txn.status == "00" else "Failed",
            "amount": snap.amount_value(txn.amount),
            "externalStoreId": self.config.merchant_id,
            "additionalInfo": {
                "payerName": txn.payer,
                "paidTime": snap.timestamp(txn.paid_at.astimezone(JAKARTA)),
            },
        }

    def signed(
        self, body: dict[str, Any], *, corrupt: bool = False, path: str = "/qris"
    ) -> tuple[bytes, dict[str, str]]:
        minified = snap.minify(body)
        ts = snap.timestamp(datetime.now(JAKARTA))
        full = NOTIFY_PATH.rsplit("/qris", 1)[0] + path
        signature = snap.rsa_sign(self._key, snap.notify_string("POST", full, minified, ts))
        if corrupt:  # a character changed on the way: the signature no longer matches the body
            minified = minified.replace(
                body["originalReferenceNo"], body["originalReferenceNo"][:-1] + "X", 1
            )
        headers = {
            "Content-Type": "application/json",
            "X-TIMESTAMP": ts,
            "X-SIGNATURE": signature,
            "X-PARTNER-ID": self.config.partner_id,
            "X-EXTERNAL-ID": f"{datetime.now(JAKARTA):%Y%m%d}{secrets.randbelow(10**18):018d}",
            "CHANNEL-ID": self.config.channel_id,
        }
        return minified.encode(), headers

    def _notify_later(self, txn: Transaction, fault: dict[str, Any]) -> None:
        kind = fault.get("kind")
        if kind == "drop" or not self.config.notify_url:
            self._log(txn, attempt=0, status=None, note="dropped" if kind == "drop" else "no notify_url")
            return
        delay = float(fault.get("seconds", 2.0)) if kind == "delay" else 0.0
        copies = 2 if kind == "duplicate" else 1
        for copy in range(copies):
            with self.state.lock:
                self.state.in_flight += 1
            thread = threading.Thread(
                target=self._deliver, args=(txn, delay, kind == "corrupt" and copy == 0), daemon=True
            )
            thread.start()

    def _deliver(self, txn: Transaction, delay: float, corrupt_first: bool) -> None:
        try:
            if delay:
                time.sleep(delay)
            body = self.notification(txn)
            for attempt in range(1, self.config.max_attempts + 1):
                data, headers = self.signed(body, corrupt=corrupt_first and attempt == 1)
                status, answer = _post(self.config.notify_url or "", data, headers)
                self._log(txn, attempt=attempt, status=status, note=answer)
                if status is not None and 200 <= status < 300:
                    return
                if status is not None and status < 500 and status != 401:
                    return  # refused for good (unknown reference, wrong amount): retrying will not help
                if attempt < self.config.max_attempts:
                    time.sleep(self.config.retry_base * 2 ** (attempt - 1))
        finally:
            with self.state.lock:
                self.state.in_flight -= 1

    def idle(self, timeout: float = 5.0) -> bool:
        """Wait until no notification is in flight (tests, shutdown); True when idle."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.state.lock:
                if self.state.in_flight == 0:
                    return True
            time.sleep(0.02)
        return False

    def _log(self, txn: Transaction, *, attempt: int, status: int | None, note: Any) -> None:
        with self.state.lock:
            self.state.notifications.append(
                {"referenceNo": txn.reference_no, "partnerReferenceNo": txn.partner_reference_no,
                 "attempt": attempt, "status": status, "answer": note, "at": datetime.now(UTC).isoformat()}
            )  # fmt: skip

    def on_faults(self, req: Request) -> Response:
        body = req.get_json(silent=True) or {}
        if body.get("kind") not in FAULTS:
            return _json({"error": f"kind must be one of {', '.join(FAULTS)}"}, 422)
        with self.state.lock:
            self.state.faults.append({"kind": body["kind"], "seconds": float(body.get("seconds", 2.0))})
        return _json({"queued": len(self.state.faults)})

    def on_notifications(self, req: Request) -> Response:
        with self.state.lock:
            return _json(list(self.state.notifications))

    def on_transactions(self, req: Request) -> Response:
        with self.state.lock:
            rows = [
                self._status_fields(t) | {"refunded": t.refunded} for t in self.state.transactions.values()
            ]
        return _json(rows)

    def on_reset(self, req: Request) -> Response:
        self.state.reset()
        return _json({"reset": True})

    # ---- settlement ----

    def settlement_csv(self, day: date) -> str:
        """The day's settlement report: one line per paid transaction (local date of payment)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["settlement_date", "reference_no", "partner_reference_no", "paid_time", "amount",
                         "mdr_fee", "net_amount", "refunded", "nmid", "merchant_id"])  # fmt: skip
        with self.state.lock:
            paid = sorted(
                (t for t in self.state.transactions.values() if t.status == "00" and t.paid_at),
                key=lambda t: t.paid_at or datetime.min.replace(tzinfo=UTC),
            )
        for t in paid:
            local = (t.paid_at or datetime.now(UTC)).astimezone(JAKARTA)
            if local.date() != day:
                continue
            fee = t.amount * self.config.fee_mdr_permille // 1000
            writer.writerow([day.isoformat(), t.reference_no, t.partner_reference_no, snap.timestamp(local),
                             t.amount, fee, t.amount - fee, t.refunded, self.config.merchant.nmid,
                             self.config.merchant_id])  # fmt: skip
        return out.getvalue()

    def write_settlement(self, day: date, directory: str) -> str:
        """Drop the day's report where the merchant collects it (as a bank's SFTP outbox): the file path."""
        from pathlib import Path

        target = Path(directory) / f"settlement-{day.isoformat()}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_suffix(".part")
        part.write_text(self.settlement_csv(day))
        part.replace(target)  # whole or nothing: a reader never sees half a report
        return str(target)

    def on_report(self, req: Request) -> Response:
        """The merchant fetches its settlement report with its B2B token (GET …?date=YYYY-MM-DD)."""
        auth = req.headers.get("Authorization", "")
        with self.state.lock:
            valid = (
                self.state.tokens.get(auth[7:] if auth.startswith("Bearer ") else "", 0) > time.monotonic()
            )
        if not valid:
            return _snap(401, "00", "01", "Invalid Token (B2B)")
        return self.on_settlement(req)

    def on_settlement(self, req: Request) -> Response:
        raw = req.args.get("date")
        try:
            day = date.fromisoformat(raw) if raw else datetime.now(JAKARTA).date()
        except ValueError:
            return _json({"error": "date must be YYYY-MM-DD"}, 422)
        response = Response(self.settlement_csv(day), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="settlement-{day.isoformat()}.csv"'
        return response


def _reference() -> str:
    return f"{datetime.now(JAKARTA):%y%m%d%H%M%S}{secrets.randbelow(10**8):08d}"


def _post(url: str, data: bytes, headers: dict[str, str]) -> tuple[int | None, Any]:
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, _read(response.read())
    except urllib.error.HTTPError as err:
        return err.code, _read(err.read())
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        return None, str(err)


def _read(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")[:200]


class _Handler(WSGIRequestHandler):
    def log_request(
        self, *args: Any, **kwargs: Any
    ) -> None:  # quiet: tests and `make run` read their own logs
        return None


def server(sim: AcquirerSimulator, port: int, host: str = "127.0.0.1") -> BaseWSGIServer:
    """A threaded HTTP server for the simulator (serve_forever(); shutdown() to stop)."""
    return make_server(host, port, sim, threaded=True, request_handler=_Handler)


def retry_delays(config: SimConfig) -> list[float]:
    """The waits between attempts (documented in docs/payments.md)."""
    return [config.retry_base * 2**n for n in range(config.max_attempts - 1)]

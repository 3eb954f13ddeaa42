"""SMS provider adapter (Twilio-compatible Messages REST API) and its local simulator.

The city contracts an SMS gateway; most Indonesian aggregators and Twilio speak this shape:
`POST {base}/2010-04-01/Accounts/{account}/Messages.json`, form fields To/From/Body, HTTP basic auth,
answer 201 with a JSON message resource ({"sid", "status", ...}). The simulator implements exactly
that, so tests and the demo exercise the real protocol over loopback.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify, request

MAX_BODY = 1600


class PermanentSmsError(Exception):
    """The provider refused the message (bad number, auth): retrying will not help."""


@dataclass
class HttpSmsAdapter:
    base_url: str
    account: str
    token: str
    sender: str = "SIANTAR"
    timeout: float = 10.0

    def send(self, message: Any) -> str:
        url = f"{self.base_url.rstrip('/')}/2010-04-01/Accounts/{self.account}/Messages.json"
        data = urllib.parse.urlencode({"To": message.to, "From": self.sender, "Body": message.body}).encode()
        auth = base64.b64encode(f"{self.account}:{self.token}".encode()).decode()
        if not url.startswith(("http://", "https://")):
            raise PermanentSmsError("SMS_API_URL must be http(s)")
        req = urllib.request.Request(  # noqa: S310 - scheme checked above
            url,
            data=data,
            method="POST",
            headers={
                "Authorization": f"Basic {auth}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                payload = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code != 429:
                raise PermanentSmsError(f"provider refused the message: HTTP {exc.code}") from exc
            raise  # 429/5xx: the job is retried with back-off
        return str(payload["sid"])


@dataclass
class SimulatorState:
    account: str
    token: str
    messages: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def create_simulator(account: str, token: str) -> Flask:
    """A local stand-in for the SMS provider: validates auth and fields, records what it 'sent'."""
    sim = Flask("sms_simulator")
    state = SimulatorState(account, token)
    sim.extensions["sms_state"] = state

    def _authorized(account_id: str) -> bool:
        auth = request.authorization
        return bool(
            auth
            and account_id == state.account
            and auth.username == state.account
            and secrets.compare_digest(auth.password or "", state.token)
        )

    def _error(code: int, message: str) -> tuple[Response, int]:
        return jsonify(code=code, message=message, status=code), code

    @sim.post("/2010-04-01/Accounts/<account_id>/Messages.json")
    def create_message(account_id: str) -> tuple[Response, int]:
        if not _authorized(account_id):
            return _error(401, "Authenticate")
        to, body = request.form.get("To", ""), request.form.get("Body", "")
        if not (to.startswith("+") and to[1:].isdigit() and 8 <= len(to) <= 16):
            return _error(400, "The 'To' number is not a valid phone number.")
        if not body or len(body) > MAX_BODY:
            return _error(400, "Message body is required and at most 1600 characters.")
        sid = "SM" + secrets.token_hex(16)
        resource = {
            "sid": sid,
            "to": to,
            "from": request.form.get("From", ""),
            "body": body,
            "status": "queued",
        }
        with state.lock:
            state.messages.append(resource)
        return jsonify(resource), 201

    @sim.get("/2010-04-01/Accounts/<account_id>/Messages.json")
    def list_messages(account_id: str) -> Response | tuple[Response, int]:
        if not _authorized(account_id):
            return _error(401, "Authenticate")
        with state.lock:
            return jsonify(messages=list(reversed(state.messages)))

    return sim

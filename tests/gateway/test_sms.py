"""SMS go out through the provider's HTTP API (here its local simulator, over loopback), once each."""

from __future__ import annotations

import subprocess
import threading

import pytest
import requests
from werkzeug.serving import make_server

from gateway import notify
from gateway.db import UnitOfWork
from gateway.notify import Message, deliver
from gateway.sms import create_simulator
from tests.gateway.support import ROOT, flask_cmd, free_port, process_env, wait_for


@pytest.fixture
def simulator():
    sim = create_simulator("AC-test", "tok-test")
    server = make_server("127.0.0.1", 0, sim, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", sim.extensions["sms_state"]
    server.shutdown()


def _queue_sms(app, to: str, body: str, key: str) -> str:
    with app.app_context(), UnitOfWork() as uow:
        notify.send_sms(uow, to=to, body=body, dedupe_key=key)
        message_id = uow.session.query(Message.id).filter(Message.dedupe_key == key).scalar()
        # commit without running the in-process job: we deliver by hand below
        uow.session.commit()
        return message_id


def _status(app, message_id: str) -> Message:
    with app.app_context(), UnitOfWork() as uow:
        return uow.session.get(Message, message_id)


def test_http_adapter_delivers_through_the_provider_protocol_once(app, simulator):
    url, state = simulator
    message_id = _queue_sms(app, "+6281234500001", "Nomor pengaduan Anda 26112304277", "t-sms-1")
    app.config.update(NOTIFY_SMS_ADAPTER="http", SMS_API_URL=url, SMS_ACCOUNT="AC-test", SMS_TOKEN="tok-test")
    try:
        with app.app_context():
            deliver(message_id)
            deliver(message_id)  # a job that runs twice sends once
    finally:
        app.config.update(NOTIFY_SMS_ADAPTER="log")
    assert [m["to"] for m in state.messages] == ["+6281234500001"]
    assert state.messages[0]["from"] == "SIANTAR"
    sent = _status(app, message_id)
    assert sent.status == "sent" and sent.provider_id == state.messages[0]["sid"]


def test_provider_refusal_marks_failed_without_retry(app, simulator):
    url, state = simulator
    message_id = _queue_sms(app, "+6281234500002", "x", "t-sms-2")
    app.config.update(NOTIFY_SMS_ADAPTER="http", SMS_API_URL=url, SMS_ACCOUNT="AC-test", SMS_TOKEN="wrong")
    try:
        with app.app_context():
            deliver(message_id)
    finally:
        app.config.update(NOTIFY_SMS_ADAPTER="log")
    assert state.messages == [] and _status(app, message_id).status == "failed"


def test_provider_down_raises_so_the_job_is_retried(app):
    message_id = _queue_sms(app, "+6281234500003", "x", "t-sms-3")
    app.config.update(
        NOTIFY_SMS_ADAPTER="http",
        SMS_API_URL="http://127.0.0.1:9",
        SMS_ACCOUNT="AC-test",
        SMS_TOKEN="tok-test",
    )
    try:
        with app.app_context(), pytest.raises(OSError):
            deliver(message_id)
    finally:
        app.config.update(NOTIFY_SMS_ADAPTER="log")
    assert _status(app, message_id).status == "queued"


def test_the_sms_simulator_command_serves_the_provider_api(app):
    """`flask --app wsgi sms-simulator`, as the README tells a developer to run it, answers the
    provider's protocol with the configured account and token."""
    port = free_port()
    env = process_env(app, SMS_ACCOUNT="AC-cli", SMS_TOKEN="tok-cli")
    proc = subprocess.Popen(
        flask_cmd("sms-simulator", "--port", str(port)),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/2010-04-01/Accounts/AC-cli/Messages.json"
    form = {"To": "+6281234567890", "From": "SIANTAR", "Body": "Kode OTP 123456"}
    try:

        def answered() -> requests.Response | None:
            try:
                return requests.post(url, data=form, auth=("AC-cli", "tok-cli"), timeout=5)
            except requests.ConnectionError:
                return None

        sent = wait_for(answered, timeout=60, message="the SMS simulator never answered")
        assert sent.status_code == 201 and sent.json()["sid"].startswith("SM")
        refused = requests.post(url, data=form, auth=("AC-cli", "wrong"), timeout=5)
        assert refused.status_code == 401
    finally:
        proc.kill()
        proc.wait(timeout=10)

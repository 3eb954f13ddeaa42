"""SMS go out through the provider's HTTP API (here its local simulator, over loopback), once each."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from gateway import notify
from gateway.db import UnitOfWork
from gateway.notify import Message, deliver
from gateway.sms import create_simulator


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

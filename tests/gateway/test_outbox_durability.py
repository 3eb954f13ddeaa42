"""Issue 13, finding 4: a job is never lost when Redis loses its data. An outbox row stays open until its
job reports done; the sweep looks up rows dispatched RECHECK_AFTER ago that are not done, and dispatches
again those Redis no longer knows. A private redis-server is restarted empty mid-flight (the shared one
is never touched)."""

from __future__ import annotations

from sqlalchemy import update

from gateway import outbox
from gateway.db import UnitOfWork, utcnow
from gateway.outbox import OutboxJob
from tests.gateway.support import SpareRedis, other_app, process_env, run_worker_burst
from tests.gateway.test_queue import _messages, _outbox_rows


def _age_dispatched_rows(app, *, undo_done: bool = False) -> None:
    """The sweep re-checks rows dispatched RECHECK_AFTER ago: this test moves them back in time."""
    values = {"dispatched_at": utcnow() - outbox.RECHECK_AFTER * 2}
    if undo_done:
        values["done_at"] = None
    with app.app_context(), UnitOfWork() as uow:
        uow.session.execute(update(OutboxJob).where(OutboxJob.dispatched_at.is_not(None)).values(**values))
        uow.commit()


def test_a_job_lost_with_redis_data_is_dispatched_again_and_runs_once(app, citizen, tmp_path):
    phone = "+6281255550041"
    citizen(phone=phone)
    spare = SpareRedis(tmp_path)
    spare.start()
    try:
        with other_app(app, REDIS_URL=spare.url) as api:
            r = api.test_client().post("/api/v1/auth/password-reset", json={"login": "081255550041"})
            assert r.status_code == 202, r.json
            [row] = _outbox_rows(app)
            assert row.job == "gateway.notify:deliver" and row.dispatched_at is not None
            assert row.done_at is None

            # Redis restarts empty before any worker took the job: RQ no longer knows it.
            spare.stop()
            spare.start()
            env = process_env(app, REDIS_URL=spare.url)
            assert run_worker_burst(env).returncode == 0
            [message] = _messages(app, phone)
            assert message.status == "queued"  # lost, as it was before the fix

            with api.app_context():
                assert outbox.sweep() == 0  # not yet due for a re-check
            _age_dispatched_rows(app)
            with api.app_context():
                assert outbox.sweep() == 1  # dispatched again
            done = run_worker_burst(env)
            assert done.returncode == 0, done.stderr
            [message] = _messages(app, phone)
            assert message.status == "sent"
            sent_at = message.sent_at
            [row] = _outbox_rows(app)
            assert row.done_at is not None and row.attempts == 1

            # Done rows are never dispatched again, whatever Redis forgets.
            spare.stop()
            spare.start()
            _age_dispatched_rows(app)
            with api.app_context():
                assert outbox.sweep() == 0

            # A job that ran but whose "done" was lost runs again harmlessly: its effect happens once.
            _age_dispatched_rows(app, undo_done=True)
            with api.app_context():
                assert outbox.sweep() == 1
            assert run_worker_burst(env).returncode == 0
            [message] = _messages(app, phone)
            assert (message.status, message.sent_at) == ("sent", sent_at)
            assert _outbox_rows(app)[0].done_at is not None
    finally:
        if spare.is_up():
            spare.stop()

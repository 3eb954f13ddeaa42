"""The module declaration: jobs and events by reference, checked at start-up and when published."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway import events, outbox
from gateway import queue as q
from gateway.db import UnitOfWork
from gateway.kernel.modules import (
    Event,
    ModuleError,
    Periodic,
    ServiceModule,
    Subscription,
    build_registry,
)
from tests.gateway import slowjobs

BORN = Event("registry.born", fields=("birth_id",))
PUBLISHER = ServiceModule(name="registry", events=(BORN,))
LISTENER = ServiceModule(
    name="listener",
    jobs=(slowjobs.on_event,),
    subscriptions=(Subscription("registry.born", slowjobs.on_event),),
)


def test_a_subscription_to_an_undeclared_event_fails_at_start_up():
    stray = ServiceModule(
        name="listener",
        jobs=(slowjobs.on_event,),
        subscriptions=(Subscription("registry.borned", slowjobs.on_event),),
    )
    with pytest.raises(ModuleError, match="registry.borned"):
        build_registry([PUBLISHER, stray])


def test_a_subscribed_job_must_be_declared_by_its_module():
    sloppy = ServiceModule(name="listener", subscriptions=(Subscription("registry.born", slowjobs.on_event),))
    with pytest.raises(ModuleError, match="without declaring the job"):
        build_registry([PUBLISHER, sloppy])


def test_an_event_is_named_after_the_module_that_declares_it():
    with pytest.raises(ModuleError, match="events are named"):
        build_registry([ServiceModule(name="other", events=(BORN,))])


def test_jobs_are_references_a_worker_can_import():
    with pytest.raises(TypeError, match="by reference"):
        q.job_path("tests.gateway.slowjobs:note")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="module-level"):
        q.job_path(lambda: None)
    with pytest.raises(TypeError, match="module-level"):
        build_registry([ServiceModule(name="x", periodic=(Periodic(lambda: None, every=5),))])
    assert q.job_path(slowjobs.note) == "tests.gateway.slowjobs:note"


def test_publishing_an_undeclared_event_or_other_fields_fails(app, monkeypatch):
    monkeypatch.setitem(app.extensions, "modules", build_registry([PUBLISHER, LISTENER]))
    with app.app_context(), UnitOfWork() as uow:
        with pytest.raises(events.UndeclaredEvent, match="not declared"):
            events.publish(uow, "registry.died", birth_id="b1")
        with pytest.raises(events.UndeclaredEvent, match="carries"):
            events.publish(uow, BORN, birth_id="b1", extra="x")
        assert list(uow.session.scalars(select(outbox.OutboxJob))) == []


def test_a_declared_event_queues_one_job_per_subscriber_with_its_fields(app, monkeypatch):
    monkeypatch.setitem(app.extensions, "modules", build_registry([PUBLISHER, LISTENER]))
    with app.app_context(), UnitOfWork() as uow:
        events.publish(uow, BORN, birth_id="b1")
        rows = list(uow.session.scalars(select(outbox.OutboxJob)))
        assert [(r.job, r.kwargs) for r in rows] == [
            ("tests.gateway.slowjobs:on_event", {"event": "registry.born", "birth_id": "b1"})
        ]


def test_the_app_declares_adminduk_events_and_the_periodic_jobs(app):
    registry = app.extensions["modules"]
    assert registry.events["adminduk.birth_registered"].fields == ("birth_id",)
    assert registry.events["adminduk.application_approved"].fields == ("application_id", "kind")
    assert {p.path: p.every for p in registry.periodic} == {
        "gateway.outbox:sweep": 10,
        "services.complaints.jobs:sweep": 300,
        "services.payments.jobs:expire_invoices": 60,
        "services.parking.jobs:pseudonymise": 3600,
        "services.payments.jobs:poll_acquirer": 60,
        "services.payments.jobs:reconcile_daily": 3600,
        "services.parking.jobs:reconcile_nightly": 3600,
        "services.parking.jobs:remind_subscriptions": 3600,
        "services.permits.jobs:sla_sweep": 300,
        "services.permits.jobs:expiry_reminders": 86400,
        "services.permits.jobs:reconcile_oss": 86400,
    }

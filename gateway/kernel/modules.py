"""The one declaration each service makes, and the install step that the app, worker and seeders share.

A service's ``__init__.py`` declares ``MODULE = ServiceModule(...)`` and does nothing else at import
time; ``services/__init__.py`` lists the modules once; ``gateway.app`` installs them with ``install()``.
Everything is wired by reference (blueprints, job functions, seeders), so a typo fails at start-up or in
a test, not in a worker at three in the morning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from flask import Flask

from gateway.extensions import Api, Blueprint
from gateway.queue import Periodic, job_path


@dataclass(frozen=True)
class Event:
    """A cross-service event: its name (``<service>.<what happened>``) and the id fields it carries."""

    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Subscription:
    """Run ``job(event=<name>, **fields)`` after the event's transaction commits."""

    event: str
    job: Callable[..., Any]


@dataclass(frozen=True)
class UrlRule:
    """A plain Flask route outside flask-smorest (well-known documents, protocol catch-alls)."""

    rule: str
    endpoint: str
    view: Callable[..., Any]
    methods: tuple[str, ...] = ("GET",)


@dataclass(frozen=True)
class Seeders:
    """Reference data (kept between tests, run by every seed) and demo data (``flask seed-demo``)."""

    reference: Callable[[], None] | None = None
    demo: Callable[[], None] | None = None


@dataclass(frozen=True)
class ServiceModule:
    """Everything the app, the worker and the seeders need from one service (or the gateway itself)."""

    name: str
    blueprints: tuple[Blueprint, ...] = ()
    jobs: tuple[Callable[..., Any], ...] = ()
    periodic: tuple[Periodic, ...] = ()
    events: tuple[Event, ...] = ()  # the events this module publishes
    subscriptions: tuple[Subscription, ...] = ()
    seeders: Seeders = field(default_factory=Seeders)
    error_renderers: Mapping[str, Callable[..., Any]] = field(default_factory=lambda: MappingProxyType({}))
    url_rules: tuple[UrlRule, ...] = ()
    warm_up: tuple[Callable[[], Any], ...] = ()  # run by the worker once, before its first job
    commands: tuple[Any, ...] = ()  # click commands added to `flask --app wsgi …` (e.g. a simulator)


class ModuleError(RuntimeError):
    """A module declaration that cannot work (undeclared event, job that does not import …)."""


@dataclass(frozen=True)
class Registry:
    """What install() derived from the modules; stored in ``app.extensions["modules"]``."""

    modules: tuple[ServiceModule, ...]
    jobs: Mapping[str, Callable[..., Any]]
    events: Mapping[str, Event]
    subscribers: Mapping[str, tuple[Callable[..., Any], ...]]
    periodic: tuple[Periodic, ...]

    def seeders(self, kind: str) -> list[Callable[[], None]]:
        """The modules' reference or demo seeders, in the order the modules are listed."""
        found = (getattr(m.seeders, kind) for m in self.modules)
        return [s for s in found if s is not None]


def build_registry(modules: Iterable[ServiceModule]) -> Registry:
    """Check the declarations against each other and index them; raises ModuleError on any mismatch."""
    modules = tuple(modules)
    names = [m.name for m in modules]
    if len(set(names)) != len(names):
        raise ModuleError(f"module declared twice: {names}")
    jobs: dict[str, Callable[..., Any]] = {}
    for module in modules:
        for job in (*module.jobs, *(p.job for p in module.periodic), *(s.job for s in module.subscriptions)):
            jobs[job_path(job)] = job  # job_path() fails fast when the function cannot be imported
    events: dict[str, Event] = {}
    for module in modules:
        for event in module.events:
            if not event.name.startswith(f"{module.name}."):
                raise ModuleError(f"{module.name} declares {event.name}: events are named <module>.<what>")
            if event.name in events:
                raise ModuleError(f"event {event.name} declared twice")
            events[event.name] = event
    subscribers: dict[str, list[Callable[..., Any]]] = {}
    for module in modules:
        for sub in module.subscriptions:
            if sub.event not in events:
                raise ModuleError(f"{module.name} subscribes to {sub.event}, which no module declares")
            if sub.job not in module.jobs:
                raise ModuleError(f"{module.name} subscribes {job_path(sub.job)} without declaring the job")
            subscribers.setdefault(sub.event, []).append(sub.job)
    return Registry(
        modules=modules,
        jobs=MappingProxyType(jobs),
        events=MappingProxyType(events),
        subscribers=MappingProxyType({k: tuple(v) for k, v in subscribers.items()}),
        periodic=tuple(p for m in modules for p in m.periodic),
    )


def install(app: Flask, api: Api, modules: Iterable[ServiceModule]) -> Registry:
    """Register every module's routes and error renderers, and keep the registry for the worker."""
    registry = build_registry(modules)
    renderers = app.extensions.setdefault("error_renderers", {})
    for module in registry.modules:
        for blp in module.blueprints:
            api.register_blueprint(blp)
        for rule in module.url_rules:
            app.add_url_rule(rule.rule, rule.endpoint, rule.view, methods=list(rule.methods))
        renderers.update(module.error_renderers)
    app.extensions["modules"] = registry
    return registry


def registry_of(app: Flask) -> Registry:
    return app.extensions["modules"]

"""The city's services; each registers its blueprints, events, periodic jobs and seeders."""

from __future__ import annotations

import importlib

from gateway.extensions import Api

SERVICES: tuple[str, ...] = ("adminduk", "complaints")


def register_all(api: Api) -> None:
    """Each service's register(api); its optional seed_reference()/seed_demo() go into app.extensions
    so the CLI and tests can run them without the gateway importing services."""
    app = api._app  # type: ignore[attr-defined]
    for name in SERVICES:
        module = importlib.import_module(f"services.{name}")
        module.register(api)
        for hook in ("seed_reference", "seed_demo"):
            if hasattr(module, hook):
                app.extensions.setdefault(hook, []).append(getattr(module, hook))

"""Settings for service code: one accessor instead of `current_app.config[...]` inside the rules."""

from __future__ import annotations

from typing import Any

from flask import current_app


def setting(name: str) -> Any:
    """A value of gateway.config.Config (environment variables, section 7 of DESIGN.md)."""
    return current_app.config[name]


def region_code() -> str:
    """The city's Kemendagri code, config REGION_CODE (12.72: Kota Pematangsiantar)."""
    return current_app.config["REGION_CODE"]

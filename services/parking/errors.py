"""Errors of the parking service: the stable reasons a handheld, the citizen's app or Dishub switch on."""

from __future__ import annotations

from typing import Any

from gateway.errors import Conflict, Forbidden, NotFound, ValidationFailed


def invalid(field: str, message: str, reason: str) -> ValidationFailed:
    """A 422 naming the field, in the one error body."""
    return ValidationFailed(message, reason=reason, errors={"json": {field: [message]}})


class ZoneNotFound(NotFound):
    reason = "zone_not_found"


class ZoneExists(Conflict):
    reason = "zone_exists"


class InvalidGeometry(ValidationFailed):
    reason = "invalid_geometry"


class TariffVersionExists(Conflict):
    reason = "tariff_version_exists"


class DeviceExists(Conflict):
    reason = "device_exists"


class ZoneNotAssigned(Forbidden):
    """The attendant is not assigned to this zone at this time (his handheld shows the zones he has)."""

    reason = "zone_not_assigned"

    def __init__(self, zone_code: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(
            f"You are not assigned to zone {zone_code} at this time",
            extra={"zone_code": zone_code, **(extra or {})},
        )


class SessionNotFound(NotFound):
    reason = "session_not_found"


class SessionIdConflict(Conflict):
    """The handheld reused a session id for another visit (a retry of the same visit is fine)."""

    reason = "session_id_conflict"


class SessionAlreadyOpen(Conflict):
    """This plate has an open session in this zone already: end it, or show its QRIS again."""

    reason = "session_already_open"


class InvalidPhoto(ValidationFailed):
    reason = "invalid_photo"


class PlateRegistered(Conflict):
    reason = "plate_registered"

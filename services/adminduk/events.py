"""The events adminduk publishes (declared in MODULE; other services subscribe to them by name)."""

from __future__ import annotations

from gateway.kernel.modules import Event

BIRTH_REGISTERED = Event("adminduk.birth_registered", fields=("birth_id",))
DEATH_REGISTERED = Event("adminduk.death_registered", fields=("death_id",))
APPLICATION_APPROVED = Event("adminduk.application_approved", fields=("application_id", "kind"))

EVENTS = (BIRTH_REGISTERED, DEATH_REGISTERED, APPLICATION_APPROVED)

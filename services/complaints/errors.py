"""Errors of the complaints service (stable reasons a mobile app can switch on)."""

from __future__ import annotations

from gateway.errors import ValidationFailed


class EmergencyCall112(ValidationFailed):
    """Fire, crime and medical emergencies are not complaints: call 112."""

    reason = "emergency_call_112"

    def __init__(self, category: str) -> None:
        super().__init__(
            "Ini keadaan darurat: segera hubungi 112 (layanan darurat 24 jam). "
            "This is an emergency: call 112 now.",
            extra={"call": "112", "category": category},
        )


class InvalidPhoto(ValidationFailed):
    reason = "invalid_photo"

"""The permits service's refusals, each with a stable snake_case reason."""

from __future__ import annotations

from gateway.errors import Conflict, NotFound, ValidationFailed


class ApplicationNotFound(NotFound):
    reason = "application_not_found"


class PermitNotFound(NotFound):
    reason = "permit_not_found"


class OssCallNotFound(NotFound):
    reason = "oss_call_not_found"


class WrongState(Conflict):
    reason = "wrong_state"


class UnknownPermitType(ValidationFailed):
    reason = "unknown_permit_type"


class InvalidApplicationData(ValidationFailed):
    reason = "invalid_application_data"

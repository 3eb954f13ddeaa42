"""Adminduk's errors: a report refused for one or more reasons, listed all at once."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.errors import ServiceError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a report: HTTP status, stable reason, the field it is about, a message."""

    status: int
    reason: str
    field: str
    message: str


class ReportRejected(ServiceError):
    """A birth or death report that breaks a rule; nothing was written.

    The status is the most specific one (403 for a facility mismatch, else 422); every problem is
    listed in `errors.json` (and in `problems`), and the FHIR endpoint turns them into issues.
    """

    code, reason = 422, "report_rejected"

    def __init__(self, problems: list[Problem]) -> None:
        assert problems
        ordered = sorted(problems, key=lambda p: 0 if p.status == 403 else 1)
        first = ordered[0]
        errors: dict[str, list[str]] = {}
        for problem in ordered:
            errors.setdefault(problem.field, []).append(problem.message)
        super().__init__(
            first.message
            if len(ordered) == 1
            else f"{len(ordered)} problems: " + "; ".join(p.message for p in ordered),
            reason=first.reason,
            errors={"json": errors},
            extra={
                "problems": [{"reason": p.reason, "field": p.field, "message": p.message} for p in ordered]
            },
        )
        self.code = first.status
        self.problems = ordered

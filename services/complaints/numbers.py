"""Complaint numbers: YYMMDD + daily serial (≥ 4 digits) + a Verhoeff check digit, e.g. 26112304277.

Verhoeff catches every single mistyped digit and every adjacent transposition, which is what goes
wrong when a number is read over the phone or typed into an SMS.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from gateway.db import UnitOfWork
from gateway.kernel import clock, counters

_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)

NUMBER_RE = re.compile(r"^\d{11,13}$")
# A complaint number inside free text (an SMS): 11–13 digits not part of a longer digit run.
NUMBER_IN_TEXT_RE = re.compile(r"(?<!\d)(\d{11,13})(?!\d)")


class InvalidNumber(ValueError):
    pass


def check_digit(digits: str) -> str:
    """The Verhoeff check digit to append to `digits`."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + 1) % 8][int(ch)]]
    return str(_INV[c])


def is_valid_checksum(number: str) -> bool:
    c = 0
    for i, ch in enumerate(reversed(number)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c == 0


def format_number(day: date, serial: int) -> str:
    body = f"{day:%y%m%d}{serial:04d}"
    return body + check_digit(body)


def parse(raw: str) -> str:
    """Normalise (spaces/dashes dropped) and validate a complaint number; InvalidNumber otherwise."""
    number = re.sub(r"[\s\-.]", "", raw or "")
    if not NUMBER_RE.match(number):
        raise InvalidNumber("A complaint number has 11 digits")
    if not is_valid_checksum(number):
        raise InvalidNumber("Check digit does not match: the number was mistyped")
    try:
        datetime.strptime(number[:6], "%y%m%d")
    except ValueError as exc:
        raise InvalidNumber("Not a complaint number (no such date)") from exc
    return number


def local_day(moment: datetime) -> date:
    return clock.local(moment).date()


def next_number(uow: UnitOfWork, *, now: datetime) -> str:
    """Mint the next number of the local day; concurrency-safe (kernel counter per day, one upsert)."""
    day = local_day(now)
    return format_number(day, counters.next_value(uow, "complaints", day.isoformat()))


def current_serial(uow: UnitOfWork, day: date) -> int:
    return counters.current_value(uow, "complaints", day.isoformat())

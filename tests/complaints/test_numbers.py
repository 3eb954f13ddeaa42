"""Complaint numbers: Verhoeff check digit, parsing, and a concurrency-safe daily serial."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from gateway.auth import Principal
from gateway.db import UnitOfWork
from services.complaints import numbers, service
from tests.complaints.conftest import at


def test_format_is_yymmdd_serial_and_check_digit():
    # DESIGN.md's illustrative 26112304277 carries a made-up last digit: Verhoeff (and Damm) give 8.
    number = numbers.format_number(date(2026, 11, 23), 427)
    assert number == "26112304278"
    assert numbers.is_valid_checksum(number)
    assert numbers.format_number(date(2026, 11, 23), 12345)[:11] == "26112312345"  # grows past 9999


def test_every_single_digit_error_and_adjacent_transposition_is_caught():
    for serial in (1, 427, 9999):
        good = numbers.format_number(date(2026, 11, 23), serial)
        for i in range(len(good)):
            for d in "0123456789":
                if d != good[i]:
                    assert not numbers.is_valid_checksum(good[:i] + d + good[i + 1 :])
        for i in range(len(good) - 1):
            swapped = good[:i] + good[i + 1] + good[i] + good[i + 2 :]
            if swapped != good:
                assert not numbers.is_valid_checksum(swapped)


@pytest.mark.parametrize("raw", ["", "abc", "2611230427", "26112304277", "26133104275x", "99999999999"])
def test_parse_rejects_malformed_or_mistyped(raw):
    with pytest.raises(numbers.InvalidNumber):
        numbers.parse(raw)


def test_parse_accepts_spaces_and_dashes():
    number = numbers.format_number(date(2026, 11, 23), 427)
    assert numbers.parse(f"{number[:6]} {number[6:10]}-{number[10]}") == number


def test_concurrent_filings_get_distinct_consecutive_numbers(app, citizen):
    me = citizen()
    principal = Principal(kind="citizen", id=me["account"].id, role="citizen", resident_id=me["resident"].id)
    when = at(2026, 11, 24, 10)
    got: list[str] = []
    errors: list[BaseException] = []

    def file_one() -> None:
        try:
            with app.app_context():
                c = service.create_complaint(
                    UnitOfWork(),
                    principal=principal,
                    category_code="sampah",
                    description="Sampah",
                    lat=2.96,
                    lon=99.06,
                    now=when,
                )
                got.append(c.number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=file_one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(set(got)) == 12
    assert sorted(int(n[6:10]) for n in got) == list(range(1, 13))
    with app.app_context(), UnitOfWork() as uow:
        assert numbers.current_serial(uow, date(2026, 11, 24)) == 12


def test_a_new_local_day_starts_a_new_serial(app, citizen):
    me = citizen()
    principal = Principal(kind="citizen", id=me["account"].id, role="citizen", resident_id=me["resident"].id)
    with app.app_context():
        # 23:30 WIB on the 24th and 00:30 WIB on the 25th (17:30 UTC on the 24th)
        a = service.create_complaint(
            UnitOfWork(),
            principal=principal,
            category_code="sampah",
            description="a",
            lat=2.96,
            lon=99.06,
            now=at(2026, 11, 24, 23, 30),
        )
        b = service.create_complaint(
            UnitOfWork(),
            principal=principal,
            category_code="sampah",
            description="b",
            lat=2.96,
            lon=99.06,
            now=at(2026, 11, 25, 0, 30),
        )
    assert a.number[:6] == "261124" and b.number[:6] == "261125" and b.number[6:10] == "0001"


def test_machine_client_needs_open311_scope(app, machine_client):
    from gateway.errors import Forbidden

    without = Principal(kind="client", id="c1", role="client", scopes=frozenset({"births:write"}))
    with app.app_context(), pytest.raises(Forbidden):
        service.create_complaint(
            UnitOfWork(), principal=without, category_code="sampah", description="x", lat=2.96, lon=99.06
        )
    client = Principal(kind="client", id="c2", role="client", scopes=frozenset({"open311:write"}))
    with app.app_context():
        c = service.create_complaint(
            UnitOfWork(),
            principal=client,
            category_code="sampah",
            description="x",
            lat=2.96,
            lon=99.06,
            reporter_email="warga@example.com",
        )
    assert c.channel == "open311" and c.filed_by_client_id == "c2"


def test_demo_seed_is_idempotent(app, client, desk):
    from services.complaints.seed import seed_demo

    with app.app_context():
        seed_demo()
        seed_demo()
    queue = client.get("/api/v1/complaints/queue", headers=desk["headers"]).json
    assert sorted(c["category_code"] for c in queue) == ["jalan_rusak", "lampu_jalan", "sampah"]

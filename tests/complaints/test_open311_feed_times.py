"""The Open311 list formats its timestamps in the database (a 1,000-row page carries strings); they
must be exactly what the rest of the API writes for the same moments (schemas.w3c, WIB, to the second)."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.kernel import clock
from services.complaints.schemas import w3c


def test_feed_timestamps_match_the_api_to_the_second(client, citizen, file_complaint):
    me = citizen()
    # A moment with a fraction of a second: it must be cut the same way, never rounded up.
    with clock.frozen(datetime(2026, 11, 23, 16, 59, 59, 987654, tzinfo=UTC)):
        created = file_complaint(me["headers"]).json
    feed = client.get("/open311/v2/requests.json?start_date=2026-11-01T00:00:00Z").json
    item = next(i for i in feed if i["service_request_id"] == created["number"])
    assert item["requested_datetime"] == "2026-11-23T23:59:59+07:00"
    assert item["updated_datetime"] == item["requested_datetime"]
    assert item["expected_datetime"] == created["answer_due_at"]
    assert created["answer_due_at"] == w3c(datetime.fromisoformat(created["answer_due_at"]))
    single = client.get(f"/open311/v2/requests/{created['number']}.json").json[0]
    assert single == item

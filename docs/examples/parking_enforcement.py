#!/usr/bin/env python3
"""The enforcement check for Dishub officers: is this plate allowed here, now? Until when, and why?

Standard library only (urllib), Python 3.9+. Signs in as a Dishub officer and asks
POST /api/v1/parking/enforcement/check with the plate and either the officer's GPS position (the zone is
found from it, with a few metres of tolerance) or a zone code.

Against `make run` (demo officer dishub.officer):

    python3 docs/examples/parking_enforcement.py "BK 1234 ABC" --lat 2.95915 --lon 99.0685
    python3 docs/examples/parking_enforcement.py "BK 1234 ABC" --zone SUTOMO-1
    python3 docs/examples/parking_enforcement.py "BK 1234 ABC" --zone SUTOMO-1 --at 2026-12-02T08:00:00+07:00

Exit status: 0 allowed, 2 not allowed, 1 the check itself was refused (unknown plate format, no zone here).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request


def call(base: str, path: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST")  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plate")
    parser.add_argument("--zone")
    parser.add_argument("--lat", type=float)
    parser.add_argument("--lon", type=float)
    parser.add_argument("--at", help="ISO 8601 moment with offset (default: now)")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="dishub.officer")
    parser.add_argument("--password", default="siantar-demo-2026")
    args = parser.parse_args()
    base = args.base.rstrip("/")

    status, login = call(base, "/api/v1/auth/login", {"username": args.user, "password": args.password})
    if status != 200:
        print(f"login refused: {login.get('reason')}")
        return 1
    body = {"plate": args.plate, "zone_code": args.zone, "lat": args.lat, "lon": args.lon, "at": args.at}
    status, result = call(base, "/api/v1/parking/enforcement/check", body, login["access_token"])
    if status != 200:
        print(f"check refused ({status} {result.get('reason')}): {result.get('message')}")
        return 1
    verdict = "ALLOWED" if result["allowed"] else "NOT ALLOWED"
    if result["allowed"]:
        until = f" until {result['until']}" if result["until"] else " (open visit)"
    else:
        until = f" (expired at {result['until']})" if result["until"] else ""
    print(
        f"{result['plate']} in {result['zone_code']} ({result['zone_name']}): {verdict}{until} — {result['reason']}"
    )
    if result["session"]:
        s = result["session"]
        print(
            f"  visit {s['reference']} from {s['started_at']} to {s['ended_at'] or '…'}, {s['payment_state']}"
        )
    if result["other_zone"]:
        print(f"  has an open visit in {result['other_zone']}")
    return 0 if result["allowed"] else 2


if __name__ == "__main__":
    sys.exit(main())

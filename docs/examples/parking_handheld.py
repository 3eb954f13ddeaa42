#!/usr/bin/env python3
"""A parking attendant's handheld against the Pematang Siantar API, made for bad signal.

Standard library only (urllib), Python 3.9+. What it does, the way a handheld app should:

  1. sign in as the attendant (staff username + password) and read the zones assigned now;
  2. start a visit with a UUID made on the device (a retry with the same UUID is the same visit, never a
     second one), print the receipt and the dynamic QRIS the driver scans (exact amount; 62/05 = the
     visit's reference on the receipt, 62/07 = the device);
  3. wait for the payment with a long-poll (GET …/payment?wait=20): the visit is paid only when payments
     has the acquirer's confirmation — never by cash. With --pay, this script also plays the driver: his
     wallet pays the QRIS at the acquirer simulator that `make run` starts (port 8040), which sends
     payments its signed notification;
  4. with --offline N, upload N visits "captured without signal" in one batch with the device's times;
     the good ones are kept, each refused one comes back with its reason.

Against `make run` (demo attendant jukir.01 in zone SUTOMO-1, handheld HH-SIANTAR-0001):

    python3 docs/examples/parking_handheld.py --plate "bk 1234 abc" --class car --pay
    python3 docs/examples/parking_handheld.py --plate "bk 1234 abc" --class car --wait 5
    python3 docs/examples/parking_handheld.py --offline 3
    python3 docs/examples/parking_handheld.py --base http://127.0.0.1:8010 --wait 0

Exit status 0 when the visit was recorded (paid or not yet), 1 when the API refused it.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7))


class ApiError(Exception):
    def __init__(self, status: int, body: dict) -> None:
        super().__init__(f"{status} {body.get('reason')}: {body.get('message')}")
        self.status, self.body = status, body


def call(
    base: str, method: str, path: str, body: dict | None = None, token: str | None = None, timeout: float = 30
):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raise ApiError(error.code, json.loads(error.read() or b"{}")) from None


def start_visit(base: str, token: str, visit: dict, attempts: int = 3) -> dict:
    """POST the visit; on a network error send the same body again (same UUID: never a second visit)."""
    for _ in range(attempts):
        try:
            status, body = call(base, "POST", "/api/v1/parking/sessions", visit, token)
            print(f"start: {status} ({'new visit' if status == 201 else 'the same visit again'})")
            return body
        except (urllib.error.URLError, TimeoutError) as error:
            print(f"network error ({error}); retrying with the same id", file=sys.stderr)
    raise SystemExit("no signal: keep the visit and upload it later in a batch (--offline)")


def wallet_pays(simulator: str, qris: str) -> None:
    """The driver's wallet scans the QR and pays at the acquirer (here: the simulator `make run` starts)."""
    request = urllib.request.Request(  # noqa: S310 - the local acquirer simulator
        simulator.rstrip("/") + "/_sim/pay",
        data=json.dumps({"qris": qris}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        paid = json.loads(response.read())
    print(
        f"wallet: paid Rp{paid['amount']:,} for {paid['partnerReferenceNo']} (acquirer ref {paid['referenceNo']})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="jukir.01")
    parser.add_argument("--password", default="siantar-demo-2026")
    parser.add_argument("--device", default="HH-SIANTAR-0001")
    parser.add_argument("--plate", default="BK 1234 ABC")
    parser.add_argument("--class", dest="vehicle_class", default="car")
    parser.add_argument("--wait", type=float, default=20, help="seconds to wait for the payment (0: do not)")
    parser.add_argument("--offline", type=int, default=0, help="upload N offline visits instead")
    parser.add_argument("--pay", action="store_true", help="play the driver: pay the QRIS at the simulator")
    parser.add_argument("--simulator", default="http://127.0.0.1:8040", help="the acquirer simulator's URL")
    args = parser.parse_args()
    base = args.base.rstrip("/")

    _, login = call(base, "POST", "/api/v1/auth/login", {"username": args.user, "password": args.password})
    token = login["access_token"]
    _, mine = call(base, "GET", "/api/v1/parking/me/zones", token=token)
    if not mine["zones"]:
        print("not assigned to any zone now")
        return 1
    zone = mine["zones"][0]
    print(f"zones now: {', '.join(mine['zones'])}")

    if args.offline:
        now = datetime.now(WIB)
        items = [
            {
                "id": str(uuid.uuid4()),
                "zone_code": zone,
                "device_id": args.device,
                "plate": f"BK {100 + i} OFF",
                "vehicle_class": "motorcycle",
                "started_at": (now - timedelta(hours=2, minutes=-10 * i)).isoformat(),
                "ended_at": (now - timedelta(hours=1, minutes=-10 * i)).isoformat(),
            }
            for i in range(args.offline)
        ]
        items.append({**items[0], "id": str(uuid.uuid4()), "plate": "XX 1 A"})  # a typo the server refuses
        _, result = call(base, "POST", "/api/v1/parking/sessions/batch", {"items": items}, token)
        for item in result["accepted"]:
            print(
                f"kept    #{item['index']} {item['reference']} ({'new' if item['created'] else 'already there'})"
            )
        for item in result["rejected"]:
            print(f"refused #{item['index']} {item['reason']}: {item['message']}")
        return 0

    visit = {
        "id": str(uuid.uuid4()),
        "zone_code": zone,
        "device_id": args.device,
        "plate": args.plate,
        "vehicle_class": args.vehicle_class,
    }
    try:
        session = start_visit(base, token, visit)
    except ApiError as error:
        print(f"refused: {error}")
        return 1
    _, receipt = call(base, "GET", f"/api/v1/parking/sessions/{session['id']}/receipt", token=token)
    print(receipt["printable"])
    if session["qris"]:
        print(
            f"QRIS (show as a QR code, Rp{session['amount']}, reference {session['reference']}): {session['qris']}"
        )
        if args.pay:
            wallet_pays(args.simulator, session["qris"])
    else:
        print(f"no QRIS: {session['payment_state']}")
    if args.wait and session["payment_state"] == "unpaid":
        path = f"/api/v1/parking/sessions/{session['id']}/payment?wait={args.wait}"
        _, status = call(base, "GET", path, token=token, timeout=args.wait + 10)
        print(
            f"payment: {status['payment_state']}" + (f" at {status['paid_at']}" if status["paid_at"] else "")
        )
    _, ended = call(base, "POST", f"/api/v1/parking/sessions/{session['id']}/end", {}, token)
    print(f"ended at {ended['ended_at']}; receipt code {ended['receipt_code']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

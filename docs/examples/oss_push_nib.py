#!/usr/bin/env python3
"""Push NIBs to the permits API the way OSS-RBA does (PIA v4.3), and show each answer.

Standard library only. It signs the push itself (Token = SHA1(username + password + nib + Ymd), the
date in Asia/Jakarta), so it needs no simulator; the statuses we push back go to OSS_BASE_URL (run the
simulator to see them: `flask --app wsgi oss-simulator`).

Against `make run` (the development OSS credentials are the defaults):

    python3 docs/examples/oss_push_nib.py
    python3 docs/examples/oss_push_nib.py --owner-nik 1272010807929001   # OSS names Budi responsible
    python3 docs/examples/oss_push_nib.py --base http://127.0.0.1:8010

It pushes: a NIB with a PBG checklist item (accepted), the same push again (accepted as a duplicate),
then a bad token, a 12-digit NIB, a 4-digit KBLI, an unknown kd_izin and another region's checklist
(each refused with status "2"). Exit status 0 when every answer is the one the contract promises.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7))
PBG = "032000000024"


def token(username: str, password: str, nib: str) -> str:
    day = datetime.now(WIB).strftime("%Y%m%d")
    return hashlib.sha1(f"{username}{password}{nib}{day}".encode()).hexdigest()  # noqa: S324 - the protocol


def data_nib(
    nib: str, *, kd_izin: str = PBG, kbli: str = "41011", kd_daerah: str = "1272", owner: str | None = None
) -> dict:
    today = datetime.now(WIB).date().isoformat()
    project = {
        "id_proyek": f"R-{nib}",
        "kbli": kbli,
        "skala_resiko": "MT",
        "uraian_usaha": "Konstruksi gedung",
    }
    return {
        "nib": nib,
        "oss_id": f"P-{nib}",
        "npwp_perseroan": "012345678901000",
        "nama_perseroan": "CV SIANTAR MAJU BERSAMA",
        "alamat": "Jl. Merdeka No. 45, Pematangsiantar",
        "kd_daerah": "1272",
        "kewenangan": "02",
        "skala_usaha": "02",
        "status_nib": "01",
        "tgl_terbit_nib": today,
        "data_proyek": [project],
        "data_checklist": [
            {
                "id_izin": f"I-{nib}",
                "kd_izin": kd_izin,
                "jenis_izin": "01",
                "kd_daerah": kd_daerah,
                "kewenangan": "02",
                "flag_checklist": "Y",
                "id_proyek": project["id_proyek"],
            }
        ],
        "penanggung_jwb": [{"no_identitas_penanggung_jwb": owner, "nama_penanggung_jwb": "PEMILIK"}]
        if owner
        else [],
    }


def push(base: str, body: dict, tok: str) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - the operator's URL
        f"{base.rstrip('/')}/api/v1/permits/oss/receiveNIB",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Token": tok},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="siantar-pia")
    parser.add_argument("--password", default="dev-oss-password")
    parser.add_argument("--owner-nik", default=None, help="NIK OSS names as the person responsible")
    args = parser.parse_args()
    nib = "8" + "".join(str(secrets.randbelow(10)) for _ in range(12))
    sign = lambda n: token(args.username, args.password, n)  # noqa: E731
    cases = [
        (
            "a NIB with a PBG checklist item",
            {"dataNIB": data_nib(nib, owner=args.owner_nik)},
            sign(nib),
            200,
            "1",
        ),
        (
            "the same push again (OSS retries)",
            {"dataNIB": data_nib(nib, owner=args.owner_nik)},
            sign(nib),
            200,
            "1",
        ),
        ("a bad Token", {"dataNIB": data_nib(nib)}, "0" * 40, 401, "2"),
        ("a 12-digit NIB", {"dataNIB": data_nib(nib[:12])}, sign(nib[:12]), 400, "2"),
        ("a 4-digit KBLI", {"dataNIB": data_nib(nib, kbli="4101")}, sign(nib), 400, "2"),
        ("an unknown kd_izin", {"dataNIB": data_nib(nib, kd_izin="999999999999")}, sign(nib), 422, "2"),
        ("another region's checklist", {"dataNIB": data_nib(nib, kd_daerah="1271")}, sign(nib), 422, "2"),
    ]
    ok = True
    print(f"NIB {nib}")
    for what, body, tok, want_http, want_status in cases:
        status, answer = push(args.base, body, tok)
        inner = (answer or {}).get("responreceiveNIB", {})
        good = status == want_http and inner.get("status") == want_status
        ok &= good
        print(f"{'ok ' if good else 'BAD'} {what}: HTTP {status} {json.dumps(answer, ensure_ascii=False)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Report a birth to the Pematang Siantar API the way a hospital information system (SIMRS) should.

Standard library only (urllib), Python 3.9+. The whole flow:

  1. get an access token with the OAuth2 client-credentials grant (form body);
  2. POST the birth (plain JSON, or an HL7 FHIR R4 Bundle with --fhir; the mother's name and birth date
     are checked against the registry) with an Idempotency-Key, and
     retry network errors, 5xx and 429 with the SAME key and the SAME bytes;
  3. treat 409 duplicate_birth as "already reported" and continue with the existing registration;
  4. poll GET /api/v1/adminduk/births/<id> until the documents are issued or the report is held for
     review; print the child's NIK and the akta number.

Against `make run` (demo client rsud-djasamen, demo mother 1272015203959001):

    python3 docs/examples/hospital_report_birth.py
    python3 docs/examples/hospital_report_birth.py --fhir --order 2 --sex L   # her twin, as FHIR
    python3 docs/examples/hospital_report_birth.py --base http://127.0.0.1:8010  # another server

Exit status: 0 when the birth is registered/issued or waiting for review, 1 when it was refused.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7))
NIK = "https://fhir.kemkes.go.id/id/nik"
NIK_IBU = "https://fhir.kemkes.go.id/id/nik-ibu"
ROLE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"


class ApiError(Exception):
    """A 4xx answer: the body says why (`reason`, or a FHIR OperationOutcome)."""

    def __init__(self, status: int, body: dict):
        super().__init__(f"HTTP {status}: {json.dumps(body, ensure_ascii=False)}")
        self.status, self.body = status, body


class Client:
    """A tiny API client: one cached token, re-fetched when it expires; retries that are safe."""

    def __init__(self, base: str, client_id: str, client_secret: str, attempts: int = 5):
        self.base, self.client_id, self.client_secret = base.rstrip("/"), client_id, client_secret
        self.attempts = attempts
        self.token: str | None = None
        self.token_expires = 0.0

    def _send(self, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, dict, dict]:
        """One request; retries connection errors, 5xx and 429 (honouring Retry-After)."""
        delay = 1.0
        for attempt in range(1, self.attempts + 1):
            # The base URL is the operator's own configuration (http/https), not user input.
            request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    return response.status, dict(response.headers), json.loads(response.read() or b"{}")
            except urllib.error.HTTPError as err:
                payload = json.loads(err.read() or b"{}")
                if err.code == 429 or err.code >= 500:
                    wait = float(err.headers.get("Retry-After") or delay)
                    print(
                        f"  {method} {path}: HTTP {err.code}, retry {attempt} in {wait:.0f}s", file=sys.stderr
                    )
                else:
                    return err.code, dict(err.headers), payload
            except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
                wait = delay
                print(f"  {method} {path}: {err}, retry {attempt} in {wait:.0f}s", file=sys.stderr)
            if attempt == self.attempts:
                break
            time.sleep(min(wait, 60))
            delay *= 2
        raise SystemExit(f"{method} {path}: giving up after {self.attempts} attempts")

    def authenticate(self) -> None:
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            }
        ).encode()
        status, _, body = self._send(
            "POST", "/api/v1/auth/token", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 200:
            raise ApiError(status, body)
        self.token = body["access_token"]
        self.token_expires = time.monotonic() + body["expires_in"] - 30  # renew a little early
        print(f"token: scope={body['scope']!r}, expires_in={body['expires_in']}s")

    def call(
        self,
        method: str,
        path: str,
        payload: dict | None = None,
        *,
        key: str | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, dict, dict]:
        # Serialise once: a retry must send the very same bytes with the same Idempotency-Key.
        body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else None
        for _ in range(2):
            if self.token is None or time.monotonic() > self.token_expires:
                self.authenticate()
            headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
            if body is not None:
                headers["Content-Type"] = content_type
            if key:
                headers["Idempotency-Key"] = key
            status, response_headers, answer = self._send(method, path, body, headers)
            if status == 401 and answer.get("reason") in ("token_expired", "invalid_token", "token_revoked"):
                self.token = None  # fetch a new token once, then repeat the same request
                continue
            return status, response_headers, answer
        return status, response_headers, answer


def birth_json(args: argparse.Namespace) -> dict:
    return {
        "child_name": args.name,
        "sex": args.sex,
        "born_at": args.born_at.isoformat(),
        "birth_place": "PEMATANGSIANTAR",
        "weight_grams": args.weight,
        "length_cm": args.length,
        "multiple_birth_order": args.order,
        "attendant": args.attendant,
        "mother_nik": args.mother_nik,
        # Optional, but worth sending: a mistyped NIK that belongs to another woman is refused
        # (422 mother_mismatch) instead of registering the baby to her.
        "mother_name": args.mother_name or None,
        "mother_birth_date": args.mother_birth_date or None,
        "father_nik": args.father_nik or None,
        "hospital_reference": args.reference,
    }


def birth_bundle(args: argparse.Namespace) -> dict:
    """The same birth as an HL7 FHIR R4 transaction Bundle (SATUSEHAT-style identifiers)."""
    baby, mother, encounter = "urn:uuid:" + _uuid(1), "urn:uuid:" + _uuid(2), "urn:uuid:" + _uuid(5)

    def entry(full_url: str, resource: dict) -> dict:
        return {
            "fullUrl": full_url,
            "resource": resource,
            "request": {"method": "POST", "url": resource["resourceType"]},
        }

    def measured(full_url: str, loinc: str, display: str, value: float, unit: str) -> dict:
        return entry(
            full_url,
            {
                "resourceType": "Observation",
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                "code": "vital-signs",
                            }
                        ]
                    }
                ],
                "code": {"coding": [{"system": "http://loinc.org", "code": loinc, "display": display}]},
                "subject": {"reference": baby},
                "encounter": {"reference": encounter},
                "effectiveDateTime": args.born_at.isoformat(),
                "valueQuantity": {
                    "value": value,
                    "unit": unit,
                    "system": "http://unitsofmeasure.org",
                    "code": unit,
                },
            },
        )

    newborn = {
        "resourceType": "Patient",
        "identifier": [{"system": NIK_IBU, "value": args.mother_nik}],
        "gender": "female" if args.sex == "P" else "male",
        "birthDate": args.born_at.date().isoformat(),
        "_birthDate": {
            "extension": [
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                    "valueDateTime": args.born_at.isoformat(),
                }
            ]
        },
        "multipleBirthInteger": args.order,
    }
    if args.name:  # leave the name out when the parents have not chosen one yet
        newborn["name"] = [{"use": "official", "text": args.name}]
    mother_patient: dict = {
        "resourceType": "Patient",
        "gender": "female",
        "identifier": [{"system": NIK, "value": args.mother_nik}],
    }
    if args.mother_name:  # compared with the registry (422 mother_mismatch)
        mother_patient["name"] = [{"use": "official", "text": args.mother_name}]
    if args.mother_birth_date:
        mother_patient["birthDate"] = args.mother_birth_date
    entries = [
        entry(baby, newborn),
        entry(mother, mother_patient),
        entry(
            "urn:uuid:" + _uuid(3),
            {
                "resourceType": "RelatedPerson",
                "patient": {"reference": baby},
                "identifier": [{"system": NIK, "value": args.mother_nik}],
                "relationship": [{"coding": [{"system": ROLE, "code": "MTH"}]}],
            },
        ),
        entry(
            encounter,
            {
                "resourceType": "Encounter",
                "status": "finished",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
                "identifier": [
                    {
                        "system": f"http://sys-ids.kemkes.go.id/encounter/{args.facility}",
                        "value": args.reference,
                    }
                ],
                "subject": {"reference": baby},
                "participant": [{"individual": {"display": args.attendant}}] if args.attendant else [],
                "serviceProvider": {"identifier": {"value": args.facility}},
            },
        ),
        measured("urn:uuid:" + _uuid(6), "8339-4", "Birth weight Measured", args.weight, "g"),
    ]
    if args.length:
        entries.append(
            measured("urn:uuid:" + _uuid(7), "89269-5", "Body height Measured --at birth", args.length, "cm")
        )
    if args.father_nik:
        entries.insert(
            3,
            entry(
                "urn:uuid:" + _uuid(4),
                {
                    "resourceType": "RelatedPerson",
                    "patient": {"reference": baby},
                    "identifier": [{"system": NIK, "value": args.father_nik}],
                    "relationship": [{"coding": [{"system": ROLE, "code": "FTH"}]}],
                },
            ),
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def _uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def main() -> int:
    now = datetime.now(WIB).replace(microsecond=0)
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base", default="http://127.0.0.1:8000")
    p.add_argument("--client-id", default="rsud-djasamen")
    p.add_argument("--client-secret", default="demo-hospital-secret")
    p.add_argument("--facility", default="1272011", help="your facility code (FHIR serviceProvider)")
    p.add_argument("--fhir", action="store_true", help="send an HL7 FHIR R4 Bundle instead of JSON")
    p.add_argument("--mother-nik", default="1272015203959001")
    p.add_argument("--mother-name", default="Siti Rahma Siregar", help="as on her KTP-el; empty to omit")
    p.add_argument("--mother-birth-date", default="1995-03-12", help="YYYY-MM-DD; empty to omit")
    p.add_argument("--father-nik", default="1272010807929001", help="empty if unknown")
    p.add_argument("--sex", choices=("L", "P"), default="P")
    p.add_argument(
        "--born-at",
        type=datetime.fromisoformat,
        default=now - timedelta(hours=1),
        help="ISO 8601 with offset, e.g. 2026-11-24T08:15:00+07:00 (default: an hour ago)",
    )
    p.add_argument("--order", type=int, default=1, help="multiple-birth order: 1, or 2 for a second twin")
    p.add_argument(
        "--name",
        default=None,
        help="the child's name, if the parents have chosen one (a 'By. Ny. ...' stand-in counts as none)",
    )
    p.add_argument("--weight", type=int, default=3150, help="grams")
    p.add_argument("--length", type=float, default=49.5, help="cm")
    p.add_argument("--attendant", default="dr. Sari Lubis, Sp.OG")
    p.add_argument("--reference", default=None, help="your own record number (default RM-<now>)")
    p.add_argument("--wait", type=float, default=60, help="seconds to wait for the documents")
    args = p.parse_args()
    if not args.base.startswith(("http://", "https://")):
        p.error("--base must be an http(s) URL")
    if args.born_at.tzinfo is None:
        p.error("--born-at needs an offset, e.g. +07:00")
    args.reference = args.reference or f"RM-{now:%Y%m%d-%H%M%S}-{args.order}"

    api = Client(args.base, args.client_id, args.client_secret)
    if args.fhir:
        path, payload, ctype = "/api/v1/adminduk/fhir/Bundle", birth_bundle(args), "application/fhir+json"
    else:
        path, payload, ctype = "/api/v1/adminduk/births", birth_json(args), "application/json"
    # One key per birth: derived from your own record, so a restarted job re-sends the same key.
    key = f"{args.client_id}:birth:{args.reference}"
    print(f"POST {path}  (Idempotency-Key: {key})")
    status, headers, body = api.call("POST", path, payload, key=key, content_type=ctype)

    if status == 201:
        replayed = " (replayed: this key was already answered)" if headers.get("Idempotent-Replayed") else ""
        print(f"201 Created{replayed}: registration {body['id']}, state {body['state']}")
        birth_id = body["id"]
    elif status == 409 and body.get("reason") == "duplicate_birth":
        birth_id = body["existing_id"]
        print(f"409 duplicate_birth: already reported as {birth_id}; following that registration")
    else:
        print(f"refused: HTTP {status}", file=sys.stderr)
        if body.get("resourceType") == "OperationOutcome":
            for issue in body["issue"]:
                where = ", ".join(issue.get("expression", []))
                print(f"  [{issue['code']}] {issue['diagnostics']}  {where}", file=sys.stderr)
        else:
            print(f"  reason={body.get('reason')}: {body.get('message')}", file=sys.stderr)
            for field, messages in (body.get("errors", {}).get("json") or {}).items():
                print(f"  {field}: {'; '.join(map(str, messages))}", file=sys.stderr)
        return 1

    deadline = time.monotonic() + args.wait
    while True:
        status, _, birth = api.call("GET", f"/api/v1/adminduk/births/{birth_id}")
        if status != 200:
            print(f"GET failed: HTTP {status} {birth}", file=sys.stderr)
            return 1
        docs = birth["documents"]
        ready = docs and all(d["rendered"] for d in docs if d["status"] == "valid")
        if birth["state"] in ("needs_review", "rejected") or (birth["state"] == "issued" and ready):
            break
        if time.monotonic() > deadline:
            print(f"still {birth['state']} after {args.wait:.0f}s; poll again later")
            break
        time.sleep(1)

    print(f"state:        {birth['state']}")
    print(f"tracking:     {birth['tracking_number']}")
    if birth["state"] == "needs_review":
        print(f"review:       {', '.join(birth['review_reasons'])} (a Disdukcapil officer decides)")
    if birth["state"] == "rejected":
        print(f"rejected:     {birth['decision_reason']}")
    if birth["child_nik"]:
        print(f"child NIK:    {birth['child_nik']}")
        print(f"akta number:  {birth['akta_number']}")
        print(f"parents married per registry: {birth['parents_married']}")
    for doc in birth["documents"]:
        if doc["status"] == "valid":
            print(
                f"document:     {doc['title']} {doc['number']} v{doc['version']}  verify: {doc['verify_url']}"
            )
    return 0 if birth["state"] != "rejected" else 1


if __name__ == "__main__":
    sys.exit(main())

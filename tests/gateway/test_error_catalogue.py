"""The one catalogue of error reasons (gateway/reasons.py) is complete, consistent and published."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gateway.reasons import CATALOGUE, SECTIONS, markdown
from tests.reason_scan import ROOT, scan


def test_every_reason_the_code_raises_is_in_the_catalogue_with_its_status():
    result = scan()
    assert result.unresolved == [], "reasons that are not literals: list them in a '# reasons: a, b' comment"
    missing = sorted({f"{s.reason} ({s.where})" for s in result.sites if s.reason not in CATALOGUE})
    assert missing == [], "add these to gateway/reasons.py"
    wrong_status = sorted(
        f"{s.reason} answered {s.status} at {s.where}, catalogue says {CATALOGUE[s.reason].statuses}"
        for s in result.sites
        if s.status is not None and s.status not in CATALOGUE[s.reason].statuses
    )
    assert wrong_status == []


def test_the_catalogue_lists_nothing_the_code_never_answers_and_nothing_twice():
    raised = {s.reason for s in scan().sites}
    assert sorted(set(CATALOGUE) - raised) == []
    names = [r.name for section in SECTIONS for r in section]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
    assert all(r.name.isidentifier() and r.name == r.name.lower() and r.meaning for r in CATALOGUE.values())


def test_docs_errors_md_is_generated_from_the_catalogue():
    checked_in = (ROOT / "docs" / "errors.md").read_text()
    assert checked_in == markdown(), "run: python -m gateway.reasons > docs/errors.md"
    command = subprocess.run(
        [sys.executable, "-m", "gateway.reasons"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert command.stdout == checked_in


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_scan_finds_raises_through_classes_helpers_carriers_and_pragmas(tmp_path):
    _write(
        tmp_path,
        "gateway/errors.py",
        "class ServiceError(Exception):\n    code = 400\n    reason = 'bad_request'\n"
        "class NotFound(ServiceError):\n    code, reason = 404, 'not_found'\n",
    )
    _write(
        tmp_path,
        "services/parking/errors.py",
        "from dataclasses import dataclass\nfrom gateway.errors import NotFound, ServiceError\n"
        "class Expired(ServiceError):\n    code, reason = 409, 'session_expired'\n"
        "@dataclass\nclass Problem:\n    status: int\n    reason: str\n    field: str\n",
    )
    _write(
        tmp_path,
        "services/parking/service.py",
        "from gateway.errors import NotFound\n"
        "def _invalid(field, reason='zone_invalid'):\n    return NotFound('x', reason=reason)\n"
        "def a():\n    raise NotFound('no', reason='zone_not_found')\n"
        "def b():\n    raise _invalid('f', 'zone_closed')\n"
        "def c():\n    raise _invalid('f')\n"
        "def d():\n    return [Problem(422, 'plate_invalid', 'plate')]\n"
        "def e(kind):\n    raise NotFound('x', reason=f'{kind}_gone')  # reasons: car_gone, bike_gone\n"
        "def f(kind):\n    raise NotFound('x', reason=kind)\n",
    )
    result = scan(tmp_path)
    found = {(s.reason, s.status) for s in result.sites}
    assert {
        ("zone_not_found", 404),
        ("zone_closed", 404),
        ("zone_invalid", 404),
        ("plate_invalid", 422),
        ("car_gone", 404),
        ("bike_gone", 404),
        ("session_expired", 409),
    } <= found
    assert len(result.unresolved) == 1 and "services/parking/service.py:15: NotFound(reason=kind)" in result.unresolved[0]

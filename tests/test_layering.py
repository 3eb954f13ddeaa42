"""DESIGN.md §2 rule 4: below routes nothing reads flask.request or flask.g — the principal is passed in."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EDGE = {"routes.py", "application_routes.py", "open311.py"}  # the HTTP edge of each service


def _request_state_uses(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            found += [
                f"from flask import {a.name}" for a in node.names if a.name in ("request", "g", "session")
            ]
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "flask"
            and node.attr in ("request", "g", "session")
        ):
            found.append(f"flask.{node.attr}")
    return found


def test_service_modules_below_routes_do_not_read_request_state():
    offenders = {}
    for path in sorted((ROOT / "services").rglob("*.py")):
        if path.name not in EDGE:
            uses = _request_state_uses(path)
            if uses:
                offenders[str(path.relative_to(ROOT))] = uses
    assert offenders == {}


def test_the_check_would_catch_an_offender(tmp_path):
    bad = tmp_path / "service.py"
    bad.write_text("from flask import g, request\n\ndef f():\n    return request.json\n")
    assert _request_state_uses(bad) == ["from flask import g", "from flask import request"]

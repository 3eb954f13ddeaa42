"""DESIGN.md §2 rule 4: below routes nothing reads flask.request or flask.g — the principal is passed in."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import services

ROOT = Path(__file__).resolve().parent.parent


def _edge_files() -> set[Path]:
    """The HTTP edge of each listed service: the modules that define its blueprints and plain routes."""
    names = set()
    for module in services.MODULES:
        names |= {blp.import_name for blp in module.blueprints}
        names |= {rule.view.__module__ for rule in module.url_rules}
        names |= {renderer.__module__ for renderer in module.error_renderers.values()}
    return {Path(sys.modules[name].__file__).resolve() for name in names}


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
    edge = _edge_files()
    assert edge, "every service has an HTTP edge"
    offenders = {}
    for module in services.MODULES:
        package = ROOT / "services" / module.name
        for path in sorted(package.rglob("*.py")):
            if path.resolve() in edge:
                continue
            if uses := _request_state_uses(path):
                offenders[str(path.relative_to(ROOT))] = uses
    assert offenders == {}


def test_the_check_would_catch_an_offender(tmp_path):
    bad = tmp_path / "service.py"
    bad.write_text("from flask import g, request\n\ndef f():\n    return request.json\n")
    assert _request_state_uses(bad) == ["from flask import g", "from flask import request"]

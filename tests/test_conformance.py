"""Every service has the same shape: listed once, declared in its __init__.py, its jobs importable
and declared, and the import-linter contracts generated from the same list."""

from __future__ import annotations

import ast
import importlib
import inspect
import tomllib
from pathlib import Path

import services
from gateway import queue as q
from gateway.kernel.modules import ServiceModule, build_registry

ROOT = Path(__file__).resolve().parent.parent
LISTED = [m.name for m in services.MODULES]


def test_every_service_package_is_listed_once():
    on_disk = sorted(p.parent.name for p in (ROOT / "services").glob("*/__init__.py"))
    assert sorted(LISTED) == on_disk
    assert len(set(LISTED)) == len(LISTED)
    build_registry(services.MODULES)  # the declarations agree with each other


def test_each_service_declares_its_module_and_nothing_else_at_import():
    for name in LISTED:
        package = importlib.import_module(f"services.{name}")
        assert isinstance(package.MODULE, ServiceModule) and package.MODULE.name == name
        tree = ast.parse((ROOT / "services" / name / "__init__.py").read_text())
        for node in tree.body:
            is_doc = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            is_import = isinstance(node, ast.Import | ast.ImportFrom)
            is_module = isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["MODULE"]
            assert is_doc or is_import or is_module, f"services/{name}/__init__.py:{node.lineno}"


def test_every_job_function_imports_and_is_declared():
    for module in services.MODULES:
        declared = {q.job_path(job) for job in module.jobs}
        package = ROOT / "services" / module.name
        found = set()
        for path in package.rglob("*jobs.py"):
            dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            jobs = importlib.import_module(dotted)
            found |= {
                q.job_path(fn)
                for name, fn in inspect.getmembers(jobs, inspect.isfunction)
                if fn.__module__ == dotted and not name.startswith("_")
            }
        assert found, f"{module.name} has jobs"
        assert found == declared, module.name
        for periodic in module.periodic:
            assert q.job_path(periodic.job) in declared


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_import_linter_independence_contract_lists_every_service():
    independence = [c for c in _contracts() if c["type"] == "independence"]
    assert [sorted(c["modules"]) for c in independence] == [sorted(f"services.{n}" for n in LISTED)]

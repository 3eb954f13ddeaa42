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


# ---- size: small modules named after the domain (issue 8: no module over ~600 lines, no function over ~80)

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80  # from the first decorator to the last line, docstring included
SIZED = ("gateway", "services")


def _functions(tree: ast.AST) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Every function and method with its qualified name (Class.method, outer.<locals>.inner)."""
    found: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append((prefix + child.name, child))
                visit(child, f"{prefix}{child.name}.<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def size_offenders(
    paths: list[Path], *, max_module: int = MAX_MODULE_LINES, max_function: int = MAX_FUNCTION_LINES
) -> list[str]:
    """'path: N lines' for each module over the limit, 'path:line name: N lines' for each function."""
    offenders = []
    for path in paths:
        text = path.read_text()
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        if (lines := len(text.splitlines())) > max_module:
            offenders.append(f"{name}: {lines} lines (module limit {max_module})")
        for qualname, fn in _functions(ast.parse(text, str(path))):
            first = min([fn.lineno, *(d.lineno for d in fn.decorator_list)])
            assert fn.end_lineno is not None
            if (length := fn.end_lineno - first + 1) > max_function:
                offenders.append(
                    f"{name}:{fn.lineno} {qualname}: {length} lines (function limit {max_function})"
                )
    return offenders


def test_no_module_or_function_in_gateway_or_services_is_too_long():
    paths = sorted(p for top in SIZED for p in (ROOT / top).rglob("*.py"))
    assert len(paths) > 50
    assert size_offenders(paths) == []


def test_the_size_check_names_each_offender(tmp_path):
    body = "\n".join(f"        x{i} = {i}" for i in range(MAX_FUNCTION_LINES))  # + decorator + def = 82
    big = f"class Thing:\n    @staticmethod\n    def method():\n{body}\n\n\ndef short():\n    return 1\n"
    big += "\n" * MAX_MODULE_LINES
    (tmp_path / "big.py").write_text(big)
    (tmp_path / "fine.py").write_text("def f():\n    return 1\n")
    found = size_offenders(sorted(tmp_path.glob("*.py")))
    lines = len(big.splitlines())
    assert [f.rpartition("/")[2] for f in found] == [
        f"big.py: {lines} lines (module limit {MAX_MODULE_LINES})",
        f"big.py:3 Thing.method: {MAX_FUNCTION_LINES + 2} lines (function limit {MAX_FUNCTION_LINES})",
    ]

"""Every service has the same shape: listed once, declared in its __init__.py, its jobs importable
and declared, and the import-linter contracts generated from the same list."""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import tomllib
from pathlib import Path

import services
from gateway import queue as q
from gateway.kernel.modules import ServiceModule, build_registry
from tests.reason_scan import scan

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


def _contract(name_start: str) -> dict:
    [contract] = [c for c in _contracts() if c["name"].startswith(name_start)]
    return contract


def test_import_linter_independence_contract_lists_every_service():
    independence = [c for c in _contracts() if c["type"] == "independence"]
    assert [sorted(c["modules"]) for c in independence] == [sorted(f"services.{n}" for n in LISTED)]
    # The one way across: the api.py of a service that has one (payments: services/payments/api.py),
    # derived from the list and the tree, so it holds before such a service exists and after.
    [contract] = independence
    with_api = [n for n in LISTED if (ROOT / "services" / n / "api.py").exists()]
    assert sorted(contract.get("ignore_imports", [])) == sorted(
        f"services.** -> services.{n}.api" for n in with_api
    )
    assert contract["unmatched_ignore_imports_alerting"] == "none"  # a new api before its first caller


# What services may import from the gateway; every other gateway module is named (or matched by a
# "package.*" pattern) in the forbidden contract, so a new gateway module is classified on purpose.
PUBLIC_GATEWAY = (
    "gateway",
    "gateway.audit",
    "gateway.auth",
    "gateway.db",
    "gateway.documents",  # its __all__: Document, issue, revoke, pdf_url, verify_url, render, MONTHS_ID, …
    "gateway.errors",
    "gateway.events",
    "gateway.extensions",
    "gateway.identity",  # its __all__: Resident, CitizenAccount, Staff, Opd, digest
    "gateway.identity.kk_fields",
    "gateway.identity.nik",
    "gateway.identity.phones",
    "gateway.identity.schemas",
    "gateway.identity.service",
    "gateway.identity.wilayah",
    "gateway.kernel.*",
    "gateway.kernel",
    "gateway.notify",
    "gateway.outbox",
)


def _matches(module: str, pattern: str) -> bool:
    """import-linter's reading: 'a.*' is a's children (and below), 'a.b' is a.b and below."""
    if pattern.endswith(".*"):
        return module.startswith(pattern[:-1])
    return module == pattern or module.startswith(pattern + ".")


def _gateway_modules() -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (ROOT / "gateway").rglob("*.py")
    )


def test_every_gateway_module_is_either_public_to_services_or_forbidden_to_them():
    contract = _contract("services import only the gateway's public modules")
    assert contract["type"] == "forbidden" and contract["source_modules"] == ["services"]
    assert contract["allow_indirect_imports"] is True  # a public module may use internals itself
    forbidden = contract["forbidden_modules"]

    def public(module: str) -> bool:  # exact names, except the kernel whose every module is public
        return module in PUBLIC_GATEWAY or any(
            p.endswith(".*") and _matches(module, p) for p in PUBLIC_GATEWAY
        )

    unclassified = [
        m for m in _gateway_modules() if not public(m) and not any(_matches(m, f) for f in forbidden)
    ]
    assert unclassified == [], "add each to forbidden_modules in pyproject.toml, or to PUBLIC_GATEWAY here"
    both = [m for m in _gateway_modules() if public(m) and any(_matches(m, f) for f in forbidden)]
    assert both == []


def test_import_linter_layers_contract_covers_every_service_and_its_features():
    contract = _contract("inside a service:")
    assert contract["type"] == "layers"
    assert contract["layers"] == ["(routes)", "(service) : (jobs)", "(models)"]
    assert contract["containers"] == ["services.*", "services.*.*"]  # new services are covered as they come


# ---- the skeleton: every listed service is shaped the same way ----------------------------------------


def _feature_packages(package: Path) -> list[Path]:
    """The service itself when it has one use-case layer, else each sub-package with its own routes."""
    if (package / "service.py").exists() or (package / "service" / "__init__.py").exists():
        return [package]
    return sorted(p.parent for p in package.glob("*/routes.py"))


def test_each_service_has_the_skeleton():
    problems = []
    for module in services.MODULES:
        package = ROOT / "services" / module.name
        if not (package / "errors.py").exists():
            problems.append(f"services/{module.name}/errors.py")
        if module.events and not (package / "events.py").exists():
            problems.append(f"services/{module.name}/events.py (it declares events)")
        features = _feature_packages(package)
        if not features:
            problems.append(f"services/{module.name}: no service.py, service/ or sub-package with routes.py")
        for feature in features:
            where = feature.relative_to(ROOT)
            problems += [f"{where}/{n}" for n in ("routes.py", "schemas.py") if not (feature / n).exists()]
            if not ((feature / "service.py").exists() or (feature / "service" / "__init__.py").exists()):
                problems.append(f"{where}/service.py or {where}/service/")
        routes_modules = [
            m
            for name, m in sys.modules.items()
            if name.startswith(f"services.{module.name}.") and name.endswith(".routes")
        ]
        for blp in module.blueprints:
            if not any(vars(m).get(attr) is blp for m in routes_modules for attr in vars(m)):
                problems.append(
                    f"services/{module.name}: blueprint {blp.name!r} is not exposed by a routes.py"
                )
    assert problems == [], "missing from the service skeleton (docs/architecture.md)"


def test_the_reason_scan_reaches_every_service():
    """tests/gateway/test_error_catalogue.py checks every reason the scan finds against the catalogue;
    this makes sure the scan finds each listed service's reasons (sub-packages included)."""
    raising = {
        Path(site.where.split(":")[0]).parts[1] for site in scan().sites if site.where.startswith("services/")
    }
    assert sorted(set(LISTED) - raising) == []


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

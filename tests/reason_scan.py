"""Find every error `reason` the code can answer with, by reading the source (no import, no run).

What counts as a raise site (in gateway/ and services/):
- a call of a ServiceError subclass (found across all files, by base-class name): its `reason=`
  keyword, else the class's own `reason` attribute (inherited); its status is the class's `code`;
- a call of a "reason carrier" (a class in an errors.py with an annotated `reason: str` field, e.g.
  adminduk's Problem(status, reason, field, message)): the reason and status fields, by keyword or
  position;
- a call of a helper that forwards its `reason` parameter into one of the above (e.g.
  `_invalid(field, message, reason)`): the argument bound to `reason`, or the parameter's default;
- `error_response(code, message, reason)` called directly, and the `_HTTP_REASONS` table.
A reason that is not a string literal is reported as unresolved, unless the call carries a comment
`# reasons: a, b` listing what it can be.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRAGMA = re.compile(r"#\s*reasons:\s*([a-z0-9_,\s]+)")


@dataclass(frozen=True)
class Site:
    """One place that can answer with `reason` (status None when the code decides at run time)."""

    reason: str
    status: int | None
    where: str


@dataclass
class _Class:
    name: str
    bases: list[str]
    code: int | None = None
    reason: str | None = None
    fields: list[str] = field(default_factory=list)  # annotated fields, in order (carriers)
    in_errors_module: bool = False


@dataclass
class _Helper:
    params: list[str]
    defaults: dict[str, str]
    status: int | None


@dataclass
class Scan:
    sites: list[Site] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def _sources(root: Path) -> list[tuple[Path, ast.Module, list[str]]]:
    out = []
    for top in ("gateway", "services"):
        for path in sorted((root / top).rglob("*.py")):
            text = path.read_text()
            out.append((path, ast.parse(text, str(path)), text.splitlines()))
    return out


def _const_str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _const_int(node: ast.AST | None) -> int | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, int) else None


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _class_attrs(cls: ast.ClassDef, info: _Class) -> None:
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    _set_attr(info, target.id, stmt.value)
                elif isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple):
                    for name, value in zip(target.elts, stmt.value.elts, strict=False):
                        if isinstance(name, ast.Name):
                            _set_attr(info, name.id, value)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            info.fields.append(stmt.target.id)
            if stmt.value is not None:
                _set_attr(info, stmt.target.id, stmt.value)


def _set_attr(info: _Class, name: str, value: ast.AST) -> None:
    if name == "code":
        info.code = _const_int(value)
    elif name == "reason":
        info.reason = _const_str(value)


def _classes(sources: list[tuple[Path, ast.Module, list[str]]]) -> dict[str, _Class]:
    classes: dict[str, _Class] = {}
    for path, tree, _ in sources:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases]
                info = _Class(node.name, bases, in_errors_module=path.name == "errors.py")
                _class_attrs(node, info)
                classes[node.name] = info
    return classes


def _is_error(name: str, classes: dict[str, _Class], seen: frozenset[str] = frozenset()) -> bool:
    if name == "ServiceError":
        return True
    info = classes.get(name)
    if info is None or name in seen:
        return False
    return any(_is_error(b, classes, seen | {name}) for b in info.bases)


def _inherited(name: str, attr: str, classes: dict[str, _Class]) -> object:
    info = classes.get(name)
    while info is not None:
        value = getattr(info, attr)
        if value is not None:
            return value
        info = next((classes[b] for b in info.bases if b in classes), None)
    return None


class _Scanner:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.sources = _sources(root)
        self.classes = _classes(self.sources)
        self.errors = {n for n in self.classes if _is_error(n, self.classes)}
        self.carriers = {n: c for n, c in self.classes.items() if c.in_errors_module and "reason" in c.fields}
        self.helpers: dict[tuple[str, str], _Helper] = {}  # (file, name): helpers are file-local
        self.local_defs = {
            str(path): {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            for path, tree, _ in self.sources
        }
        self.scan = Scan()

    # -- how a call names its reason and status --------------------------------------------------
    def _bound(self, call: ast.Call, name: str, params: list[str]) -> tuple[bool, ast.AST | None]:
        for kw in call.keywords:
            if kw.arg == name:
                return True, kw.value
        if name in params and params.index(name) < len(call.args):
            return True, call.args[params.index(name)]
        return False, None

    def _helper(self, path: str, name: str | None) -> _Helper | None:
        return self.helpers.get((path, name or "")) or next(
            (h for (p, n), h in self.helpers.items() if n == name and name not in self.local_defs[path]), None
        )

    def _carrier_of(self, call: ast.Call, path: str) -> tuple[list[str], int | None] | None:
        """(parameter names, default status) when `call` constructs an error or a carrier."""
        name = _callee(call)
        helper = self._helper(path, name)
        if helper is not None:
            return helper.params, helper.status
        shadowed = name in self.local_defs[path] and not path.endswith(str(Path("gateway", "errors.py")))
        if shadowed and not isinstance(call.func, ast.Attribute):
            return None  # a function of this module that only shares a name (e.g. Open311's error_response)
        if name in self.errors:
            code = _inherited(name, "code", self.classes)
            return ["message"], code if isinstance(code, int) else None
        if name in self.carriers:
            return self.carriers[name].fields, None
        if name == "error_response":
            return ["code", "message", "reason"], None
        return None

    def _find_helpers(self) -> None:
        """Functions with a `reason` parameter that they pass on to an error or a carrier (to a fixpoint)."""
        changed = True
        while changed:
            changed = False
            for path, tree, _ in self.sources:
                for fn in ast.walk(tree):
                    if not isinstance(fn, ast.FunctionDef) or (str(path), fn.name) in self.helpers:
                        continue
                    params = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
                    if "reason" not in params or fn.name == "__init__":
                        continue
                    for call in ast.walk(fn):
                        carrier = isinstance(call, ast.Call) and self._carrier_of(call, str(path))
                        if not carrier:
                            continue
                        found, value = self._bound(call, "reason", carrier[0])
                        if found and isinstance(value, ast.Name) and value.id == "reason":
                            status = carrier[1]
                            has_status, status_node = self._bound(call, "status", carrier[0])
                            if has_status:
                                status = _const_int(status_node)
                            self.helpers[(str(path), fn.name)] = _Helper(params, self._defaults(fn), status)
                            changed = True
                            break

    @staticmethod
    def _defaults(fn: ast.FunctionDef) -> dict[str, str]:
        positional = fn.args.posonlyargs + fn.args.args
        out = {}
        for arg, default in zip(
            positional[len(positional) - len(fn.args.defaults) :], fn.args.defaults, strict=True
        ):
            if _const_str(default) is not None:
                out[arg.arg] = default.value  # type: ignore[attr-defined]
        for arg, default in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True):
            if default is not None and _const_str(default) is not None:
                out[arg.arg] = default.value  # type: ignore[attr-defined]
        return out

    # -- the sites ---------------------------------------------------------------------------------
    def run(self) -> Scan:
        self._find_helpers()
        for path, tree, lines in self.sources:
            where_file = str(path.relative_to(self.root))
            functions = {
                id(n)
                for n in ast.walk(tree)
                if isinstance(n, ast.FunctionDef) and (str(path), n.name) in self.helpers
            }
            inside_helper = set()
            for fn in ast.walk(tree):
                if id(fn) in functions:
                    inside_helper |= {id(n) for n in ast.walk(fn)}
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and id(node) not in inside_helper
                    and _callee(node) != "__init__"
                ):
                    self._site(node, str(path), f"{where_file}:{node.lineno}", lines)
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "_HTTP_REASONS" for t in node.targets
                ):
                    self._http_table(node.value, f"{where_file}:{node.lineno}")
        for name in self.errors:  # a class's own reason counts even if it is only ever raised bare
            reason, code = _inherited(name, "reason", self.classes), _inherited(name, "code", self.classes)
            if isinstance(reason, str) and name != "ServiceError":
                self.scan.sites.append(Site(reason, code if isinstance(code, int) else None, f"class {name}"))
        return self.scan

    def _http_table(self, value: ast.AST, where: str) -> None:
        if isinstance(value, ast.Dict):
            for key, val in zip(value.keys, value.values, strict=True):
                if _const_int(key) is not None and _const_str(val) is not None:
                    self.scan.sites.append(Site(val.value, key.value, where))  # type: ignore[union-attr]

    def _site(self, call: ast.Call, path: str, where: str, lines: list[str]) -> None:
        carrier = self._carrier_of(call, path)
        if carrier is None:
            return
        params, status = carrier
        name = _callee(call)
        found, value = self._bound(call, "reason", params)
        found_code, code_node = self._bound(call, "status", params)
        if not found_code:
            found_code, code_node = (
                self._bound(call, "code", params) if name == "error_response" else (False, None)
            )
        if found_code:
            status = _const_int(code_node)
        if not found:
            default = None
            if name in self.errors:
                default = _inherited(name, "reason", self.classes)
            elif (helper := self._helper(path, name)) is not None:
                default = helper.defaults.get("reason")
            if isinstance(default, str):
                self.scan.sites.append(Site(default, status, where))
            elif name not in self.errors:
                self.scan.unresolved.append(f"{where}: {name}() without a reason")
            return
        if isinstance(value, ast.Attribute) and value.attr == "reason":
            return  # passes on the reason of an error or carrier, counted where that was made
        literal = _const_str(value)
        if literal is not None:
            self.scan.sites.append(Site(literal, status, where))
            return
        span = lines[call.lineno - 1 : (call.end_lineno or call.lineno)]
        pragma = next((m for line in span if (m := PRAGMA.search(line))), None)
        if pragma:
            for reason in filter(None, re.split(r"[,\s]+", pragma.group(1))):
                self.scan.sites.append(Site(reason, status, where))
        else:
            self.scan.unresolved.append(f"{where}: {name}(reason={ast.unparse(value)})")


def scan(root: Path = ROOT) -> Scan:
    """Every reason raise site under root/gateway and root/services."""
    return _Scanner(root).run()

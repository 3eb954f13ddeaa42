"""The permit-type catalogue (data/catalogue.json) and its retribusi formulas over the tariff data.

Permit types are data, not code: a new type is a JSON entry (its OSS kd_izin, risk, documents, steps
with working-day deadlines, fee formula, fiktif positif, validity). The fee formula is a small
arithmetic expression evaluated with Decimal over the application's fields and `tarif` (the tariff
data), never with eval(): only numbers, names, + - * /, parentheses and `dict[key]` lookups.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
STEP_CODES = ("screening", "technical_review", "inspection", "payment", "approval")


class FormulaError(ValueError):
    """A formula names data the application lacks, or is not the allowed arithmetic."""


@dataclass(frozen=True)
class Step:
    code: str
    name: str
    opd: str  # an OPD code, or "technical" for the type's technical OPD
    workdays: int
    max_rounds: int = 1


@dataclass(frozen=True)
class DocumentSpec:
    code: str
    name: str
    types: tuple[str, ...]
    max_mb: int


@dataclass(frozen=True)
class PermitType:
    code: str
    name: str
    kd_izin: str | None
    risk: str
    technical_opd: str | None
    sla_workdays: int
    fiktif_positif: bool
    validity_years: int | None
    fields: dict[str, dict[str, Any]]
    documents: tuple[DocumentSpec, ...]
    steps: tuple[Step, ...]
    formula: str
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def step(self, code: str) -> Step | None:
        return next((s for s in self.steps if s.code == code), None)

    def step_after(self, code: str) -> Step | None:
        codes = [s.code for s in self.steps]
        index = codes.index(code) + 1 if code in codes else 0
        return self.steps[index] if index < len(self.steps) else None

    def opd_of(self, step: Step) -> str:
        return (self.technical_opd or "DPMPTSP") if step.opd == "technical" else step.opd

    def document(self, code: str) -> DocumentSpec | None:
        return next((d for d in self.documents if d.code == code), None)


def _load_type(raw: dict[str, Any]) -> PermitType:
    steps = tuple(Step(**s) for s in raw["steps"])
    unknown = [s.code for s in steps if s.code not in STEP_CODES]
    if unknown or not steps or steps[0].code != "screening" or steps[-1].code != "approval":
        raise ValueError(f"permit type {raw['code']}: steps must start with screening, end with approval")
    permit_type = PermitType(
        code=raw["code"],
        name=raw["name"],
        kd_izin=raw.get("kd_izin"),
        risk=raw["risk"],
        technical_opd=raw.get("technical_opd"),
        sla_workdays=int(raw["sla_workdays"]),
        fiktif_positif=bool(raw["fiktif_positif"]),
        validity_years=raw.get("validity_years"),
        fields=dict(raw["fields"]),
        documents=tuple(
            DocumentSpec(d["code"], d["name"], tuple(d["types"]), int(d["max_mb"])) for d in raw["documents"]
        ),
        steps=steps,
        formula=raw["fee"]["formula"],
        raw=raw,
    )
    _parse(permit_type.formula)  # a broken formula fails at start-up, not on an applicant's request
    return permit_type


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, PermitType]:
    raw = json.loads((DATA / "catalogue.json").read_text(encoding="utf-8"))
    types = [_load_type(t) for t in raw["types"]]
    return {t.code: t for t in types}


@lru_cache(maxsize=1)
def tariffs() -> dict[str, Any]:
    raw = json.loads((DATA / "tariffs.json").read_text(encoding="utf-8"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def all_types() -> list[PermitType]:
    return list(_catalogue().values())


def get(code: str) -> PermitType | None:
    return _catalogue().get(code)


def by_kd_izin(kd_izin: str) -> PermitType | None:
    return next((t for t in _catalogue().values() if t.kd_izin == kd_izin), None)


# ---- the application's data against the type's fields -----------------------------------------------


def check_fields(permit_type: PermitType, data: dict[str, Any]) -> dict[str, list[str]]:
    """Problems per field (empty when the data is complete and well-formed)."""
    problems: dict[str, list[str]] = {}
    for name in data:
        if name not in permit_type.fields:
            problems[name] = ["Unknown field for this permit type"]
    for name, spec in permit_type.fields.items():
        value = data.get(name)
        if value is None or value == "":
            problems[name] = ["Missing data for this field"]
            continue
        kind = spec["type"]
        if kind in ("number", "integer"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems[name] = ["Must be a number"]
            elif kind == "integer" and not float(value).is_integer():
                problems[name] = ["Must be a whole number"]
            elif not spec.get("min", value) <= value <= spec.get("max", value):
                problems[name] = [f"Must be between {spec.get('min')} and {spec.get('max')}"]
        elif kind == "choice" and value not in spec["choices"]:
            problems[name] = [f"Must be one of: {', '.join(spec['choices'])}"]
        elif kind == "text" and (not isinstance(value, str) or len(value) > spec.get("max", 300)):
            problems[name] = [f"Must be text of at most {spec.get('max', 300)} characters"]
    return problems


# ---- the retribusi formula ----------------------------------------------------------------------------

_OPS = {
    ast.Add: Decimal.__add__,
    ast.Sub: Decimal.__sub__,
    ast.Mult: Decimal.__mul__,
    ast.Div: Decimal.__truediv__,
}


@lru_cache(maxsize=64)
def _parse(formula: str) -> ast.Expression:
    tree = ast.parse(formula, mode="eval")
    for node in ast.walk(tree):
        allowed = (ast.Expression, ast.BinOp, ast.Constant, ast.Name, ast.Subscript, ast.Load, ast.UnaryOp)
        if not isinstance(node, allowed + tuple(_OPS) + (ast.USub,)):
            raise FormulaError(f"not allowed in a fee formula: {type(node).__name__}")
    return tree


def _eval(node: ast.AST, names: dict[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, names)
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else Decimal(str(node.value))
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise FormulaError(f"the formula needs {node.id!r}")
        value = names[node.id]
        return value if isinstance(value, dict | str) else Decimal(str(value))
    if isinstance(node, ast.Subscript):
        table, key = _eval(node.value, names), _eval(node.slice, names)
        if not isinstance(table, dict) or str(key) not in table:
            raise FormulaError(f"no tariff for {key!r}")
        value = table[str(key)]
        return value if isinstance(value, dict) else Decimal(str(value))
    if isinstance(node, ast.UnaryOp):
        return -_eval(node.operand, names)
    if isinstance(node, ast.BinOp):
        return _OPS[type(node.op)](_eval(node.left, names), _eval(node.right, names))
    raise FormulaError(f"not allowed in a fee formula: {type(node).__name__}")


def fee(permit_type: PermitType, data: dict[str, Any]) -> int:
    """The retribusi in whole rupiah (half up), from the type's formula, the data and the tariffs."""
    value = _eval(_parse(permit_type.formula), {**data, "tarif": tariffs()})
    if not isinstance(value, Decimal):
        raise FormulaError("the formula does not give an amount")
    return int(max(value, Decimal(0)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def describe(permit_type: PermitType) -> dict[str, Any]:
    """The public view of a type (what the catalogue endpoint shows)."""
    return {
        "code": permit_type.code,
        "name": permit_type.name,
        "kd_izin": permit_type.kd_izin,
        "risk": permit_type.risk,
        "technical_opd": permit_type.technical_opd,
        "sla_workdays": permit_type.sla_workdays,
        "fiktif_positif": permit_type.fiktif_positif,
        "validity_years": permit_type.validity_years,
        "fields": permit_type.fields,
        "documents": [
            {"code": d.code, "name": d.name, "types": list(d.types), "max_mb": d.max_mb}
            for d in permit_type.documents
        ],
        "steps": [
            {
                "code": s.code,
                "name": s.name,
                "opd": permit_type.opd_of(s),
                "workdays": s.workdays,
                "max_rounds": s.max_rounds,
            }
            for s in permit_type.steps
        ],
        "fee_formula": permit_type.formula,
    }

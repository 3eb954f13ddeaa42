"""HL7 FHIR R4 boundary: a hospital's birth Bundle → our birth report, and problems → OperationOutcome.

The Bundle is validated with the fhir.resources R4B models (FHIR R4B is R4 plus fixes, and accepts
the R4 resources hospital systems send); our own rules (identifiers, codes, ranges) come on top.
Every problem found is reported at once, as a FHIR OperationOutcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from gateway.identity import nik as nik_rules
from services.adminduk.births.schemas import LENGTH_CM, MAX_MULTIPLE_BIRTH, WEIGHT_GRAMS

CONTENT_TYPE = "application/fhir+json"
NIK_SYSTEM = "https://fhir.kemkes.go.id/id/nik"
NIK_IBU_SYSTEM = "https://fhir.kemkes.go.id/id/nik-ibu"
BIRTH_TIME_URL = "http://hl7.org/fhir/StructureDefinition/patient-birthTime"
LOINC = "http://loinc.org"
LOINC_BIRTH_WEIGHT = "8339-4"
LOINC_LENGTH = ("89269-5", "8302-2", "8305-5")  # body length at birth, body height, body height lying
ROLE_MOTHER, ROLE_FATHER = "MTH", "FTH"
MAX_BUNDLE_ENTRIES = 50  # a birth needs ~8 (newborn, mother, parents, encounter, observations)
GENDER = {"male": "L", "female": "P"}
# Where a report field comes from when the exact entry is not known (FHIRPath on the resource type).
FIELD_PATHS = {
    "facility_code": "Encounter.serviceProvider.identifier.value",
    "born_at": "Patient.birthDate",
    "birth_date": "Patient.birthDate",
    "mother_nik": "Patient.identifier",
    "mother_name": "Patient.name",
    "mother_birth_date": "Patient.birthDate",
    "father_nik": "RelatedPerson.identifier",
    "hospital_reference": "Encounter.identifier",
}


def issue(
    code: str, diagnostics: str, expression: str | None = None, severity: str = "error"
) -> dict[str, Any]:
    """One OperationOutcome.issue (codes from http://hl7.org/fhir/issue-type)."""
    item: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        item["expression"] = [expression]
    return item


def operation_outcome(issues: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": issues}


def problem_issues(
    problems: list[Any], codes: dict[int, str], paths: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Our rules' problems (services.adminduk.errors.Problem) as issues pointing into the Bundle.

    `paths` are the exact FHIRPaths parse_bundle found for each report field; without one, the
    field's FHIRPath on its resource type.
    """
    where = {**FIELD_PATHS, **(paths or {})}
    return [
        issue(codes.get(p.status, "invalid"), f"{p.reason}: {p.message}", where.get(p.field, "Bundle"))
        for p in problems
    ]


def _loc(loc: tuple[Any, ...]) -> str:
    out = "Bundle"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _nik_at(identifiers: list[Any] | None, system: str) -> tuple[str | None, int]:
    """The NIK of a system and the index of its identifier (-1 if there is none)."""
    for k, ident in enumerate(identifiers or []):
        if ident.system == system and ident.value:
            return str(ident.value).strip(), k
    return None, -1


def _nik_of(identifiers: list[Any] | None, system: str) -> str | None:
    return _nik_at(identifiers, system)[0]


def _codes(concepts: list[Any] | Any | None) -> set[str]:
    if concepts is None:
        return set()
    if not isinstance(concepts, list):
        concepts = [concepts]
    return {c.code for concept in concepts for c in (concept.coding or []) if c.code}


def _loinc(observation: Any) -> set[str]:
    return {c.code for c in (observation.code.coding or []) if c.system == LOINC and c.code}


def _name_at(patient: Any) -> tuple[str | None, int]:
    """The first usable name of a Patient, upper case, and its index in Patient.name."""
    for n, name in enumerate(patient.name or []):
        text = name.text or " ".join([*(name.given or []), name.family or ""]).strip()
        if text and text.strip():
            return " ".join(text.upper().split()), n
    return None, -1


def _name(patient: Any) -> str | None:
    return _name_at(patient)[0]


def _check_nik(value: str, expression: str, issues: list[dict[str, Any]]) -> None:
    try:
        nik_rules.parse(value)
    except nik_rules.InvalidNik as exc:
        issues.append(issue("value", str(exc), expression))


@dataclass
class _Mapped:
    """What the mappers build: the report, where each field was read (FHIRPath), the problems found."""

    report: dict[str, Any] = field(
        default_factory=lambda: {
            "child_name": None,
            "birth_place": "PEMATANGSIANTAR",
            "length_cm": None,
            "attendant": None,
            "father_nik": None,
            "facility_code": None,
            "multiple_birth_order": 1,
        }
    )
    paths: dict[str, str] = field(default_factory=dict)
    issues: list[dict[str, Any]] = field(default_factory=list)

    def problem(self, code: str, diagnostics: str, expression: str | None = None) -> None:
        self.issues.append(issue(code, diagnostics, expression))


def check_structure(payload: dict[str, Any]) -> tuple[Bundle | None, list[dict[str, Any]]]:
    """A Bundle of known resource types that the FHIR R4B models accept; else (None, the issues)."""
    if payload.get("resourceType") != "Bundle":
        return None, [issue("structure", "Expected a FHIR Bundle", "Bundle.resourceType")]
    entries = payload.get("entry") or []
    if not isinstance(entries, list) or len(entries) > MAX_BUNDLE_ENTRIES:
        # Counted before the models validate it: validating 8,000 entries took seconds of CPU.
        return None, [issue("too-costly", f"At most {MAX_BUNDLE_ENTRIES} entries in a birth Bundle", "Bundle.entry")]
    issues: list[dict[str, Any]] = []
    for i, entry in enumerate(entries):
        kind = (entry or {}).get("resource", {}).get("resourceType") if isinstance(entry, dict) else None
        try:
            get_fhir_model_class(str(kind))
        except (KeyError, ValueError):
            issues.append(issue("structure", f"Unknown resourceType {kind!r}", f"Bundle.entry[{i}].resource"))
    if issues:
        return None, issues
    try:
        return Bundle.model_validate(payload), []
    except ValidationError as exc:
        return None, [
            issue("invalid" if err["type"] != "missing" else "required", err["msg"], _loc(err["loc"]))
            for err in exc.errors()
        ]


def parse_bundle(payload: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Map a birth Bundle to the fields of a birth report; returns (report or None, issues).

    The structure is checked first; then one mapper per resource type reads its entries, in this
    order (the order of the issues a hospital sees).
    """
    bundle, issues = check_structure(payload)
    if bundle is None:
        return None, issues
    resources = [(i, e.resource) for i, e in enumerate(bundle.entry or []) if e.resource is not None]

    def of_type(kind: str) -> list[tuple[int, Any]]:
        return [(i, r) for i, r in resources if r.get_resource_type() == kind]

    patients = of_type("Patient")
    newborns = [(i, r) for i, r in patients if _nik_of(r.identifier, NIK_IBU_SYSTEM)]
    mothers = [(i, r) for i, r in patients if _nik_of(r.identifier, NIK_SYSTEM) and (i, r) not in newborns]
    out = _Mapped()
    out.report["fhir_paths"] = out.paths
    map_newborn(newborns, out)
    map_mother(mothers[:1], out)
    map_related_persons(of_type("RelatedPerson"), out)
    map_encounter(of_type("Encounter"), bundle, out)
    map_observations(of_type("Observation"), out)
    return (None if out.issues else out.report), out.issues


def _birth_time(baby: Any, where: str, out: _Mapped) -> datetime | None:
    """The patient-birthTime extension on birthDate, if it carries a time zone."""
    born_at = None
    for ext in (baby.birthDate__ext.extension or []) if baby.birthDate__ext else []:
        if ext.url == BIRTH_TIME_URL and isinstance(ext.valueDateTime, datetime):
            born_at = ext.valueDateTime
    if born_at is not None and born_at.tzinfo is None:
        out.problem("value", "birthTime needs a time zone offset", f"{where}.birthDate.extension")
        return None
    return born_at


def map_newborn(newborns: list[tuple[int, Any]], out: _Mapped) -> None:
    """Patient (the newborn, identified by the mother's NIK): name, sex, birth date/time, order."""
    report, paths = out.report, out.paths
    if len(newborns) != 1:
        out.problem(
            "required",
            f"Exactly one newborn Patient with an identifier of system {NIK_IBU_SYSTEM} is required "
            f"(found {len(newborns)})",
            "Bundle.entry",
        )
        return
    i, baby = newborns[0]
    where = f"Bundle.entry[{i}].resource"
    report["child_name"] = _name(baby)
    if baby.gender not in GENDER:
        out.problem("value", "gender must be 'male' or 'female' for a birth registration", f"{where}.gender")
    else:
        report["sex"] = GENDER[baby.gender]
    if baby.birthDate is None:
        out.problem("required", "birthDate is required", f"{where}.birthDate")
    elif not isinstance(baby.birthDate, date):  # FHIR allows "2026" or "2026-11"; a birth needs the day
        out.problem("value", "birthDate must be a full date (YYYY-MM-DD)", f"{where}.birthDate")
    else:
        report["born_at"] = _birth_time(baby, where, out)
        report["birth_date"] = baby.birthDate
        paths["born_at"] = paths["birth_date"] = f"{where}.birthDate"
    order = baby.multipleBirthInteger
    if order is None and baby.multipleBirthBoolean:
        out.problem(
            "required",
            "multipleBirthInteger is required for a multiple birth",
            f"{where}.multipleBirthInteger",
        )
    elif order is not None:
        if not 1 <= order <= MAX_MULTIPLE_BIRTH:
            out.problem(
                "value",
                f"multipleBirthInteger must be 1-{MAX_MULTIPLE_BIRTH}",
                f"{where}.multipleBirthInteger",
            )
        report["multiple_birth_order"] = order
    nik_ibu, k = _nik_at(baby.identifier, NIK_IBU_SYSTEM)
    assert nik_ibu is not None
    paths["mother_nik"] = f"{where}.identifier[{k}].value"
    _check_nik(nik_ibu, paths["mother_nik"], out.issues)
    report["mother_nik"] = nik_ibu


def map_mother(mothers: list[tuple[int, Any]], out: _Mapped) -> None:
    """Patient (the mother, by her NIK): her NIK, name and birth date, where she is stated herself."""
    report, paths = out.report, out.paths
    for i, mother in mothers:
        where = f"Bundle.entry[{i}].resource"
        mother_nik, k = _nik_at(mother.identifier, NIK_SYSTEM)
        assert mother_nik is not None
        _check_nik(mother_nik, f"{where}.identifier[{k}].value", out.issues)
        if report.get("mother_nik") and mother_nik != report["mother_nik"]:
            out.problem(
                "business-rule",
                "The mother's NIK differs from the newborn's nik-ibu identifier",
                f"{where}.identifier[{k}].value",
            )
        else:  # the mother's own Patient is where her NIK, name and birth date are stated
            paths["mother_nik"] = f"{where}.identifier[{k}].value"
        name, n = _name_at(mother)
        if name:
            report["mother_name"] = name
            paths["mother_name"] = f"{where}.name[{n}]"
        if mother.birthDate is not None:  # a full date, or "1995" / "1995-03" (compared as far as given)
            report["mother_birth_date"] = mother.birthDate
            paths["mother_birth_date"] = f"{where}.birthDate"


def map_related_persons(related: list[tuple[int, Any]], out: _Mapped) -> None:
    """RelatedPerson: the father's NIK (FTH); a mother (MTH) must be the same NIK as the mother's."""
    report, paths = out.report, out.paths
    for i, person in related:
        roles = _codes(person.relationship)
        nik, k = _nik_at(person.identifier, NIK_SYSTEM)
        where = f"Bundle.entry[{i}].resource"
        if ROLE_FATHER in roles and nik:
            paths["father_nik"] = f"{where}.identifier[{k}].value"
            _check_nik(nik, paths["father_nik"], out.issues)
            report["father_nik"] = nik
        elif ROLE_MOTHER in roles and nik and report.get("mother_nik") and nik != report["mother_nik"]:
            out.problem(
                "business-rule",
                "The MTH RelatedPerson's NIK differs from the mother's",
                f"{where}.identifier[{k}].value",
            )


def map_encounter(encounters: list[tuple[int, Any]], bundle: Bundle, out: _Mapped) -> None:
    """Encounter: the hospital's reference (else the Bundle's identifier), facility and attendant."""
    report, paths = out.report, out.paths
    if encounters:
        i, encounter = encounters[0]
        k, ident = next(
            ((k, x.value) for k, x in enumerate(encounter.identifier or []) if x.value), (0, None)
        )
        report["hospital_reference"] = ident
        paths["hospital_reference"] = f"Bundle.entry[{i}].resource.identifier[{k}].value"
        provider = encounter.serviceProvider
        if provider is not None and provider.identifier is not None and provider.identifier.value:
            report["facility_code"] = provider.identifier.value
            paths["facility_code"] = f"Bundle.entry[{i}].resource.serviceProvider.identifier.value"
        for participant in encounter.participant or []:
            if participant.individual is not None and participant.individual.display:
                report["attendant"] = participant.individual.display[:120]
                break
    if not report.get("hospital_reference") and bundle.identifier is not None and bundle.identifier.value:
        report["hospital_reference"] = bundle.identifier.value
        paths["hospital_reference"] = "Bundle.identifier.value"
    if not report.get("hospital_reference"):
        out.problem(
            "required",
            "An Encounter with an identifier (the hospital's reference) is required",
            "Bundle.entry",
        )
    elif len(report["hospital_reference"]) > 64:
        out.problem(
            "value",
            "The hospital's reference is longer than 64 characters",
            paths.get("hospital_reference", "Encounter.identifier"),
        )


def map_observations(observations: list[tuple[int, Any]], out: _Mapped) -> None:
    """Observation: birth weight (LOINC 8339-4, required) and body length, in their units and ranges."""
    weight = None
    for i, obs in observations:
        codes = _loinc(obs)
        where = f"Bundle.entry[{i}].resource.valueQuantity"
        quantity = obs.valueQuantity
        if LOINC_BIRTH_WEIGHT in codes:
            if quantity is None or quantity.value is None:
                out.problem("required", "Birth weight needs a valueQuantity", where)
                continue
            unit = (quantity.code or quantity.unit or "g").lower()
            grams = float(quantity.value) * (1000 if unit == "kg" else 1)
            if unit not in ("g", "kg") or not WEIGHT_GRAMS[0] <= grams <= WEIGHT_GRAMS[1]:
                out.problem("value", f"Birth weight must be {WEIGHT_GRAMS[0]}-{WEIGHT_GRAMS[1]} g", where)
                weight = 0  # reported as a problem; never rounded (1e308 kg is no integer)
                continue
            weight = round(grams)
        elif codes & set(LOINC_LENGTH) and quantity is not None and quantity.value is not None:
            unit = (quantity.code or quantity.unit or "cm").lower()
            cm = float(quantity.value) * (100 if unit == "m" else 1)
            if unit not in ("cm", "m") or not LENGTH_CM[0] <= cm <= LENGTH_CM[1]:
                out.problem("value", f"Birth length must be {LENGTH_CM[0]:g}-{LENGTH_CM[1]:g} cm", where)
            out.report["length_cm"] = cm
    if weight is None:
        out.problem(
            "required",
            f"An Observation of birth weight (LOINC {LOINC_BIRTH_WEIGHT}) is required",
            "Bundle.entry",
        )
    out.report["weight_grams"] = weight

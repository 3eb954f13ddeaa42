"""HL7 FHIR R4 boundary: a hospital's birth Bundle → our birth report, and problems → OperationOutcome.

The Bundle is validated with the fhir.resources R4B models (FHIR R4B is R4 plus fixes, and accepts
the R4 resources hospital systems send); our own rules (identifiers, codes, ranges) come on top.
Every problem found is reported at once, as a FHIR OperationOutcome.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from gateway.identity import nik as nik_rules
from services.adminduk.schemas import LENGTH_CM, MAX_MULTIPLE_BIRTH, WEIGHT_GRAMS

CONTENT_TYPE = "application/fhir+json"
NIK_SYSTEM = "https://fhir.kemkes.go.id/id/nik"
NIK_IBU_SYSTEM = "https://fhir.kemkes.go.id/id/nik-ibu"
BIRTH_TIME_URL = "http://hl7.org/fhir/StructureDefinition/patient-birthTime"
LOINC = "http://loinc.org"
LOINC_BIRTH_WEIGHT = "8339-4"
LOINC_LENGTH = ("89269-5", "8302-2", "8305-5")  # body length at birth, body height, body height lying
ROLE_MOTHER, ROLE_FATHER = "MTH", "FTH"
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


def parse_bundle(payload: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Map a birth Bundle to the fields of a birth report; returns (report or None, issues)."""
    issues: list[dict[str, Any]] = []
    if payload.get("resourceType") != "Bundle":
        return None, [issue("structure", "Expected a FHIR Bundle", "Bundle.resourceType")]
    for i, entry in enumerate(payload.get("entry") or []):
        kind = (entry or {}).get("resource", {}).get("resourceType") if isinstance(entry, dict) else None
        try:
            get_fhir_model_class(str(kind))
        except (KeyError, ValueError):
            issues.append(issue("structure", f"Unknown resourceType {kind!r}", f"Bundle.entry[{i}].resource"))
    if issues:
        return None, issues
    try:
        bundle = Bundle.model_validate(payload)
    except ValidationError as exc:
        for err in exc.errors():
            issues.append(
                issue("invalid" if err["type"] != "missing" else "required", err["msg"], _loc(err["loc"]))
            )
        return None, issues

    resources = [(i, e.resource) for i, e in enumerate(bundle.entry or []) if e.resource is not None]
    patients = [(i, r) for i, r in resources if r.get_resource_type() == "Patient"]
    newborns = [(i, r) for i, r in patients if _nik_of(r.identifier, NIK_IBU_SYSTEM)]
    mothers = [(i, r) for i, r in patients if _nik_of(r.identifier, NIK_SYSTEM) and (i, r) not in newborns]
    related = [(i, r) for i, r in resources if r.get_resource_type() == "RelatedPerson"]
    encounters = [(i, r) for i, r in resources if r.get_resource_type() == "Encounter"]
    observations = [(i, r) for i, r in resources if r.get_resource_type() == "Observation"]

    paths: dict[str, str] = {}  # report field → the FHIRPath it was read from
    report: dict[str, Any] = {
        "fhir_paths": paths,
        "child_name": None,
        "birth_place": "PEMATANGSIANTAR",
        "length_cm": None,
        "attendant": None,
        "father_nik": None,
        "facility_code": None,
        "multiple_birth_order": 1,
    }
    if len(newborns) != 1:
        issues.append(
            issue(
                "required",
                f"Exactly one newborn Patient with an identifier of system {NIK_IBU_SYSTEM} is required "
                f"(found {len(newborns)})",
                "Bundle.entry",
            )
        )
    else:
        i, baby = newborns[0]
        where = f"Bundle.entry[{i}].resource"
        report["child_name"] = _name(baby)
        if baby.gender not in GENDER:
            issues.append(
                issue(
                    "value", "gender must be 'male' or 'female' for a birth registration", f"{where}.gender"
                )
            )
        else:
            report["sex"] = GENDER[baby.gender]
        if baby.birthDate is None:
            issues.append(issue("required", "birthDate is required", f"{where}.birthDate"))
        elif not isinstance(baby.birthDate, date):  # FHIR allows "2026" or "2026-11"; a birth needs the day
            issues.append(issue("value", "birthDate must be a full date (YYYY-MM-DD)", f"{where}.birthDate"))
        else:
            born_at = None
            for ext in (baby.birthDate__ext.extension or []) if baby.birthDate__ext else []:
                if ext.url == BIRTH_TIME_URL and isinstance(ext.valueDateTime, datetime):
                    born_at = ext.valueDateTime
            if born_at is not None and born_at.tzinfo is None:
                issues.append(
                    issue("value", "birthTime needs a time zone offset", f"{where}.birthDate.extension")
                )
                born_at = None
            report["born_at"] = born_at
            report["birth_date"] = baby.birthDate
            paths["born_at"] = paths["birth_date"] = f"{where}.birthDate"
        order = baby.multipleBirthInteger
        if order is None and baby.multipleBirthBoolean:
            issues.append(
                issue(
                    "required",
                    "multipleBirthInteger is required for a multiple birth",
                    f"{where}.multipleBirthInteger",
                )
            )
        elif order is not None:
            if not 1 <= order <= MAX_MULTIPLE_BIRTH:
                issues.append(
                    issue(
                        "value",
                        f"multipleBirthInteger must be 1-{MAX_MULTIPLE_BIRTH}",
                        f"{where}.multipleBirthInteger",
                    )
                )
            report["multiple_birth_order"] = order
        nik_ibu, k = _nik_at(baby.identifier, NIK_IBU_SYSTEM)
        assert nik_ibu is not None
        paths["mother_nik"] = f"{where}.identifier[{k}].value"
        _check_nik(nik_ibu, paths["mother_nik"], issues)
        report["mother_nik"] = nik_ibu

    for i, mother in mothers[:1]:
        where = f"Bundle.entry[{i}].resource"
        mother_nik, k = _nik_at(mother.identifier, NIK_SYSTEM)
        assert mother_nik is not None
        _check_nik(mother_nik, f"{where}.identifier[{k}].value", issues)
        if report.get("mother_nik") and mother_nik != report["mother_nik"]:
            issues.append(
                issue(
                    "business-rule",
                    "The mother's NIK differs from the newborn's nik-ibu identifier",
                    f"{where}.identifier[{k}].value",
                )
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
    for i, person in related:
        roles = _codes(person.relationship)
        nik, k = _nik_at(person.identifier, NIK_SYSTEM)
        where = f"Bundle.entry[{i}].resource"
        if ROLE_FATHER in roles and nik:
            paths["father_nik"] = f"{where}.identifier[{k}].value"
            _check_nik(nik, paths["father_nik"], issues)
            report["father_nik"] = nik
        elif ROLE_MOTHER in roles and nik and report.get("mother_nik") and nik != report["mother_nik"]:
            issues.append(
                issue(
                    "business-rule",
                    "The MTH RelatedPerson's NIK differs from the mother's",
                    f"{where}.identifier[{k}].value",
                )
            )

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
        issues.append(
            issue(
                "required",
                "An Encounter with an identifier (the hospital's reference) is required",
                "Bundle.entry",
            )
        )
    elif len(report["hospital_reference"]) > 64:
        issues.append(
            issue(
                "value",
                "The hospital's reference is longer than 64 characters",
                paths.get("hospital_reference", "Encounter.identifier"),
            )
        )

    weight = None
    for i, obs in observations:
        codes = _loinc(obs)
        where = f"Bundle.entry[{i}].resource.valueQuantity"
        quantity = obs.valueQuantity
        if LOINC_BIRTH_WEIGHT in codes:
            if quantity is None or quantity.value is None:
                issues.append(issue("required", "Birth weight needs a valueQuantity", where))
                continue
            unit = (quantity.code or quantity.unit or "g").lower()
            grams = float(quantity.value) * (1000 if unit == "kg" else 1)
            if unit not in ("g", "kg") or not WEIGHT_GRAMS[0] <= grams <= WEIGHT_GRAMS[1]:
                issues.append(
                    issue("value", f"Birth weight must be {WEIGHT_GRAMS[0]}-{WEIGHT_GRAMS[1]} g", where)
                )
            weight = round(grams)
        elif codes & set(LOINC_LENGTH) and quantity is not None and quantity.value is not None:
            unit = (quantity.code or quantity.unit or "cm").lower()
            cm = float(quantity.value) * (100 if unit == "m" else 1)
            if unit not in ("cm", "m") or not LENGTH_CM[0] <= cm <= LENGTH_CM[1]:
                issues.append(
                    issue("value", f"Birth length must be {LENGTH_CM[0]:g}-{LENGTH_CM[1]:g} cm", where)
                )
            report["length_cm"] = cm
    if weight is None:
        issues.append(
            issue(
                "required",
                f"An Observation of birth weight (LOINC {LOINC_BIRTH_WEIGHT}) is required",
                "Bundle.entry",
            )
        )
    report["weight_grams"] = weight
    return (None if issues else report), issues

"""The one catalogue of error reasons: every `reason` the API can answer with, its HTTP status, its meaning.

A mobile app or an integrator switches on `reason`; this table is what they can rely on. The OpenAPI
document draws the error body's `reason` enum from it, `docs/errors.md` is generated from it
(`python -m gateway.reasons > docs/errors.md`), and tests/gateway/test_error_catalogue.py fails when the
code raises a reason that is not listed here (it reads gateway/ and services/ with `ast`).

Adding a reason is one line in its area's section below: `("reason", status, "meaning"),` — a status
tuple when the same reason is answered with more than one status.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from http import HTTPStatus


@dataclass(frozen=True)
class Reason:
    """One stable reason: the statuses it comes with, what it means, the part of the API it belongs to."""

    name: str
    statuses: tuple[int, ...]
    meaning: str
    area: str


Row = tuple[str, int | tuple[int, ...], str]


def _section(area: str, rows: list[Row]) -> list[Reason]:
    return [
        Reason(name, status if isinstance(status, tuple) else (status,), meaning, area)
        for name, status, meaning in rows
    ]


HTTP = _section(
    "Any endpoint (HTTP level)",
    [
        ("bad_request", 400, "The request is malformed (e.g. a body that is not JSON, a bad query string)"),
        ("unauthorized", 401, "Authentication failed"),
        ("forbidden", 403, "The caller may not do this"),
        ("not_found", 404, "No such path or record (also a record the caller may not see)"),
        ("method_not_allowed", 405, "The path exists but not with this method (see the Allow header)"),
        ("not_acceptable", 406, "No representation matches the Accept header"),
        ("request_timeout", 408, "The request body did not arrive in time"),
        ("conflict", 409, "The request conflicts with the record's current state"),
        ("invalid_transition", 409, "The action is not possible in the record's current state (`state`)"),
        ("transition_not_allowed", 403, "The caller's role may not make this change to the record"),
        ("gone", 410, "The resource existed and is gone for good"),
        ("length_required", 411, "A body was sent without Content-Length"),
        (
            "etag_mismatch",
            412,
            "If-Match does not match the record's current ETag: someone changed it; reload it",
        ),
        ("payload_too_large", 413, "The body is larger than the endpoint accepts"),
        ("uri_too_long", 414, "The path and query string are too long"),
        ("unsupported_media_type", 415, "The body's Content-Type is not one the endpoint accepts"),
        ("range_not_satisfiable", 416, "The Range header asks for bytes the file does not have"),
        ("validation_failed", 422, "The body or query does not pass its schema; `errors` says which fields"),
        ("etag_required", 428, "This change needs If-Match with the record's ETag: GET it first"),
        ("rate_limited", 429, "Too many requests; wait the seconds in Retry-After"),
        ("request_header_fields_too_large", 431, "A header is too large"),
        ("internal_error", 500, "An unexpected error; it is logged with the request's X-Request-ID"),
        ("not_implemented", 501, "The server does not support this method"),
        ("unavailable", 503, "A dependency (database, Redis) is down; retry later"),
    ],
)

GATEWAY = _section(
    "Identity, tokens, idempotency, documents, administration",
    [
        (
            "authentication_required",
            (401, 403),
            "No token was sent (403 where only some channels may post without one)",
        ),
        (
            "invalid_token",
            401,
            "The Authorization header is not 'Bearer <token>' or the token is not genuine",
        ),
        ("token_expired", 401, "The access token has expired: refresh it"),
        ("token_revoked", 401, "The token was revoked (logout, a re-used refresh token, a closed account)"),
        ("invalid_credentials", 401, "Wrong login or password"),
        ("invalid_refresh_token", 401, "The refresh token is unknown, expired or revoked"),
        (
            "refresh_token_reused",
            401,
            "A rotated refresh token was used again: every session of that login is revoked",
        ),
        ("account_closed", 401, "The citizen's account is closed (e.g. the resident died)"),
        ("account_disabled", 401, "The staff account is disabled"),
        ("invalid_client", 401, "Client credentials missing or wrong (OAuth2 client_credentials)"),
        ("invalid_scope", 403, "The client asked for a scope it was not granted"),
        ("scope_required", 403, "The client's token lacks the scope this endpoint needs"),
        ("role_not_allowed", 403, "The endpoint is for other roles than the caller's"),
        ("role_required", 403, "The action needs another role than the caller's"),
        ("citizen_required", 403, "The endpoint is for citizens (or counter staff acting for one)"),
        ("on_behalf_not_allowed", 403, "Only counter staff may send X-On-Behalf-Of"),
        (
            "on_behalf_reason_required",
            422,
            "X-On-Behalf-Of needs X-On-Behalf-Reason (why the citizen is served)",
        ),
        ("resident_not_active", 403, "This NIK cannot open an account (deceased or moved away)"),
        ("resident_not_found", (404, 422), "No living resident with this NIK"),
        ("registry_mismatch", 422, "NIK, name and birth date do not match the population registry"),
        ("account_exists", 409, "An account already exists for this NIK"),
        ("account_not_found", 404, "No account for this login"),
        ("phone_in_use", 409, "The phone number belongs to another account"),
        ("otp_challenge_not_found", 404, "No pending verification with this id"),
        ("otp_invalid", 422, "Wrong one-time code"),
        ("otp_expired", 422, "The one-time code has expired: request a new one"),
        ("otp_attempts_exceeded", 422, "Too many wrong codes: request a new one"),
        ("idempotency_key_required", 400, "Machine clients must send Idempotency-Key on every POST"),
        ("idempotency_key_invalid", 400, "Idempotency-Key must be 1-200 printable characters"),
        (
            "idempotency_key_reused",
            422,
            "This Idempotency-Key was used with a different request: use a new key",
        ),
        (
            "idempotency_in_progress",
            409,
            "A request with this Idempotency-Key is still running: retry shortly",
        ),
        (
            "idempotency_answer_unavailable",
            409,
            "The stored first answer to this Idempotency-Key cannot be opened any more "
            "(the server's key changed): use a new key",
        ),
        ("document_not_found", 404, "No such document, or not one the caller may see"),
        (
            "document_not_ready",
            409,
            "The document is still being rendered and signed: retry in a few seconds",
        ),
        ("invalid_verification_token", 404, "The QR verification code is not genuine"),
        ("notification_not_found", 404, "No such notification"),
        ("staff_not_found", 404, "No such staff account"),
        ("username_taken", 409, "A staff account with this username exists"),
        ("opd_required", 422, "An officer must belong to an OPD"),
        ("unknown_opd", 422, "No OPD with this code"),
        ("job_not_found", 404, "No failed job with this id"),
    ],
)

ADMINDUK = _section(
    "adminduk (births, deaths, corrections, applications)",
    [
        (
            "report_rejected",
            422,
            "A report broke rules; the answer carries the first problem's own reason instead",
        ),
        ("client_required", 403, "Only a health facility's system may report this"),
        ("client_without_facility", 403, "The client is not bound to a health facility"),
        ("facility_mismatch", 403, "The report names another facility than the client's"),
        ("opd_not_allowed", 403, "Only Disdukcapil officers may do this"),
        ("birth_in_future", 422, "The birth is in the future"),
        ("mother_not_found", 422, "No resident with the mother's NIK"),
        ("mother_mismatch", 422, "The mother's name or birth date does not match the registry for her NIK"),
        ("mother_deceased", 422, "The mother is registered as deceased"),
        ("mother_not_female", 422, "The mother's NIK belongs to a male resident"),
        ("implausible_mother_age", 422, "The mother's age at the birth is outside the plausible range"),
        ("father_is_mother", 422, "The father's NIK is the mother's"),
        ("placeholder_name", 422, "A hospital's 'Bayi Ny.' stand-in is not a name: give the child's own"),
        (
            "duplicate_birth",
            409,
            "This birth was already reported (`existing_id` names it when your facility reported it)",
        ),
        ("birth_not_found", 404, "No such birth registration, or not one the caller may see"),
        ("birth_not_registered", 409, "The birth is not registered yet"),
        ("child_already_named", 409, "The child already has a name: ask for a correction"),
        ("death_in_future", 422, "The death is in the future"),
        ("death_before_birth", 422, "The death is before the person's birth"),
        (
            "deceased_mismatch",
            422,
            "The deceased's name or birth date does not match the registry for the NIK",
        ),
        ("reporter_is_deceased", 422, "A citizen cannot report their own death"),
        ("not_same_family", 422, "Only a member of the same family card may report a death"),
        ("already_deceased", 409, "The person is already registered as deceased"),
        ("duplicate_death", 409, "This death was already reported (`existing_id` names it)"),
        ("death_not_found", 404, "No such death registration, or not one the caller may see"),
        ("not_under_review", 409, "The report is not waiting for an officer's review"),
        ("correction_not_found", 404, "No such correction"),
        ("correction_not_supported", 422, "Online corrections are for an akta kelahiran"),
        ("correction_pending", 409, "A correction for this person is already waiting (`existing_id`)"),
        ("correction_decided", 409, "The correction was already approved or rejected"),
        ("nothing_to_correct", 422, "The corrected data is what the registry already holds"),
        ("application_not_found", 404, "No such application, or not one the caller may see"),
        ("application_open", 409, "An application for the same thing is already open (`existing_id`)"),
        ("application_closed", 409, "The application is already decided or cancelled"),
        (
            "application_not_with_office",
            409,
            "The application is not with the office (it waits for the citizen)",
        ),
        ("not_submitted", 409, "The application is not in the submitted state"),
        ("not_awaiting_correction", 409, "Only an application sent back for correction can be resubmitted"),
        ("wrong_application_kind", 422, "The data given is for another kind of application"),
        ("applicant_not_active", 409, "The applicant no longer lives in the city"),
        ("registry_changed", 409, "The registry changed since filing and no longer allows this (`cause`)"),
        ("nothing_to_change", 422, "This is already the family's address"),
        ("kelurahan_not_in_city", 422, "Not a kelurahan of the city; moving away is a move_out"),
        ("already_married", 422, "The registry already records this person as married"),
        ("marriage_in_future", 422, "The marriage date is in the future"),
        ("implausible_marriage_date", 422, "The person was too young at this marriage date"),
        ("lost_in_future", 422, "The loss date is in the future"),
        ("kia_not_applicable", 422, "A KIA is for children under 17"),
        ("document_not_current", 409, "The document to reprint is no longer the valid one"),
        ("kk_without_members", 404, "The family card has no living member"),
        ("duplicate_member", 422, "A member is listed twice"),
        ("new_head_required", 422, "The head of family moves: name the member who becomes head"),
        ("new_head_invalid", 422, "The new head must be an adult member who stays"),
        ("destination_inside_city", 422, "The destination is in the city: apply for an address change"),
        ("unknown_region", 422, "Not a Kemendagri kabupaten/kota or kecamatan code"),
        ("attachment_missing", 422, "A required attachment is missing"),
        ("attachment_empty", 422, "An attached file is empty"),
        ("attachment_not_base64", 422, "An attached file is not valid base64"),
        ("attachment_too_large", 422, "An attached file is larger than allowed"),
        ("attachment_type_not_allowed", 422, "Only PDF, JPEG or PNG files are accepted"),
        ("attachment_type_mismatch", 422, "A file's content is not the type it claims"),
        ("attachment_not_found", 404, "No such attachment"),
    ],
)

COMPLAINTS = _section(
    "complaints (every channel, Open311, SMS webhook)",
    [
        ("complaint_not_found", 404, "No such complaint, or not one the caller may see"),
        ("unknown_category", 422, "No complaint category with this code"),
        (
            "emergency_call_112",
            (404, 422),
            "An emergency (fire, crime, medical) is not a complaint: call 112",
        ),
        ("location_required", 422, "Give lat/lon, or a kelurahan and an address"),
        ("invalid_location", 422, "The location is incomplete or not in the city's kelurahan list"),
        ("outside_city", 422, "The location is outside Kota Pematangsiantar"),
        ("invalid_attributes", 422, "The category's attributes are missing or invalid"),
        ("invalid_photo", 422, "A photo is not an acceptable image (type, size, count)"),
        ("photo_not_found", 404, "No such photo"),
        ("caller_required", 422, "The call centre must record the caller's name and phone"),
        ("invalid_phone", 400, "Not a valid phone number"),
        ("reporter_only", 403, "Only the reporter may do this"),
        ("desk_only", 403, "Only the complaint desk may do this"),
        ("not_handling_opd", 403, "Only the OPD handling the complaint may do this"),
        ("concurrent_update", 409, "The complaint changed meanwhile: try again"),
        ("complaint_closed", 409, "Only open complaints can be backed"),
        ("own_complaint", 409, "Citizens cannot back their own complaint"),
        ("already_rated", 409, "The complaint was already rated"),
        ("reopen_window_passed", 409, "The time to reopen after the answer has passed"),
        ("reply_required", 422, "The reply to the citizen is required"),
        ("note_required", 422, "Say why (a note is required)"),
        ("reason_required", 422, "Say why it could not be fixed"),
        ("responsible_party_required", 422, "Name who is responsible when it is not the city's matter"),
        ("same_opd", 422, "The complaint is already with this OPD"),
        ("original_not_found", 422, "The complaint named as the original does not exist"),
        ("invalid_original", 422, "The original must be another, non-duplicate complaint"),
        ("api_key_required", 403, "Open311: api_key is required to post a request"),
        ("invalid_api_key", 403, "Open311: the api_key is not client_id:client_secret of a client"),
        ("unknown_service", 404, "Open311: no service with this service_code"),
        ("unknown_token", 404, "Open311: no request for this token"),
        ("signature_missing", 401, "SMS webhook: X-Signature and X-Timestamp are required"),
        ("invalid_timestamp", 401, "SMS webhook: X-Timestamp is not Unix seconds"),
        ("stale_webhook", 401, "SMS webhook: the call is older than 5 minutes (or from the future)"),
        ("invalid_signature", 401, "SMS webhook: the HMAC signature (of timestamp.body) does not match"),
        (
            "received_at_out_of_range",
            422,
            "SMS webhook: received_at is more than a day before X-Timestamp, or after it",
        ),
    ],
)

# The services being built next add their reasons here, one line each.
PAYMENTS = _section(
    "payments",
    [
        ("invoice_not_found", 404, "No such invoice, or not one the caller may see"),
        (
            "invoice_not_open",
            409,
            "The invoice is no longer open (paid, expired or cancelled): `state` says which",
        ),
        (
            "invoice_already_open",
            409,
            "An open invoice for the same purpose has another amount: cancel it first",
        ),
        ("invoice_not_refundable", 409, "Only a paid invoice with money left to refund can be refunded"),
        ("refund_exceeds_paid", 422, "The refund is larger than what is left of the paid amount"),
        ("invalid_invoice", 422, "create_invoice got a value it cannot invoice; `errors.invoice` names each"),
        ("amount_mismatch", 422, "The payment's amount is not the invoice's amount"),
        ("counter_payment_not_found", 404, "No such counter payment"),
        ("counter_payment_not_pending", 409, "The counter payment was confirmed or rejected already"),
        ("slip_already_used", 409, "This cash or EDC slip number was recorded for another payment"),
        (
            "second_staff_required",
            403,
            "A counter payment above the threshold is decided by another staff member",
        ),
        ("settlement_report_unavailable", 503, "The acquirer's settlement report for the day is not available yet"),
        ("settlement_report_invalid", 502, "The acquirer's settlement report is not the agreed CSV; nothing was used"),
        ("reconciliation_task_not_found", 404, "No such reconciliation task"),
        ("reconciliation_task_resolved", 409, "The reconciliation task was resolved already"),
        ("receipt_not_available", 409, "Only a paid (or refunded) invoice has a receipt"),
    ],
)

PERMITS = _section(
    "permits",
    [
        ("permit_not_found", 404, "No such permit, or not one the caller may see"),
        ("unknown_permit_type", 422, "No permit type with this code"),
        (
            "invalid_application_data",
            422,
            "The data does not fit the permit type; `errors.json.data` names each field",
        ),
        ("wrong_state", 409, "Not possible in the application's current state"),
        ("oss_call_not_found", 404, "No such call to OSS"),
        ("oss_call_already_sent", 422, "OSS accepted this call already: nothing to resend"),
        ("unknown_oss_field", 422, "Only the call's own fields can be corrected"),
        ("business_not_found", 404, "No business (NIB) from OSS names the caller as its responsible person"),
        ("business_already_linked", 409, "The NIB is linked to another account"),
        ("oss_unavailable", 503, "OSS did not answer a read (inqueryNIB) in time, refused it or answered nonsense: try again later"),
        ("nib_unknown_to_oss", 404, "OSS has no business with this NIB"),
        ("unknown_document", 422, "The permit type does not ask for this document (`errors.json.doc_code`)"),
        ("invalid_document", 422, "The file was refused (`problem`: type, size, empty, content not its type)"),
        ("documents_missing", 422, "Required documents are missing; `errors.json.documents` names them"),
        (
            "review_rounds_exhausted",
            409,
            "The technical review used all its rounds (PBG: 5): recommend or reject",
        ),
    ],
)

PARKING = _section(
    "parking",
    [
        ("zone_not_found", 404, "No active parking zone with this code"),
        ("zone_exists", 409, "A parking zone with this code exists already"),
        ("invalid_geometry", 422, "A zone's geometry is not a GeoJSON Polygon/MultiPolygon in the city"),
        ("invalid_kelurahan", 422, "Not a kelurahan of Kota Pematangsiantar"),
        ("tariff_backdated", 422, "A new tariff version starts after today (past visits keep theirs)"),
        ("tariff_version_exists", 409, "A tariff version from this date or later exists already"),
        ("unknown_event_kind", 422, "Event kind is not commercial, social or private"),
        ("invalid_period", 422, "A period ends before it starts"),
        ("unknown_attendant", 422, "Not the staff id of an active parking attendant"),
        ("assignment_overlaps", 409, "The attendant is assigned to this zone in an overlapping period"),
        ("assignment_not_found", 404, "No such assignment"),
        ("assignment_ended", 409, "The assignment has ended already"),
        ("invalid_device_id", 422, "A device id is 3–25 capitals, digits or dashes (QRIS tag 62/07)"),
        ("device_exists", 409, "This handheld is registered already"),
        ("unknown_device", 422, "Not an active handheld registered to the city"),
        ("zone_not_assigned", 403, "The attendant is not assigned to this zone at that time (`your_zones`)"),
        ("invalid_plate", 422, "Not an Indonesian number plate (e.g. BK 1234 ABC)"),
        ("no_tariff", 422, "No tariff for this vehicle class on that day"),
        ("session_not_found", 404, "No such parking session, or not one the caller may see"),
        ("session_id_conflict", 409, "The handheld's session id belongs to another visit"),
        ("session_already_open", 409, "This plate has an open session in this zone (`reference`)"),
        ("end_before_start", 422, "A visit cannot end before it starts"),
        ("clock_skew", 422, "The handheld's time is ahead of the city's clock by more than allowed"),
        ("offline_too_old", 422, "An offline visit older than the upload window (PARKING_MAX_OFFLINE_HOURS)"),
        ("no_zone_here", 422, "No parking zone at this location"),
        ("report_too_old", 422, "A cash-demand report is taken within 30 days of the moment"),
        ("report_not_found", 404, "No such cash-demand report, or not one the caller may see"),
        ("month_past", 422, "A subscription is for this month or a later one"),
        ("plate_not_registered", 422, "Register the plate as yours before subscribing for it"),
        ("subscription_exists", 409, "The plate has a subscription for that month already"),
        ("receipt_not_found", 404, "No parking receipt with this code"),
        ("plate_registered", 409, "The plate is registered by another citizen"),
        ("plate_not_found", 404, "No such plate of yours"),
    ],
)

SECTIONS: tuple[list[Reason], ...] = (HTTP, GATEWAY, ADMINDUK, COMPLAINTS, PAYMENTS, PERMITS, PARKING)


def _catalogue() -> dict[str, Reason]:
    """name -> Reason; a reason listed in two areas keeps the first, with both areas' statuses."""
    out: dict[str, Reason] = {}
    for section in SECTIONS:
        for reason in section:
            first = out.get(reason.name)
            if first is None:
                out[reason.name] = reason
            else:
                statuses = tuple(sorted({*first.statuses, *reason.statuses}))
                out[reason.name] = Reason(first.name, statuses, first.meaning, first.area)
    return out


CATALOGUE: dict[str, Reason] = _catalogue()
REASONS: tuple[str, ...] = tuple(sorted(CATALOGUE))


def markdown() -> str:
    """docs/errors.md: one page of every reason, its status and meaning, by area."""
    lines = [
        "# Error reasons",
        "",
        "<!-- Generated by `python -m gateway.reasons > docs/errors.md` from gateway/reasons.py; do not edit. -->",
        "",
        "Every error the API answers has one body (Open311 paths answer GeoReport's own error array):",
        "",
        "```json",
        '{"code": 422, "status": "Unprocessable Entity", "message": "Validation failed",',
        ' "reason": "validation_failed", "errors": {"json": {"mother_nik": ["Not a valid NIK"]}}}',
        "```",
        "",
        "Switch on `reason` (stable snake_case), not on `message` (for people, may change). The OpenAPI",
        "document lists these reasons as the enum of the error body's `reason`. Adminduk reports list every",
        "problem at once in `problems` (each with its own `reason`); the body's `reason` is the first one's.",
        "",
        "**Adding a reason** (a new service or a new rule): add one line to your area's section in",
        '`gateway/reasons.py` — `("permit_expired", 409, "The permit has expired"),` — then run',
        "`python -m gateway.reasons > docs/errors.md`. `tests/gateway/test_error_catalogue.py` reads",
        "gateway/ and services/ and fails if code raises a reason that is not in the catalogue, lists one",
        "with another status, or if this page is out of date.",
        "",
    ]
    for section in SECTIONS:
        if not section:
            continue
        lines += [f"## {section[0].area}", "", "| reason | status | meaning |", "|---|---|---|"]
        for reason in section:
            statuses = ", ".join(f"{s} {HTTPStatus(s).phrase}" for s in reason.statuses)
            lines.append(f"| `{reason.name}` | {statuses} | {reason.meaning.replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown())

"""Parking endpoints: the public map of zones and tariffs, Dishub's administration, the attendant's
handheld (start, batch, end, receipt), citizens' plates and visits, and receipt verification."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask.views import MethodView

from gateway.auth import current_principal
from gateway.db import UnitOfWork
from gateway.extensions import Blueprint, ErrorSchema, create_limit, limiter
from services.parking import schemas as s
from services.parking import service

blp = Blueprint(
    "parking",
    __name__,
    url_prefix="/api/v1/parking",
    description="Cashless on-street parking: zones, tariffs, attendants' handhelds, sessions",
)
PUBLIC_LIMIT = "60/minute"


@blp.after_request
def _geojson(response: Response) -> Response:
    """The public map is served as RFC 7946 GeoJSON (application/geo+json), which map libraries expect."""
    if request.endpoint == "parking.Zones" and request.method == "GET" and response.status_code == 200:
        response.mimetype = "application/geo+json"
    return response


@blp.route("/zones")
class Zones(MethodView):
    @blp.public
    @blp.arguments(s.ZonesQuerySchema, location="query")
    @blp.response(200, s.FeatureCollectionSchema, content_type="application/geo+json")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Parking zones as GeoJSON (WGS84), each with its tariffs in force and events (for map apps)"""
        return service.zones_geojson(UnitOfWork(read_only=True), e_parking=args.get("e_parking"))

    @blp.auth("officer", "admin")
    @blp.arguments(s.ZoneCreateSchema)
    @blp.response(201, s.ZoneSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="A zone with this code exists (zone_exists)")
    def post(self, data: dict[str, Any]) -> Any:
        """Add a parking zone (Dishub)"""
        return service.create_zone(UnitOfWork(), principal=current_principal(), **data)


@blp.route("/zones/<code>/events")
class ZoneEvents(MethodView):
    @blp.auth("officer", "admin")
    @blp.arguments(s.ZoneEventCreateSchema)
    @blp.response(201, s.ZoneEventSchema)
    def post(self, data: dict[str, Any], code: str) -> Any:
        """Declare an event at a zone: visits then are charged its multiple (commercial 3×, private 2×, social 1×)"""
        return service.add_zone_event(UnitOfWork(), principal=current_principal(), zone_code=code, **data)


@blp.route("/tariffs")
class Tariffs(MethodView):
    @blp.public
    @blp.response(200, s.TariffSchema(many=True))
    def get(self) -> list:
        """Every tariff version (per visit and monthly, per vehicle class), with its dates and legal basis"""
        return service.list_tariffs(UnitOfWork(read_only=True))

    @blp.auth("officer", "admin")
    @blp.arguments(s.TariffCreateSchema)
    @blp.response(201, s.TariffSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="A version from this date or later exists")
    def post(self, data: dict[str, Any]) -> Any:
        """Add a tariff version from a future date (Dishub); past visits keep the tariff they were charged"""
        return service.add_tariff_version(UnitOfWork(), principal=current_principal(), **data)


@blp.route("/event-rates")
class EventRates(MethodView):
    @blp.public
    @blp.response(200, s.EventRateSchema(many=True))
    def get(self) -> list:
        """The multiples of the visit tariff during events"""
        return service.event_rates(UnitOfWork(read_only=True))


@blp.route("/assignments")
class Assignments(MethodView):
    @blp.auth("officer", "admin")
    @blp.arguments(s.AssignmentQuerySchema, location="query")
    @blp.response(200, s.AssignmentSchema(many=True))
    def get(self, args: dict[str, Any]) -> list:
        """Attendants' assignments to zones (Dishub), newest first"""
        return service.list_assignments(UnitOfWork(), principal=current_principal(), **args)

    @blp.auth("officer", "admin")
    @blp.arguments(s.AssignmentCreateSchema)
    @blp.response(201, s.AssignmentSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="Overlaps an assignment (assignment_overlaps)")
    def post(self, data: dict[str, Any]) -> Any:
        """Assign an attendant to a zone for a period (Dishub)"""
        return service.assign(UnitOfWork(), principal=current_principal(), **data)


@blp.route("/assignments/<assignment_id>/end")
class AssignmentEnd(MethodView):
    @blp.auth("officer", "admin")
    @blp.response(200, s.AssignmentSchema)
    def post(self, assignment_id: str) -> Any:
        """End an assignment now (Dishub)"""
        return service.end_assignment(
            UnitOfWork(), principal=current_principal(), assignment_id=assignment_id
        )


@blp.route("/devices")
class Devices(MethodView):
    @blp.auth("officer", "admin")
    @blp.response(200, s.DeviceSchema(many=True))
    def get(self) -> list:
        """The city's registered handhelds (Dishub)"""
        return service.list_devices(UnitOfWork(), principal=current_principal())

    @blp.auth("officer", "admin")
    @blp.arguments(s.DeviceCreateSchema)
    @blp.response(201, s.DeviceSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="Registered already (device_exists)")
    def post(self, data: dict[str, Any]) -> Any:
        """Register a handheld; its id is the QRIS terminal label (tag 62/07) (Dishub)"""
        return service.register_device(UnitOfWork(), principal=current_principal(), **data)


@blp.route("/me/zones")
class MyZones(MethodView):
    @blp.auth("attendant")
    @blp.response(200, s.MyZonesSchema)
    def get(self) -> dict[str, Any]:
        """The zones I am assigned to now (the handheld's start screen)"""
        return service.my_zones(UnitOfWork(read_only=True), principal=current_principal())


def _start(data: dict[str, Any], **extra: Any) -> service.Start:
    return service.Start(**data, **extra)


@blp.route("/sessions")
class Sessions(MethodView):
    @blp.auth("attendant")
    @blp.arguments(s.SessionStartSchema)
    @blp.response(201, s.SessionSchema)
    @blp.alt_response(200, schema=s.SessionSchema, description="A retry of a visit started already")
    @blp.alt_response(403, schema=ErrorSchema, description="Not assigned to the zone now (zone_not_assigned)")
    @blp.alt_response(409, schema=ErrorSchema, description="session_already_open or session_id_conflict")
    def post(self, data: dict[str, Any]) -> Any:
        """Start a visit on the handheld (its UUID as id: retrying is safe)"""
        row, created = service.start_session(UnitOfWork(), principal=current_principal(), start=_start(data))
        return service.reading.view(row), 201 if created else 200

    @blp.auth("attendant", "officer", "citizen")
    @blp.arguments(s.SessionQuerySchema, location="query")
    @blp.response(200, s.SessionSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list:
        """Visits: an attendant's own, a citizen's registered plates', any for Dishub (reads are audited)"""
        rows, total = service.list_sessions(
            UnitOfWork(),
            principal=current_principal(),
            limit=pagination_parameters.page_size,
            offset=pagination_parameters.first_item,
            **args,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/sessions/batch")
class SessionBatch(MethodView):
    @blp.auth("attendant")
    @blp.arguments(s.BatchSchema)
    @blp.response(200, s.BatchResultSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Upload visits captured offline (device times): good ones are kept, each refused one says why"""
        items = [_start(item) for item in data["items"]]
        return service.upload_batch(UnitOfWork, principal=current_principal(), items=items)


@blp.route("/sessions/<session_id>")
class SessionItem(MethodView):
    @blp.auth("attendant", "officer", "citizen")
    @blp.response(200, s.SessionSchema)
    def get(self, session_id: str) -> dict[str, Any]:
        """A visit (its attendant, the plate's registered owner, Dishub; staff reads are audited)"""
        return service.get_session(UnitOfWork(), principal=current_principal(), session_id=session_id)


@blp.route("/sessions/<session_id>/end")
class SessionEnd(MethodView):
    @blp.auth("attendant")
    @blp.arguments(s.SessionEndSchema)
    @blp.response(200, s.SessionSchema)
    @blp.alt_response(422, schema=ErrorSchema, description="end_before_start, clock_skew")
    def post(self, data: dict[str, Any], session_id: str) -> dict[str, Any]:
        """End a visit (ending it again changes nothing)"""
        row = service.end_session(UnitOfWork(), principal=current_principal(), session_id=session_id, **data)
        return service.reading.view(row)


@blp.route("/sessions/<session_id>/receipt")
class SessionReceipt(MethodView):
    @blp.auth("attendant", "officer", "citizen")
    @blp.response(200, s.ReceiptSchema)
    def get(self, session_id: str) -> dict[str, Any]:
        """The receipt: digital, with the lines and the short code the handheld prints"""
        return service.receipt(UnitOfWork(), principal=current_principal(), session_id=session_id)


@blp.route("/sessions/<session_id>/photo")
class SessionPhoto(MethodView):
    @blp.auth("attendant", "officer", "citizen")
    @blp.response(200, content_type="image/jpeg")
    def get(self, session_id: str) -> Response:
        """The visit's photo, without metadata (same people as the visit; staff reads are audited)"""
        data, content_type = service.get_photo(
            UnitOfWork(), principal=current_principal(), session_id=session_id
        )
        return Response(data, mimetype=content_type, headers={"Cache-Control": "private, no-store"})


@blp.route("/receipts/<code>")
class ReceiptCheck(MethodView):
    decorators = [limiter.limit(PUBLIC_LIMIT)]

    @blp.public
    @blp.response(200, s.PublicReceiptSchema)
    def get(self, code: str) -> dict[str, Any]:
        """Check a printed receipt by its code (plate masked)"""
        return service.verify_receipt(UnitOfWork(read_only=True), code=code)


@blp.route("/plates")
class Plates(MethodView):
    decorators = [create_limit()]

    @blp.auth("citizen")
    @blp.response(200, s.PlateSchema(many=True))
    def get(self) -> list:
        """My registered plates"""
        return service.my_plates(UnitOfWork(read_only=True), principal=current_principal())

    @blp.auth("citizen")
    @blp.arguments(s.PlateCreateSchema)
    @blp.response(201, s.PlateSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="Registered by someone else (plate_registered)")
    def post(self, data: dict[str, Any]) -> Any:
        """Register my plate: I see its visits, and staff reads of them are in my access log"""
        return service.register_plate(UnitOfWork(), principal=current_principal(), **data)


@blp.route("/plates/<plate_id>")
class PlateItem(MethodView):
    @blp.auth("citizen")
    @blp.response(204)
    def delete(self, plate_id: str) -> None:
        """Remove one of my plates"""
        service.remove_plate(UnitOfWork(), principal=current_principal(), plate_id=plate_id)


@blp.route("/enforcement/check")
class EnforcementCheck(MethodView):
    @blp.auth("officer")
    @blp.arguments(s.CheckSchema)
    @blp.response(200, s.CheckResultSchema)
    @blp.alt_response(422, schema=ErrorSchema, description="no_zone_here, location_required, invalid_plate")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Is this plate allowed here now? Until when, and why (Dishub officers; a registered owner sees it)"""
        return service.check(UnitOfWork(), principal=current_principal(), **data)


@blp.route("/cash-reports")
class CashReports(MethodView):
    decorators = [create_limit()]

    @blp.auth("citizen")
    @blp.arguments(s.CashReportCreateSchema)
    @blp.response(201, s.CashReportSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """ "Jukir minta tunai": report an attendant who asked for cash; it becomes a complaint for Dishub"""
        return service.report_cash_demand(UnitOfWork(), principal=current_principal(), **data)

    @blp.auth("citizen", "officer")
    @blp.arguments(s.CashReportQuerySchema, location="query")
    @blp.response(200, s.CashReportSchema(many=True))
    def get(self, args: dict[str, Any]) -> list:
        """Cash-demand reports: my own (citizen), or all with the attendants on duty (Dishub)"""
        return service.list_reports(UnitOfWork(read_only=True), principal=current_principal(), **args)


@blp.route("/cash-reports/<report_id>/photo")
class CashReportPhoto(MethodView):
    @blp.auth("citizen", "officer")
    @blp.response(200, content_type="image/jpeg")
    def get(self, report_id: str) -> Response:
        """The report's photo (its reporter and Dishub)"""
        data, content_type = service.report_photo(
            UnitOfWork(read_only=True), principal=current_principal(), report_id=report_id
        )
        return Response(data, mimetype=content_type, headers={"Cache-Control": "private, no-store"})


@blp.route("/reconciliation")
class Reconciliation(MethodView):
    @blp.auth("officer", "admin")
    @blp.arguments(s.ReconciliationQuerySchema, location="query")
    @blp.response(200, s.ReconciliationSchema)
    @blp.alt_response(200, content_type="text/csv", description="with format=csv")
    def get(self, args: dict[str, Any]) -> Any:
        """Visits, rupiah due/collected/settled and leakage flags per attendant, zone or device (JSON or CSV)"""
        fmt = args.pop("format")
        result = service.reconcile(UnitOfWork(read_only=True), principal=current_principal(), **args)
        if fmt == "csv":
            name = f"parkir-{args['group']}-{args['start']}-{args['end']}.csv"
            return Response(
                service.reconciliation_csv(result),
                mimetype="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        return result


@blp.route("/reconciliation/targets")
class DepositTargets(MethodView):
    @blp.auth("officer", "admin")
    @blp.arguments(s.TargetQuerySchema, location="query")
    @blp.response(200, s.TargetSchema(many=True))
    def get(self, args: dict[str, Any]) -> list:
        """The month's 54% deposit target per point vs what it collected"""
        return service.deposit_targets(UnitOfWork(read_only=True), principal=current_principal(), **args)


@blp.route("/reconciliation/nightly")
class NightlyRuns(MethodView):
    @blp.auth("officer", "admin")
    @blp.arguments(s.NightlyQuerySchema, location="query")
    @blp.response(200, s.NightlySchema(many=True))
    def get(self, args: dict[str, Any]) -> list:
        """The stored nightly reconciliations (per local day and grouping)"""
        return service.nightly_runs(UnitOfWork(read_only=True), principal=current_principal(), **args)


@blp.route("/sessions/<session_id>/payment")
class SessionPayment(MethodView):
    @blp.auth("attendant", "officer", "citizen")
    @blp.arguments(s.PaymentWaitSchema, location="query")
    @blp.response(200, s.PaymentStatusSchema)
    def get(self, args: dict[str, Any], session_id: str) -> dict[str, Any]:
        """Is the visit paid? With wait=N the answer comes as soon as it is (long-poll, at most N s)"""
        return service.wait_for_payment(
            principal=current_principal(), session_id=session_id, wait=args["wait"]
        )


@blp.route("/pay/<reference>")
class PayByReference(MethodView):
    @blp.auth("citizen")
    @blp.response(200, s.PayByReferenceSchema)
    def get(self, reference: str) -> dict[str, Any]:
        """Pay a visit from the app by the reference on its receipt: its QRIS and billing code"""
        return service.pay_by_reference(UnitOfWork(), reference=reference)


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    decorators = [create_limit()]

    @blp.auth("citizen")
    @blp.response(200, s.SubscriptionSchema(many=True))
    def get(self) -> list:
        """My subscriptions (langganan), newest month first"""
        rows = service.my_subscriptions(UnitOfWork(read_only=True), principal=current_principal())
        return [service.subscriptions.view(r) for r in rows]

    @blp.auth("citizen")
    @blp.arguments(s.SubscriptionCreateSchema)
    @blp.response(201, s.SubscriptionSchema)
    @blp.alt_response(
        409, schema=ErrorSchema, description="The plate has one for that month (subscription_exists)"
    )
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Buy a monthly subscription for one of my plates (city-wide, or chosen zones); pay its QRIS"""
        row = service.buy_subscription(UnitOfWork(), principal=current_principal(), **data)
        return service.subscriptions.view(row)

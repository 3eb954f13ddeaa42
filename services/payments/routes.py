"""Payment endpoints: invoices for their payer (/me/invoices), the purpose's OPD and finance; the QR image."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, jsonify, request
from flask.views import MethodView

from gateway.auth import current_principal
from gateway.db import UnitOfWork
from gateway.errors import ValidationFailed
from gateway.extensions import Blueprint
from gateway.kernel.paging import paged
from services.payments import counter, finance, images, ledger, notifications, receipts, service, va
from services.payments import schemas as s

blp = Blueprint(
    "payments",
    __name__,
    url_prefix="/api/v1/payments",
    description="Invoices (billing code, dynamic QRIS), their payments and refunds",
)
notify_blp = Blueprint(
    "payments_notify",
    __name__,
    url_prefix="/api/v1/payments/notify",
    description="The acquirer's signed payment notifications (SNAP BI)",
)
me_blp = Blueprint("payments_me", __name__, url_prefix="/api/v1/me", description="A citizen's own invoices")


@me_blp.route("/invoices")
class MyInvoices(MethodView):
    @me_blp.auth("citizen")
    @me_blp.arguments(s.MyInvoiceQueryArgsSchema, location="query")
    @me_blp.response(200, s.InvoiceSchema(many=True))
    @me_blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list:
        """My invoices, newest first (open ones carry the QRIS payload to pay)"""
        return paged(pagination_parameters, service.list_invoices, state=args.get("state"))


@blp.route("/invoices")
class Invoices(MethodView):
    @blp.auth("officer", "finance", "admin")
    @blp.arguments(s.InvoiceQueryArgsSchema, location="query")
    @blp.response(200, s.InvoiceSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list:
        """Invoices newest first: an officer sees her OPD's purposes, finance and admins all (audited)"""
        return paged(
            pagination_parameters,
            service.list_invoices,
            state=args.get("state"),
            purpose=args.get("purpose"),
        )


@blp.route("/invoices/<invoice_id>")
class InvoiceOne(MethodView):
    @blp.auth("citizen", "officer", "finance", "admin")
    @blp.response(200, s.InvoiceSchema)
    @blp.alt_response(404, description="No such invoice, or not one the caller may see")
    def get(self, invoice_id: str) -> Any:
        """One invoice (its payer, the purpose's OPD, finance)"""
        return service.read(UnitOfWork(), principal=current_principal(), invoice_id=invoice_id)


@blp.route("/invoices/<invoice_id>/qris.png")
class InvoiceQr(MethodView):
    @blp.auth("citizen", "officer", "finance", "admin")
    @blp.response(200, description="The dynamic QRIS as a PNG QR code", content_type="image/png")
    @blp.doc(
        responses={
            "200": {
                "description": "The dynamic QRIS as a PNG QR code",
                "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    )
    @blp.alt_response(404, description="No such invoice, or not one the caller may see")
    def get(self, invoice_id: str) -> Response:
        """The invoice's QR code to scan with any QRIS wallet (marks the QR as shown)"""
        invoice = service.show_qr(UnitOfWork(), principal=current_principal(), invoice_id=invoice_id)
        response = Response(images.qr_png(invoice.qris_payload), mimetype="image/png")
        response.headers["Cache-Control"] = "private, no-store"
        return response


@blp.route("/invoices/<invoice_id>/receipt.pdf")
class InvoiceReceipt(MethodView):
    @blp.auth("citizen", "officer", "finance", "admin")
    @blp.response(200, description="The signed receipt (bukti pembayaran)", content_type="application/pdf")
    @blp.doc(
        responses={
            "200": {
                "description": "The signed PDF receipt; X-Verify-URL is what its QR code opens",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    )
    @blp.alt_response(404, description="No such invoice, or not one the caller may see")
    @blp.alt_response(409, description="Not paid: no receipt (receipt_not_available)")
    def get(self, invoice_id: str) -> Response:
        """The payment's signed receipt with a QR code anyone can verify (its payer, the OPD, finance)"""
        found = receipts.receipt(UnitOfWork(), principal=current_principal(), invoice_id=invoice_id)
        response = Response(found.pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="bukti-pembayaran-{found.number}.pdf"'
        )
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Verify-URL"] = found.verify_url
        return response


@blp.route("/invoices/<invoice_id>/cancel")
class InvoiceCancel(MethodView):
    @blp.auth("finance", "admin")
    @blp.arguments(s.InvoiceCancelSchema)
    @blp.response(200, s.InvoiceSchema)
    @blp.alt_response(404, description="No such invoice")
    @blp.alt_response(409, description="The invoice is no longer open (reason invoice_not_open)")
    def post(self, args: dict[str, Any], invoice_id: str) -> Any:
        """Cancel an open invoice (finance)"""
        return service.cancel_by_staff(
            UnitOfWork(), principal=current_principal(), invoice_id=invoice_id, reason=args["reason"]
        )


@blp.route("/invoices/<invoice_id>/refunds")
class InvoiceRefunds(MethodView):
    @blp.auth("finance", "admin")
    @blp.arguments(s.RefundCreateSchema)
    @blp.response(201, s.RefundSchema)
    @blp.alt_response(404, description="No such invoice")
    @blp.alt_response(409, description="Not paid, or refunded already (reason invoice_not_refundable)")
    def post(self, args: dict[str, Any], invoice_id: str) -> Any:
        """Record a refund of all or part of a paid invoice (finance; publishes payments.refunded)"""
        return service.refund(
            UnitOfWork(),
            principal=current_principal(),
            invoice_id=invoice_id,
            amount=args["amount"],
            reason=args["reason"],
        )


@blp.route("/ledger/balances")
class LedgerBalances(MethodView):
    @blp.auth("finance", "admin")
    @blp.arguments(s.BalanceQueryArgsSchema, location="query")
    @blp.response(200, s.BalanceSchema(many=True))
    def get(self, args: dict[str, Any]) -> list:
        """Every ledger account's debits, credits and balance, summed from the postings (finance)"""
        return ledger.balances(UnitOfWork(), principal=current_principal(), as_of=args.get("as_of"))


@blp.route("/ledger/transactions")
class LedgerTransactions(MethodView):
    @blp.auth("finance", "admin")
    @blp.arguments(s.LedgerQueryArgsSchema, location="query")
    @blp.response(200, s.LedgerTransactionSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list:
        """Ledger transactions newest first, each with its balanced postings (finance)"""
        return paged(pagination_parameters, ledger.transactions, **args)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            "The day is YYYY-MM-DD", reason="validation_failed", errors={"path": {"day": ["YYYY-MM-DD"]}}
        ) from None


@blp.route("/reconciliations")
class Reconciliations(MethodView):
    @blp.auth("finance", "admin")
    @blp.response(200, s.ReconciliationRunSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> list:
        """Reconciliation runs, newest first (the daily job's and on-demand ones)"""
        return paged(pagination_parameters, finance.list_runs)

    @blp.auth("finance", "admin")
    @blp.arguments(s.ReconcileSchema)
    @blp.response(201, s.ReconciliationRunSchema)
    @blp.alt_response(502, description="The report is not the agreed CSV (settlement_report_invalid)")
    @blp.alt_response(503, description="No settlement report for the day yet (settlement_report_unavailable)")
    def post(self, args: dict[str, Any]) -> Any:
        """Reconcile a day now against the acquirer's settlement report (nothing is matched twice)"""
        return finance.run_now(UnitOfWork(), principal=current_principal(), day=args["date"])


@blp.route("/reconciliations/<day>")
class ReconciliationDay(MethodView):
    @blp.auth("finance", "admin")
    @blp.alt_response(422, description="The day is not YYYY-MM-DD (validation_failed)")
    @blp.response(200, s.ReconciliationDaySchema)
    def get(self, day: str) -> Any:
        """A day's reconciliation: matched, missing at the bank, missing here, amount mismatch"""
        return finance.day_report(UnitOfWork(), principal=current_principal(), day=_day(day))


@blp.route("/reconciliations/<day>/report.csv")
class ReconciliationCsv(MethodView):
    @blp.auth("finance", "admin")
    @blp.alt_response(422, description="The day is not YYYY-MM-DD (validation_failed)")
    @blp.response(200, description="Every item of the day (CSV)", content_type="text/csv")
    @blp.doc(
        responses={
            "200": {
                "description": "status,reference_no,billing_code,our_amount,bank_amount,task_id,task_state",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    )
    def get(self, day: str) -> Response:
        """A day's reconciliation as CSV (for the spreadsheet finance keeps)"""
        when = _day(day)
        text = finance.day_csv(UnitOfWork(), principal=current_principal(), day=when)
        response = Response(text, mimetype="text/csv")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="reconciliation-{when.isoformat()}.csv"'
        )
        return response


@blp.route("/reconciliation-tasks")
class ReconciliationTasks(MethodView):
    @blp.auth("finance", "admin")
    @blp.arguments(s.TaskQueryArgsSchema, location="query")
    @blp.response(200, s.ReconciliationTaskSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list:
        """Finance's reconciliation tasks, oldest day first (state=open: the work list)"""
        return paged(
            pagination_parameters,
            finance.list_tasks,
            state=args.get("state"),
            kind=args.get("kind"),
            day=args.get("date"),
        )


@blp.route("/reconciliation-tasks/<task_id>/resolve")
class ReconciliationTaskResolve(MethodView):
    @blp.auth("finance", "admin")
    @blp.arguments(s.TaskResolveSchema)
    @blp.response(200, s.ReconciliationTaskSchema)
    @blp.alt_response(404, description="No such task (reconciliation_task_not_found)")
    @blp.alt_response(409, description="Resolved already (reconciliation_task_resolved)")
    def post(self, args: dict[str, Any], task_id: str) -> Any:
        """Resolve a difference with what finance found and did"""
        return finance.resolve_task(
            UnitOfWork(), principal=current_principal(), task_id=task_id, resolution=args["resolution"]
        )


SNAP_RESPONSES = {
    code: {"description": text, "content": {"application/json": {"schema": s.SnapAnswerSchema}}}
    for code, text in (
        (200, "2005200 Successful: paid, or a repeat of a notification already taken"),
        (400, "4005201/4005202: the body is not the notification's shape"),
        (401, "4015200: stale X-TIMESTAMP (more than 5 minutes) or a signature that does not verify"),
        (404, "4045201 unknown billing code; 4045213 amount or currency not the invoice's"),
        (409, "4095200: the invoice changed meanwhile; send again"),
    )
}


@notify_blp.route("/qris")
class QrisNotify(MethodView):
    @notify_blp.public
    @notify_blp.doc(
        requestBody={"required": True, "content": {"application/json": {"schema": s.QrisNotificationSchema}}},
        parameters=[
            {
                "in": "header",
                "name": name,
                "required": True,
                "schema": {"type": "string"},
                "description": text,
            }
            for name, text in (
                ("X-TIMESTAMP", "ISO 8601 with offset; within 5 minutes of our clock"),
                ("X-SIGNATURE", "base64 SHA256withRSA over POST:path:hex(SHA256(minified body)):X-TIMESTAMP"),
                ("X-PARTNER-ID", "the acquirer's partner id"),
                ("X-EXTERNAL-ID", "unique per day"),
                ("CHANNEL-ID", "the acquirer's channel"),
            )
        ],
        responses=SNAP_RESPONSES,
    )
    def post(self) -> Response:
        """The acquirer tells us a QRIS was paid (SNAP BI QR MPM notify; answered in SNAP's shape)"""
        answer = notifications.receive_qris(UnitOfWork(), raw=request.get_data(), headers=request.headers)
        response = jsonify(answer.body())
        response.status_code = answer.status
        return response


@blp.route("/notifications")
class Notifications(MethodView):
    @blp.auth("finance", "admin")
    @blp.arguments(s.NotificationQueryArgsSchema, location="query")
    @blp.response(200, s.PaymentNotificationSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list:
        """Every notification the acquirer sent (and every poll answer), raw, with its outcome (finance)"""
        return paged(
            pagination_parameters,
            notifications.list_notifications,
            outcome=args.get("outcome"),
            invoice_id=args.get("invoice_id"),
        )


@blp.route("/invoices/by-code/<billing_code>")
class InvoiceByCode(MethodView):
    @blp.auth("counter", "finance", "admin")
    @blp.response(200, s.InvoiceSchema)
    @blp.alt_response(404, description="No invoice with this billing code")
    def get(self, billing_code: str) -> Any:
        """The invoice a citizen shows at the counter, by its billing code (audited)"""
        return counter.find_by_code(UnitOfWork(), principal=current_principal(), billing_code=billing_code)


@blp.route("/invoices/<invoice_id>/counter-payments")
class CounterPayments(MethodView):
    @blp.auth("counter", "finance", "admin")
    @blp.arguments(s.CounterPaymentCreateSchema)
    @blp.response(201, s.CounterPaymentSchema)
    @blp.alt_response(409, description="Not open (invoice_not_open) or the slip was used (slip_already_used)")
    def post(self, args: dict[str, Any], invoice_id: str) -> Any:
        """Record cash or EDC taken at the counter: pays the invoice, or waits for a second staff member above the threshold"""
        return counter.record(UnitOfWork(), principal=current_principal(), invoice_id=invoice_id, **args)


@blp.route("/counter-payments")
class PendingCounterPayments(MethodView):
    @blp.auth("counter", "finance", "admin")
    @blp.response(200, s.CounterPaymentSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> list:
        """Counter payments waiting for a second staff member, oldest first"""
        return paged(pagination_parameters, counter.list_pending)


def _decide(counter_payment_id: str, args: dict[str, Any], *, confirm: bool) -> Any:
    return counter.decide(
        UnitOfWork(),
        principal=current_principal(),
        counter_payment_id=counter_payment_id,
        confirm=confirm,
        note=args.get("note"),
    )


@blp.route("/counter-payments/<counter_payment_id>/confirm")
class CounterConfirm(MethodView):
    @blp.auth("counter", "finance", "admin")
    @blp.arguments(s.CounterDecisionSchema)
    @blp.response(200, s.CounterPaymentSchema)
    @blp.alt_response(403, description="The staff member who took the money (second_staff_required)")
    @blp.alt_response(409, description="Already decided (counter_payment_not_pending)")
    def post(self, args: dict[str, Any], counter_payment_id: str) -> Any:
        """A second staff member confirms a counter payment: the invoice is paid"""
        return _decide(counter_payment_id, args, confirm=True)


@blp.route("/counter-payments/<counter_payment_id>/reject")
class CounterReject(MethodView):
    @blp.auth("counter", "finance", "admin")
    @blp.arguments(s.CounterDecisionSchema)
    @blp.response(200, s.CounterPaymentSchema)
    @blp.alt_response(403, description="The staff member who took the money (second_staff_required)")
    @blp.alt_response(409, description="Already decided (counter_payment_not_pending)")
    def post(self, args: dict[str, Any], counter_payment_id: str) -> Any:
        """A second staff member rejects a counter payment (the money was not there): the invoice stays open"""
        return _decide(counter_payment_id, args, confirm=False)


def _snap_answer(answer: notifications.Answer) -> Response:
    response = jsonify(answer.body())
    response.status_code = answer.status
    return response


VA_HEADERS = [
    {"in": "header", "name": name, "required": True, "schema": {"type": "string"}}
    for name in ("X-TIMESTAMP", "X-SIGNATURE", "X-PARTNER-ID", "X-EXTERNAL-ID", "CHANNEL-ID")
]


# Every VA answer is in SNAP's shape (responseCode, responseMessage and the service's own data).
_SNAP_VA_ANSWER = {
    "type": "object",
    "required": ["responseCode", "responseMessage"],
    "properties": {"responseCode": {"type": "string"}, "responseMessage": {"type": "string"}},
}


def _va_responses(ok: str, not_found: str) -> dict[int, dict]:
    return {
        code: {"description": text, "content": {"application/json": {"schema": _SNAP_VA_ANSWER}}}
        for code, text in (
            (200, ok),
            (400, "4xx2401/4xx2402: the body is not the request's shape"),
            (401, "401xx00: stale X-TIMESTAMP or a signature that does not verify"),
            (404, not_found),
            (409, "409xx00: the invoice changed meanwhile; send again"),
        )
    }


@notify_blp.route("/va/inquiry")
class VaInquiry(MethodView):
    @notify_blp.public
    @notify_blp.doc(
        requestBody={"required": True, "content": {"application/json": {"schema": s.VaInquirySchema}}},
        parameters=VA_HEADERS,
        responses=_va_responses(
            "2002400: the bill (virtualAccountData.totalAmount)",
            "4042412 unknown VA, 4042414 paid already, 4042419 expired",
        ),
    )
    def post(self) -> Response:
        """The bank asks what a virtual account owes (SNAP BI Transfer VA inquiry, signed by the bank)"""
        return _snap_answer(va.inquiry(UnitOfWork(), raw=request.get_data(), headers=request.headers))


@notify_blp.route("/va/payment")
class VaPayment(MethodView):
    @notify_blp.public
    @notify_blp.doc(
        requestBody={"required": True, "content": {"application/json": {"schema": s.VaPaymentSchema}}},
        parameters=VA_HEADERS,
        responses=_va_responses(
            "2002500: paid (paymentFlagStatus 00); also a repeat of the same paymentRequestId",
            "refused, the bank keeps the money: 4042512/14/19 as the inquiry, 4042513 wrong amount",
        ),
    )
    def post(self) -> Response:
        """The bank flags a virtual account paid (SNAP BI Transfer VA payment, signed by the bank)"""
        return _snap_answer(va.payment(UnitOfWork(), raw=request.get_data(), headers=request.headers))

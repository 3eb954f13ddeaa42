"""Payment endpoints: invoices for their payer (/me/invoices), the purpose's OPD and finance; the QR image."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from gateway.auth import current_principal
from gateway.db import UnitOfWork
from gateway.extensions import Blueprint
from services.payments import images, service
from services.payments import schemas as s

blp = Blueprint(
    "payments",
    __name__,
    url_prefix="/api/v1/payments",
    description="Invoices (billing code, dynamic QRIS), their payments and refunds",
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
        rows, total = service.list_invoices(
            UnitOfWork(),
            principal=current_principal(),
            state=args.get("state"),
            limit=pagination_parameters.page_size,
            offset=pagination_parameters.first_item,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/invoices")
class Invoices(MethodView):
    @blp.auth("officer", "finance", "admin")
    @blp.arguments(s.InvoiceQueryArgsSchema, location="query")
    @blp.response(200, s.InvoiceSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list:
        """Invoices newest first: an officer sees her OPD's purposes, finance and admins all (audited)"""
        rows, total = service.list_invoices(
            UnitOfWork(),
            principal=current_principal(),
            state=args.get("state"),
            purpose=args.get("purpose"),
            limit=pagination_parameters.page_size,
            offset=pagination_parameters.first_item,
        )
        pagination_parameters.item_count = total
        return rows


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

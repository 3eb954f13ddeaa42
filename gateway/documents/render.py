"""Lays out a document as an A4 PDF (reportlab): letterhead, title, number, fields, table, QR code."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle

GOVERNMENT = "PEMERINTAH KOTA PEMATANGSIANTAR"
ISSUE_PLACE = "Pematangsiantar"
QR_CAPTION = "Dokumen ini ditandatangani secara elektronik. Pindai kode QR untuk memeriksa keasliannya."
MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
QR_SIZE = 32 * mm
MARGIN = 18 * mm

_label = ParagraphStyle("label", fontName="Helvetica", fontSize=9.5, leading=12)
_value = ParagraphStyle("value", fontName="Helvetica-Bold", fontSize=9.5, leading=12)
_cell = ParagraphStyle("cell", fontName="Helvetica", fontSize=6.5, leading=7.8)
_head = ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=6.5, leading=7.8)
_small = ParagraphStyle("small", fontName="Helvetica", fontSize=7, leading=8.6)


@dataclass(frozen=True)
class Layout:
    """Everything printed, detached from the ORM so rendering holds no database session."""

    authority: str
    title: str
    number: str
    version: int
    fields: list[list[str]]
    table: dict | None
    issued_at: datetime
    verify_url: str
    tz: str = "Asia/Jakarta"


def tanggal(moment: datetime, tz: str = "Asia/Jakarta") -> str:
    """'23 November 2026' in the city's time zone."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local.day} {MONTHS_ID[local.month - 1]} {local.year}"


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR modules (with the 4-module quiet zone) for data; shared with tests that read it back."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=1)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def _qr_image(data: str) -> ImageReader:
    # One pixel per module, scaled up by the PDF: crisp at any zoom and only a few hundred bytes.
    from PIL import Image

    matrix = qr_matrix(data)
    size = len(matrix)
    image = Image.new("L", (size, size), 255)
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    return ImageReader(image)


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_pdf(layout: Layout) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=0)
    canvas.setTitle(f"{layout.title} {layout.number}")
    canvas.setAuthor(f"{GOVERNMENT} - {layout.authority}")
    canvas.setSubject(layout.verify_url)
    width, height = A4
    content_width = width - 2 * MARGIN

    # Letterhead
    y = height - MARGIN
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawCentredString(width / 2, y - 4 * mm, GOVERNMENT)
    canvas.setFont("Helvetica-Bold", 11.5)
    canvas.drawCentredString(width / 2, y - 10 * mm, layout.authority.upper())
    canvas.setLineWidth(1.4)
    canvas.line(MARGIN, y - 14 * mm, width - MARGIN, y - 14 * mm)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, y - 15 * mm, width - MARGIN, y - 15 * mm)

    # Title and number
    y -= 27 * mm
    canvas.setFont("Helvetica-Bold", 15)
    canvas.drawCentredString(width / 2, y, layout.title.upper())
    canvas.setFont("Helvetica", 10.5)
    canvas.drawCentredString(width / 2, y - 6.5 * mm, f"Nomor: {layout.number}")
    y -= 16 * mm

    # Fields: label | : | value
    if layout.fields:
        rows = [
            [Paragraph(_esc(label), _label), ":", Paragraph(_esc(value), _value)]
            for label, value in layout.fields
        ]
        label_width = 58 * mm
        grid = Table(rows, colWidths=[label_width, 4 * mm, content_width - label_width - 4 * mm])
        grid.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONT", (1, 0), (1, -1), "Helvetica", 9.5),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        y = _draw(canvas, grid, content_width, y)

    # Optional table (e.g. the members of a KK)
    if layout.table and layout.table.get("columns"):
        columns = layout.table["columns"]
        data = [[Paragraph(_esc(c), _head) for c in columns]]
        data += [[Paragraph(_esc(v), _cell) for v in row] for row in layout.table.get("rows", [])]
        number_col = 6 * mm
        data = [
            [Paragraph("No" if i == 0 else str(i), _head if i == 0 else _cell), *row]
            for i, row in enumerate(data)
        ]
        other = (content_width - number_col) / len(columns)
        grid = Table(data, colWidths=[number_col] + [other] * len(columns), repeatRows=1)
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E6E6E6")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 1.5),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
                ]
            )
        )
        y = _draw(canvas, grid, content_width, y - 4 * mm)

    # Place, date and the signing authority, right-aligned above the footer
    sign_x = width - MARGIN - 75 * mm
    block_top = min(y - 10 * mm, 95 * mm)
    canvas.setFont("Helvetica", 10)
    canvas.drawString(sign_x, block_top, f"{ISSUE_PLACE}, {tanggal(layout.issued_at, layout.tz)}")
    canvas.drawString(sign_x, block_top - 5 * mm, "Ditandatangani secara elektronik oleh")
    authority = Paragraph(f"<b>{_esc(layout.authority)}</b><br/>{_esc(GOVERNMENT.title())}", _label)
    _, h = authority.wrap(75 * mm, 30 * mm)
    authority.drawOn(canvas, sign_x, block_top - 7 * mm - h)

    # QR code in the bottom-left corner, caption beside it, version at the bottom right
    qr_x, qr_y = MARGIN, MARGIN
    canvas.drawImage(_qr_image(layout.verify_url), qr_x, qr_y, QR_SIZE, QR_SIZE)
    canvas.linkURL(layout.verify_url, (qr_x, qr_y, qr_x + QR_SIZE, qr_y + QR_SIZE), relative=0)
    caption = Paragraph(f"{QR_CAPTION}<br/>{_esc(layout.verify_url)}", _small)
    caption_width = content_width - QR_SIZE - 30 * mm
    _, h = caption.wrap(caption_width, QR_SIZE)
    caption.drawOn(canvas, qr_x + QR_SIZE + 4 * mm, qr_y + (QR_SIZE - h) / 2)
    canvas.setFont("Helvetica", 8)
    canvas.drawRightString(width - MARGIN, MARGIN, f"Versi {layout.version}")

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw(canvas: Canvas, flowable: Table, width: float, y: float) -> float:
    """Draw a flowable whose top is at y; returns the y below it."""
    _, h = flowable.wrap(width, y)
    flowable.drawOn(canvas, MARGIN, y - h)
    return y - h

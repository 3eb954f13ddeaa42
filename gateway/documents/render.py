"""Lays out a document as a PDF (reportlab): letterhead, title, number, fields, tables, QR code.

The page is A4 portrait unless the document's table says otherwise: `page` "a4-landscape" (a KK,
with its `sections`: several tables drawn from one set of columns) or "id1" (a card, see card.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from gateway.documents import card, fonts

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
PAGES = {"a4": A4, "a4-landscape": landscape(A4)}
QR_SIZE = 40 * mm
QR_MASK = 2
MARGIN = 18 * mm


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
    # A fixed mask spares the library scoring all eight (any mask is valid; this one reads fine).
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=1, mask_pattern=QR_MASK)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (one filled path), so it stays sharp at any resolution.

    An image of one pixel per module is smoothed by rasterisers and then no scanner reads it;
    vectors are filled as one path (no seams between modules). Each row's run of dark modules is
    one rectangle in module units (whole numbers, a transform scales them), written as raw
    operators: reportlab's float formatting of a few hundred rectangles would double the render time.
    """
    matrix = qr_matrix(data)
    module = size / len(matrix)
    ops = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            ops.append(f"{start} {r} {c - start} 1 re")
    canvas.saveState()
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)  # the quiet zone is white even on a tinted card
    canvas.setFillColor(colors.black)
    canvas.transform(module, 0, 0, -module, x, y + size)  # row 0 at the top
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()


FIELD_FONT, FIELD_SIZE, FIELD_LEADING = fonts.REGULAR, 9.5, 12.5
CELL_FONT, CELL_SIZE, CELL_LEADING = fonts.REGULAR, 6.5, 7.8
LABEL_WIDTH = 58 * mm
BOTTOM_BLOCK = 95 * mm  # the place/date block starts here, or higher if the content ends higher
CLOSING_HEIGHT = 40 * mm  # gap + place/date + signatory, above the QR footer


def render_pdf(layout: Layout) -> bytes:
    """Draw the document directly on the canvas (no platypus: a render must stay a few milliseconds)."""
    table = layout.table or {}
    if table.get("page") == "id1":
        return card.render_card(layout, government=GOVERNMENT, draw_qr=draw_qr, caption=QR_CAPTION)
    buffer = io.BytesIO()
    pagesize = PAGES.get(table.get("page", "a4"), A4)
    canvas = Canvas(buffer, pagesize=pagesize, pageCompression=1, initialFontName=fonts.REGULAR)
    canvas.setTitle(f"{layout.title} {layout.number}")
    canvas.setAuthor(f"{GOVERNMENT} - {layout.authority}")
    canvas.setSubject(layout.verify_url)
    page = _Page(canvas, layout, pagesize)
    page.letterhead()
    page.fields(layout.fields)
    columns, rows = table.get("columns") or [], table.get("rows", [])
    for title, picked in _sections(table):
        page.section(title)
        page.table(picked, [[row[columns.index(c)] for c in picked] for row in rows])
    if columns and not table.get("sections"):
        page.table(columns, rows)
    page.closing()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


class _Page:
    """A cursor running down A4 pages; continues on a new page when the content does not fit."""

    def __init__(self, canvas: Canvas, layout: Layout, pagesize: tuple[float, float] = A4) -> None:
        self.c, self.layout = canvas, layout
        self.width, self.height = pagesize
        self.wide = self.width > self.height
        self.left, self.right = MARGIN, self.width - MARGIN
        self.y = self.height - MARGIN
        self.page = 1

    def need(self, space: float, floor: float = MARGIN + 8 * mm) -> bool:
        """Start a new page unless `space` fits above `floor`; True if it did."""
        if self.y - space < floor:
            self._footer()
            self.c.showPage()
            self.page += 1
            self.y = self.height - MARGIN
            self.c.setFont(fonts.REGULAR, 8)
            self.c.drawString(
                self.left, self.y - 3 * mm, f"{self.layout.title.upper()}  Nomor: {self.layout.number}"
            )
            self.y -= 10 * mm
            return True
        return False

    def _footer(self) -> None:
        self.c.setFont(fonts.REGULAR, 8)
        self.c.drawRightString(self.right, MARGIN, f"Versi {self.layout.version} - Halaman {self.page}")

    def letterhead(self) -> None:
        c, mid, y = self.c, self.width / 2, self.y
        c.setFont(fonts.BOLD, 13)
        c.drawCentredString(mid, y - 4 * mm, GOVERNMENT)
        c.setFont(fonts.BOLD, 11.5)
        c.drawCentredString(mid, y - 10 * mm, self.layout.authority.upper())
        c.setLineWidth(1.4)
        c.line(self.left, y - 14 * mm, self.right, y - 14 * mm)
        c.setLineWidth(0.5)
        c.line(self.left, y - 15 * mm, self.right, y - 15 * mm)
        lift = 5 * mm if self.wide else 0  # a landscape page keeps its height for the tables
        c.setFont(fonts.BOLD, 15)
        c.drawCentredString(mid, y - 27 * mm + lift, self.layout.title.upper())
        c.setFont(fonts.REGULAR, 10.5)
        c.drawCentredString(mid, y - 33.5 * mm + lift, f"Nomor: {self.layout.number}")
        self.y = y - 43 * mm + 2 * lift

    def fields(self, pairs: list[list[str]]) -> None:
        """Label : value lines; on a landscape page in two columns, as the KK's header is printed."""
        if not self.wide:
            self._field_column(pairs, self.left, self.right)
            return
        top, half = self.y, (len(pairs) + 1) // 2
        middle = (self.left + self.right) / 2
        self._field_column(pairs[:half], self.left, middle - 6 * mm)
        low, self.y = self.y, top
        self._field_column(pairs[half:], middle + 6 * mm, self.right)
        self.y = min(low, self.y)

    def section(self, title: str) -> None:
        """A table's heading (the KK prints its identity and status tables one under the other)."""
        self.need(12 * mm)
        self.y -= 3 * mm
        if title:
            self.c.setFont(fonts.BOLD, 8)
            self.c.drawString(self.left, self.y - 8, title)
            self.y -= 8 + 1 * mm

    def _field_column(self, pairs: list[list[str]], left: float, right: float) -> None:
        c = self.c
        label_width = min(LABEL_WIDTH, (right - left) * 0.4)
        value_x = left + label_width + 4 * mm
        value_width = right - value_x
        for label, value in pairs:
            label_lines = simpleSplit(str(label), FIELD_FONT, FIELD_SIZE, label_width - 2 * mm) or [""]
            value_lines = simpleSplit(str(value), fonts.BOLD, FIELD_SIZE, value_width) or [""]
            rows = max(len(label_lines), len(value_lines))
            self.need(rows * FIELD_LEADING)
            baseline = self.y - FIELD_SIZE
            c.setFont(FIELD_FONT, FIELD_SIZE)
            for i, line in enumerate(label_lines):
                c.drawString(left, baseline - i * FIELD_LEADING, line)
            c.drawString(left + label_width, baseline, ":")
            c.setFont(fonts.BOLD, FIELD_SIZE)
            for i, line in enumerate(value_lines):
                c.drawString(value_x, baseline - i * FIELD_LEADING, line)
            self.y -= rows * FIELD_LEADING + 1.5

    def table(self, columns: list[str], rows: list[list[str]]) -> None:
        columns = ["No", *columns]
        rows = [[str(i), *row] for i, row in enumerate(rows, start=1)]
        widths = _column_widths(columns, rows, self.right - self.left)
        pad = 1.5
        self.y -= 1 * mm if self.wide else 4 * mm

        def draw_row(cells: list[str], bold: bool) -> None:
            font = fonts.BOLD if bold else CELL_FONT
            wrapped = [
                _wrap(str(text), font, CELL_SIZE, w - 2 * pad) for text, w in zip(cells, widths, strict=False)
            ]
            height = max(len(lines) for lines in wrapped) * CELL_LEADING + 2 * pad + 1
            if self.need(height) and not bold:
                draw_row(columns, True)  # the column heads again on the new page
            top, x = self.y, self.left
            if bold:
                self.c.setFillColor(colors.HexColor("#E6E6E6"))
                self.c.rect(self.left, top - height, self.right - self.left, height, stroke=0, fill=1)
                self.c.setFillColor(colors.black)
            self.c.setFont(font, CELL_SIZE)
            self.c.setLineWidth(0.4)
            for lines, w in zip(wrapped, widths, strict=False):
                for i, line in enumerate(lines):
                    self.c.drawString(x + pad, top - pad - CELL_SIZE - i * CELL_LEADING, line)
                self.c.rect(x, top - height, w, height, stroke=1, fill=0)
                x += w
            self.y -= height

        draw_row(columns, True)
        for row in rows:
            draw_row(row + [""] * (len(columns) - len(row)), False)

    def closing(self) -> None:
        """Place and date, the signing authority, the QR code with its caption, the version."""
        c, layout = self.c, self.layout
        if self.wide:  # the signature sits beside the QR code: the tables keep the page's height
            self.need(0, floor=MARGIN + QR_SIZE + 4 * mm)
            top = MARGIN + QR_SIZE - 4 * mm
        else:
            self.need(CLOSING_HEIGHT, floor=MARGIN + QR_SIZE + 4 * mm)
            top = min(self.y - 10 * mm, BOTTOM_BLOCK)
        sign_x = self.right - 75 * mm
        c.setFont(fonts.REGULAR, 10)
        c.drawString(sign_x, top, f"{ISSUE_PLACE}, {tanggal(layout.issued_at, layout.tz)}")
        c.drawString(sign_x, top - 5 * mm, "Ditandatangani secara elektronik oleh")
        c.setFont(fonts.BOLD, 10)
        lines = simpleSplit(layout.authority.upper(), fonts.BOLD, 10, 75 * mm)
        for i, line in enumerate(lines):
            c.drawString(sign_x, top - 11 * mm - i * 12, line)
        c.setFont(fonts.REGULAR, 10)
        c.drawString(sign_x, top - 11 * mm - len(lines) * 12, GOVERNMENT.title())

        qr_x, qr_y = self.left, MARGIN
        draw_qr(c, layout.verify_url, qr_x, qr_y, QR_SIZE)
        c.linkURL(layout.verify_url, (qr_x, qr_y, qr_x + QR_SIZE, qr_y + QR_SIZE), relative=0)
        text_x = qr_x + QR_SIZE + 4 * mm
        text_right = sign_x - 6 * mm if self.wide else self.right - 30 * mm
        caption = simpleSplit(QR_CAPTION, fonts.REGULAR, 7.5, text_right - text_x)
        url = simpleSplit(layout.verify_url, fonts.REGULAR, 6.5, text_right - text_x)
        y = qr_y + QR_SIZE / 2 + (len(caption) + len(url)) * 4.5
        c.setFont(fonts.REGULAR, 7.5)
        for line in caption:
            y -= 9
            c.drawString(text_x, y, line)
        c.setFont(fonts.REGULAR, 6.5)
        for line in url:
            y -= 8.5
            c.drawString(text_x, y, line)
        c.setFont(fonts.REGULAR, 8)
        suffix = f" - Halaman {self.page}" if self.page > 1 else ""
        c.drawRightString(self.right, MARGIN, f"Versi {layout.version}{suffix}")


def _sections(table: dict) -> list[tuple[str, list[str]]]:
    """(title, columns) of each table drawn from the shared columns; the 'No' of each is drawn anew."""
    columns = table.get("columns") or []
    out = []
    for section in table.get("sections") or []:
        picked = [c for c in section.get("columns", []) if c in columns and c != "No"]
        if picked:
            out.append((str(section.get("title", "")), picked))
    return out


_wrap = card.wrap_text


def _column_widths(columns: list[str], rows: list[list[str]], total: float) -> list[float]:
    """Each column gets at least its longest word and, as far as the page allows, its longest text."""
    pad = 3 + 1
    minimum, natural = [], []
    for i, header in enumerate(columns):
        texts = [str(r[i]) for r in rows if i < len(r)]
        words = [w for t in texts for w in t.split()] + header.split()
        minimum.append(max([stringWidth(w, fonts.BOLD, CELL_SIZE) for w in words] + [8]) + pad)
        longest = max([stringWidth(t, CELL_FONT, CELL_SIZE) for t in texts] + [0]) + pad
        natural.append(min(max(longest, minimum[-1]), 120.0))
    if sum(natural) <= total:
        extra = (total - sum(natural)) / len(natural)
        return [n + extra for n in natural]
    if sum(minimum) >= total:
        return [m * total / sum(minimum) for m in minimum]
    room, wanted = total - sum(minimum), sum(n - m for n, m in zip(natural, minimum, strict=True))
    return [m + (n - m) * room / wanted for n, m in zip(natural, minimum, strict=True)]

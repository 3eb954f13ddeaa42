"""An ID-1 card (85.6 × 54 mm, the size of a bank card) as two PDF pages: front and back.

The KIA is such a card: the front carries the child's data and the photo slot, the back the QR
code that verifies it, as large as on an A4 document (40 mm) so a phone reads it the same way.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from gateway.documents import fonts

if TYPE_CHECKING:
    from gateway.documents.render import Layout

ID1 = (85.6 * mm, 54 * mm)
EDGE = 3 * mm
PHOTO = (20 * mm, 26 * mm)  # a 2 × 3 photograph, trimmed to the card
FRONT_LABEL_WIDTH = 19 * mm
FRONT_SIZE, FRONT_LEADING = 4.6, 5.6
TINT = colors.HexColor("#E8F1FB")
# Printed under the photo rather than in the list: where and when the card was issued.
ISSUE_LABELS = ("Dikeluarkan di", "Tanggal")


def render_card(layout: Layout, *, government: str, draw_qr, caption: str) -> bytes:
    """Front (data and photo slot) and back (QR code, caption, version) of one card."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=ID1, pageCompression=1, initialFontName=fonts.REGULAR)
    canvas.setTitle(f"{layout.title} {layout.number}")
    canvas.setAuthor(f"{government} - {layout.authority}")
    canvas.setSubject(layout.verify_url)
    _front(canvas, layout, government)
    canvas.showPage()
    _back(canvas, layout, draw_qr, caption)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _background(c: Canvas, title: str, government: str) -> float:
    """Tinted card with its heading; returns the y below the heading."""
    width, height = ID1
    c.setFillColor(TINT)
    c.roundRect(0, 0, width, height, 3 * mm, stroke=0, fill=1)
    c.setFillColor(colors.black)
    c.setFont(fonts.BOLD, 5.6)
    c.drawCentredString(width / 2, height - EDGE - 4, government)
    c.setFont(fonts.BOLD, 7)
    c.drawCentredString(width / 2, height - EDGE - 12, title.upper())
    c.setLineWidth(0.4)
    c.line(EDGE, height - EDGE - 15, width - EDGE, height - EDGE - 15)
    return height - EDGE - 15 - 2


def _front(c: Canvas, layout: Layout, government: str) -> None:
    width, _ = ID1
    y = _background(c, layout.title, government)
    photo_x = width - EDGE - PHOTO[0]
    photo_y = y - 1 * mm - PHOTO[1]
    c.setFillColor(colors.white)
    c.rect(photo_x, photo_y, *PHOTO, stroke=1, fill=1)
    c.setFillColor(colors.grey)
    c.setFont(fonts.REGULAR, 4.5)
    c.drawCentredString(photo_x + PHOTO[0] / 2, photo_y + PHOTO[1] / 2, "PAS FOTO ANAK")
    c.setFillColor(colors.black)
    issued = {label: value for label, value in layout.fields if label in ISSUE_LABELS}
    below = photo_y - FRONT_LEADING - 1
    for label in ISSUE_LABELS:
        if label in issued:
            c.drawCentredString(photo_x + PHOTO[0] / 2, below, issued[label])
            below -= FRONT_LEADING
    value_x = EDGE + FRONT_LABEL_WIDTH + 2 * mm
    value_width = photo_x - 1.5 * mm - value_x
    for label, value in layout.fields:
        if label in ISSUE_LABELS:
            continue
        lines = simpleSplit(str(value), fonts.BOLD, FRONT_SIZE, value_width) or [""]
        y -= FRONT_LEADING
        c.setFont(fonts.REGULAR, FRONT_SIZE)
        c.drawString(EDGE, y, str(label))
        c.drawString(EDGE + FRONT_LABEL_WIDTH, y, ":")
        c.setFont(fonts.BOLD, FRONT_SIZE)
        for i, line in enumerate(lines):
            c.drawString(value_x, y - i * FRONT_LEADING, line)
        y -= (len(lines) - 1) * FRONT_LEADING


def _back(c: Canvas, layout: Layout, draw_qr, caption: str) -> None:
    width, height = ID1
    c.setFillColor(TINT)
    c.roundRect(0, 0, width, height, 3 * mm, stroke=0, fill=1)
    c.setFillColor(colors.black)
    size = 40 * mm
    qr_x, qr_y = EDGE, (height - size) / 2
    draw_qr(c, layout.verify_url, qr_x, qr_y, size)
    c.linkURL(layout.verify_url, (qr_x, qr_y, qr_x + size, qr_y + size), relative=0)
    text_x = qr_x + size + 2.5 * mm
    text_width = width - EDGE - text_x
    y = height - EDGE - 4
    for text, font, size_pt in (
        (layout.authority, fonts.BOLD, 4.6),
        (caption, fonts.REGULAR, 4.6),
        (layout.verify_url, fonts.REGULAR, 4.2),
    ):
        c.setFont(font, size_pt)
        for line in wrap_text(text, font, size_pt, text_width):
            c.drawString(text_x, y, line)
            y -= size_pt + 1.2
        y -= 2
    c.setFont(fonts.REGULAR, 4.6)
    c.drawString(text_x, EDGE + 2, f"Nomor: {layout.number}")
    c.drawString(text_x, EDGE + 8, f"Versi {layout.version}")


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Word-wrapped lines; a word wider than the column (a URL, a long place name) is cut between letters."""
    out: list[str] = []
    for line in simpleSplit(text, font, size, width) or [""]:
        while stringWidth(line, font, size) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and stringWidth(line[:cut], font, size) > width:
                cut -= 1
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out

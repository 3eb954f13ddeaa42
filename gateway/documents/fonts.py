"""The typefaces printed on documents: Bitstream Vera, the TrueType files shipped inside reportlab.

reportlab's built-in Helvetica is one of the PDF base-14 fonts, which are never embedded: every
reader substitutes its own face and metrics, so a document looks different on each device and
PDF/A checkers reject it. A TrueType font registered here is embedded (subset) in every PDF.
"""

from __future__ import annotations

from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(reportlab.__file__).resolve().parent / "fonts"
REGULAR, BOLD, ITALIC = "Vera", "Vera-Bold", "Vera-Italic"
_FILES = {REGULAR: "Vera.ttf", BOLD: "VeraBd.ttf", ITALIC: "VeraIt.ttf"}


def register() -> None:
    """Register the faces once per process (idempotent; reportlab keeps a global registry)."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in _FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))


register()

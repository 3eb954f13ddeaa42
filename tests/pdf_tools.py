"""Look at a PDF the way people and other programs do: poppler renders it, zbar scans its QR code.

The OS tools (poppler-utils, zbar-tools) are installed by .ci/run; a missing tool fails the test
with the package to install rather than skipping it.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps
from pyhanko.pdf_utils.reader import PdfFileReader

MM = 72 / 25.4  # PDF points per millimetre
SCREEN_DPIS = (72, 100, 150)  # a phone scanning a document shown on a screen, or a print preview
PACKAGES = {
    "pdftoppm": "poppler-utils",
    "pdffonts": "poppler-utils",
    "pdftotext": "poppler-utils",
    "zbarimg": "zbar-tools",
    "pdfsig": "poppler-utils",
    "certutil": "libnss3-tools",
}


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed (apt-get install {PACKAGES.get(name, name)}; .ci/run does it)"
    return path


def render_page(pdf: bytes, *, page: int = 1, dpi: int = 100) -> Image.Image:
    """Page `page` rasterised by pdftoppm at `dpi`, as a greyscale image."""
    with tempfile.TemporaryDirectory(prefix="pdfpage-") as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [tool("pdftoppm"), "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile"]
            + [str(source), str(Path(tmp) / "page")],
            check=True,
            capture_output=True,
        )
        with Image.open(Path(tmp) / "page.png") as image:
            return image.convert("L")


def scan_qr(image: Image.Image) -> list[str]:
    """Every QR code zbarimg decodes in the image (its text)."""
    with tempfile.TemporaryDirectory(prefix="qrscan-") as tmp:
        path = Path(tmp) / "scan.png"
        image.save(path)
        result = subprocess.run(
            [tool("zbarimg"), "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
            capture_output=True,
            text=True,
        )
    return [line for line in result.stdout.splitlines() if line]


def text_of(pdf: bytes, *, page: int | None = None) -> str:
    """The text pdftotext extracts (one page, or all), in reading layout."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        pages = ["-f", str(page), "-l", str(page)] if page else []
        command = [tool("pdftotext"), "-layout", *pages, f.name, "-"]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def page_count(pdf: bytes) -> int:
    return int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])


@dataclass(frozen=True)
class Font:
    name: str
    type: str
    embedded: bool


def fonts_of(pdf: bytes) -> list[Font]:
    """The fonts pdffonts lists for the whole document."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        out = subprocess.run([tool("pdffonts"), f.name], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]  # header and ruler
    fonts = []
    for row in rows:
        parts = row.split()
        # name type [type...] encoding emb sub uni object ID: emb is the 5th field from the end
        fonts.append(Font(name=parts[0], type=parts[1], embedded=parts[-5] == "yes"))
    return fonts


def ink_box_mm(image: Image.Image, dpi: int) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of everything printed on the page, in millimetres from the top left."""
    box = ImageOps.invert(image).point(lambda v: 255 if v > 40 else 0).getbbox()
    assert box is not None, "the page is blank"
    px = 25.4 / dpi
    return box[0] * px, box[1] * px, box[2] * px, box[3] * px


def size_mm(image: Image.Image, dpi: int) -> tuple[float, float]:
    return image.width * 25.4 / dpi, image.height * 25.4 / dpi


def page_size_mm(pdf: bytes, *, page: int = 1) -> tuple[float, float]:
    """(width, height) of a page's MediaBox as the PDF declares it, in millimetres."""
    node = PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"][page - 1].get_object()
    left, bottom, right, top = (float(v) for v in node["/MediaBox"])
    return (right - left) / MM, (top - bottom) / MM

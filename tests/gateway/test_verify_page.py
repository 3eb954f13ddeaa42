"""The public verification page (what anyone scanning a QR code sees): masked data, a phone's width,
and the data of the very version scanned.

A KIA's number is the child's NIK and a KK's number is the family's: both personal, so neither appears
whole anywhere on the page or in its JSON. The page is checked in a real headless Chromium emulating a
390 px phone (no sideways scrolling, a screenshot of that width).
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator

import pytest
from PIL import Image
from selenium import webdriver
from werkzeug.serving import make_server

from gateway import documents
from gateway.db import UnitOfWork
from tests.gateway.test_docs_pages import CHROMEDRIVER, CHROMIUM

FULL_NUMBER = re.compile(r"\d{16}")
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}


def _issue(app, owner_id: str, **overrides) -> documents.Document:
    values = dict(
        kind="kia",
        number="1272016411260001",
        title="KARTU IDENTITAS ANAK",
        fields=[["NIK", "1272016411260001"], ["Nama", "PUTRI ANGGUN SIMANJUNTAK"]],
        public={"nama": "P. A. S.", "nik": "1272********0001"},
        owner_resident_ids=[owner_id],
        series_key="kia:verify-page",
    )
    values.update(overrides)
    with app.app_context(), UnitOfWork() as uow:
        document = documents.issue(uow, **values)
        uow.commit()
        return document


def _path(app, document) -> str:
    with app.app_context():
        url = documents.verify_url(document)
    return url[url.index("/api/v1/verify/") :]


def test_a_kia_and_a_kk_number_are_masked_in_the_json_and_on_the_page(app, client, citizen):
    owner = citizen()["resident"].id
    kia = _issue(app, owner)
    kk = _issue(
        app,
        owner,
        kind="kk",
        number="1272011501209001",
        title="KARTU KELUARGA",
        fields=[["Nama Kepala Keluarga", "BUDI"]],
        public={"nomor_kk": "1272********9001"},
        series_key="kk:verify-page",
    )
    akta = _issue(
        app,
        owner,
        kind="akta_kelahiran",
        number="1272-LT-24112026-0001",
        title="KUTIPAN AKTA KELAHIRAN",
        series_key="akta:verify-page",
    )
    for document, shown in (
        (kia, "1272********0001"),
        (kk, "1272********9001"),
        (akta, "1272-LT-24112026-0001"),
    ):
        answer = client.get(_path(app, document))
        assert answer.status_code == 200 and answer.json["number"] == shown
        assert not FULL_NUMBER.search(answer.get_data(as_text=True)), answer.json
        page = client.get(_path(app, document), headers={"Accept": "text/html"}).get_data(as_text=True)
        assert shown in page
        assert not FULL_NUMBER.search(page), FULL_NUMBER.search(page)


def test_a_replaced_version_shows_its_own_data_and_says_it_was_replaced(app, client, citizen):
    owner = citizen()["resident"].id
    v1 = _issue(
        app, owner, fields=[["Nama", "BAYI NY. SITI RAHMA SIREGAR"]], public={"nama": "B. N. S. R. S."}
    )
    v2 = _issue(app, owner)
    old = client.get(_path(app, v1)).json
    assert (old["version"], old["status"], old["public"]["nama"]) == (1, "replaced", "B. N. S. R. S.")
    assert old["replaced_by"] == {"number": "1272********0001", "version": 2}
    new = client.get(_path(app, v2)).json
    assert (new["version"], new["status"], new["public"]["nama"]) == (2, "valid", "P. A. S.")
    page = client.get(_path(app, v1), headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "DIGANTI" in page and "B. N. S. R. S." in page and "P. A. S." not in page
    with app.app_context(), UnitOfWork() as uow:
        documents.revoke(uow, document_id=v2.id, reason="Dibatalkan oleh pengadilan")
        uow.commit()
    page = client.get(_path(app, v2), headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "DICABUT" in page and "Dibatalkan oleh pengadilan" in page


@pytest.fixture
def served(app) -> Iterator[str]:
    """The app over real HTTP in this process, for the browser."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True, name="verify-page").start()
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()


@pytest.fixture
def phone() -> Iterator[webdriver.Chrome]:
    """Headless Chromium as a 390 px wide phone."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"):
        options.add_argument(flag)
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 1}}
    )
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        yield driver
    finally:
        driver.quit()


def test_the_page_fits_a_390_px_phone_without_scrolling_sideways(app, citizen, served, phone):
    owner = citizen()["resident"].id
    _issue(app, owner, fields=[["Nama", "BAYI NY. SITI RAHMA SIREGAR"]], public={"nama": "B. N. S. R. S."})
    replaced = _issue(
        app, owner, title="KUTIPAN AKTA KELAHIRAN DENGAN JUDUL YANG SANGAT PANJANG SEKALI UNTUK DIUJI"
    )
    phone.get(served + _path(app, replaced))
    assert "TIDAK SAH" not in phone.page_source
    viewport = phone.execute_script("return window.innerWidth")
    widest = phone.execute_script(
        "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth,"
        " ...Array.from(document.querySelectorAll('body *')).map(e => e.getBoundingClientRect().right))"
    )
    assert viewport == 390
    assert widest <= viewport, f"the page is {widest} px wide on a {viewport} px screen"
    shot = Image.open(io.BytesIO(phone.get_screenshot_as_png()))
    assert shot.width == 390
    assert shot.convert("L").getextrema()[0] < 128  # something is drawn: the status banner, the text

"""The API docs pages work offline: assets from the app itself, checked in a real headless Chromium."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.gateway.support import ApiProcess, process_env

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PAGES = ("/api/v1/docs", "/api/v1/redoc")
OUTSIDE = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


def _served_paths(app) -> list[str]:
    """Every page-like GET the app serves without parameters (the docs pages among them)."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments and not rule.rule.startswith("/static")
    )


def test_no_page_the_app_serves_loads_anything_from_outside(client, app):
    checked = 0
    for path in _served_paths(app):
        r = client.get(path)
        if r.mimetype != "text/html":
            continue
        checked += 1
        text = r.get_data(as_text=True)
        assert not OUTSIDE.search(text), (path, OUTSIDE.search(text).group(0))
        assert "http" not in r.headers["Content-Security-Policy"], path  # only 'self' may be loaded
    assert checked >= 2  # at least Swagger UI and ReDoc


@pytest.mark.parametrize("page", PAGES)
def test_docs_pages_load_their_assets_from_the_app(client, page):
    html = client.get(page).get_data(as_text=True)
    assets = re.findall(r"""(?:src|href)=["']([^"']+\.(?:js|css))["']""", html)
    assert assets, html
    for asset in assets:
        r = client.get(asset)
        assert r.status_code == 200 and len(r.data) > 10_000, asset
        assert "max-age" in r.headers["Cache-Control"]
    assert b"cdn.redoc.ly" not in client.get("/api/v1/redoc/assets/redoc.standalone.js").data
    assert client.get("/api/v1/docs/assets/../../../wsgi.py").status_code == 404
    assert client.get("/api/v1/docs/assets/oauth2-redirect.js").status_code == 404


def _browser_errors(browser) -> list[str]:
    """What the page failed to load or was refused (the browser asks for /favicon.ico on its own)."""
    return [
        e["message"]
        for e in browser.get_log("browser")
        if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]
    ]


@pytest.fixture
def live_server(app) -> Iterator[ApiProcess]:
    server = ApiProcess(process_env(app, RATELIMIT_ENABLED="0"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser() -> Iterator[object]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=1280,2000",
        # Offline: every host but the test server's is unreachable, so a CDN asset would fail to load.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(180)
    try:
        yield driver
    finally:
        driver.quit()


_SCROLL_INTO_VIEW = """
const e = document.getElementById(arguments[0]);
if (e) { e.scrollIntoView({block: 'start'}); }
return Boolean(e);
"""
_LISTED_IDS = "return Array.from(document.querySelectorAll('.opblock'), e => e.id)"


def _operations_listed_while_scrolling(browser) -> set[str]:
    seen: set[str] = set()
    height = browser.execute_script("return window.innerHeight")
    position = 0
    for _ in range(400):
        # One script call reads the ids: Swagger UI may redraw the window between two WebDriver calls.
        seen.update(browser.execute_script(_LISTED_IDS))
        total = browser.execute_script("return document.body.scrollHeight")
        if position >= total:
            break
        position += height // 2
        browser.execute_script("window.scrollTo(0, arguments[0])", position)
        time.sleep(0.05)
    return seen


def _scroll_to(browser, element_id: str) -> None:
    browser.execute_script("window.scrollTo(0, 0)")
    height = browser.execute_script("return window.innerHeight")
    position = 0
    for _ in range(400):
        # Found and scrolled to in one script call, so a redraw in between cannot leave a stale element.
        if browser.execute_script(_SCROLL_INTO_VIEW, element_id):
            time.sleep(0.2)
            return
        position += height // 2
        browser.execute_script("window.scrollTo(0, arguments[0])", position)
        time.sleep(0.05)
    raise AssertionError(f"{element_id} never listed")


def _click(wait: WebDriverWait, op_id: str, css: str) -> None:
    """Click a control of an operation once it is drawn; a redraw in between (stale) is tried again,
    as a reader would click again."""

    def attempt(driver) -> bool:
        try:
            driver.find_element(By.ID, op_id).find_element(By.CSS_SELECTOR, css).click()
        except (StaleElementReferenceException, NoSuchElementException):
            return False
        return True

    wait.until(attempt)


def _text(driver, op_id: str, css: str) -> str | None:
    """The text of a part of an operation, or None while it is not drawn (or is being redrawn)."""
    try:
        return driver.find_element(By.ID, op_id).find_element(By.CSS_SELECTOR, css).text or None
    except (StaleElementReferenceException, NoSuchElementException):
        return None


def test_swagger_ui_lists_operations_and_tries_one_out_against_the_live_server(live_server, browser):
    wait = WebDriverWait(browser, 180)
    browser.get(live_server.base + "/api/v1/docs")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    # A large document is drawn in windows as the reader scrolls: scroll through it and collect the
    # operations that were listed on the way.
    assert len(_operations_listed_while_scrolling(browser)) > 50
    op = "operations-complaints-complaints_categories_get"
    _scroll_to(browser, op)
    _click(wait, op, ".opblock-summary")
    _click(wait, op, ".try-out__btn")
    _click(wait, op, ".execute")
    status = wait.until(lambda d: _text(d, op, ".live-responses-table tbody .response-col_status"))
    assert status.strip().startswith("200")
    body = wait.until(lambda d: _text(d, op, ".live-responses-table .microlight"))
    assert '"code"' in body  # the categories the live server answered
    assert _browser_errors(browser) == []


def test_redoc_renders_the_document_offline(live_server, browser):
    browser.get(live_server.base + "/api/v1/redoc")
    WebDriverWait(browser, 180).until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))
    assert "Pematang Siantar" in browser.find_element(By.CSS_SELECTOR, "h1").text
    assert "Log in with NIK" in browser.page_source
    assert _browser_errors(browser) == []

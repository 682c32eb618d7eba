"""Browser fixtures: a live server in a thread and headless Chromium driven by Playwright.

The tests skip, saying why, only when no Chromium is installed (`.ci/run` installs Debian's).
On failure a screenshot and the page's HTML are kept under test-artifacts/.
"""

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.browser.helpers import console_error

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Flags the machine needs: no sandbox as root, and no background calls to Google's servers.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def live_server(app):
    """Serve the test app on a free local port for the duration of the test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test; dialogs (confirmations) are accepted."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda message: console_error(page, message))
    page.js_errors = errors
    yield page
    _keep_artifacts(request, {"": page})
    context.close()


def _keep_artifacts(request, pages: dict) -> None:
    """After a failed test, save a screenshot and the HTML of each named page."""
    failed = getattr(request.node, "rep_call", None)
    if failed is None or not failed.failed:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    base = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
    for label, page in pages.items():
        name = f"{base}-{label}" if label else base
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
        except Exception as exc:  # the page may be gone; the failure itself matters more
            print(f"could not save browser artifacts: {exc}")


@pytest.fixture
def sessions(browser, request):
    """Open named browser sessions, one per user: `sessions("bureau")`; artifacts kept for each."""
    from tests.browser.helpers import open_session

    opened: dict = {}

    def open_named(label: str, **kw):
        opened[label] = open_session(browser, **kw)
        return opened[label]

    yield open_named
    _keep_artifacts(request, opened)
    for page in opened.values():
        page.context.close()


def new_page(browser):
    """Another independent browser session (a second user) with the same settings."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())
    return page

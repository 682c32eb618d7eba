"""Small helpers for browser journeys: sessions per user, logins, waiting, files and layout checks."""

import io
import threading
import time

from tests.factories import PASSWORD, valid_credit_code

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def open_session(browser, *, width: int = 1280, height: int = 900, mobile: bool = False):
    """A fresh browser session (one user) that records script and console errors in `page.js_errors`."""
    context = browser.new_context(
        locale="zh-CN", viewport={"width": width, "height": height}, is_mobile=mobile, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    # Console errors catch what is not an exception: CSP refusals, failed loads of scripts or styles.
    page.on("console", lambda message: console_error(page, message))
    return page


def console_error(page, message) -> None:
    """Record a console error (CSP refusals, failed loads of scripts or styles) in page.js_errors."""
    if message.type == "error":
        where = message.location.get("url", "") if message.location else ""
        if where == page.url and "status of 422" in message.text:
            return  # a form sent back with its errors: the page itself, answered as designed
        page.js_errors.append(f"console on {page.url}: {message.text} {where}".strip())


def login(page, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form and land on the workbench."""
    page.goto(f"{base}/account/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/dashboard")


def follow(page, target) -> None:
    """Click a link or button (a selector or a locator) and wait for the page it leads to.

    A menu entry inside a closed dropdown (the bureau's 局端管理) or a folded menu bar (a narrow
    window, or English below 1400 px) is reached as a person would: the menu is opened first.
    """
    link = (page.locator(target) if isinstance(target, str) else target).first
    toggler = page.locator(".navbar-toggler")
    if not link.is_visible() and toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        page.locator("#mainNav.show").wait_for()
    if not link.is_visible():
        menu = link.locator("xpath=ancestor::li[contains(@class, 'dropdown')][1]")
        if menu.count():
            menu.locator("[data-bs-toggle=dropdown]").first.click()
    with page.expect_navigation():
        link.click()


def wait_until(check, *, timeout: float = 30.0, interval: float = 0.2, message: str = "condition"):
    """Poll `check()` until it returns something truthy; fail with `message` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def horizontal_overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits the viewport)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def fill_workbook(template: bytes, rows: list[dict]) -> bytes:
    """Fill a downloaded import template: keep its header row, replace the example with `rows`."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    unknown = {key for row in rows for key in row} - set(header)
    assert not unknown, f"columns not in the site's template: {unknown}"
    sheet.delete_rows(2, sheet.max_row - 1)
    for row in rows:
        sheet.append([row.get(name, "") for name in header])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class BackgroundTasks:
    """Count background tasks (imports, outbox drains) in flight, to wait for them to settle."""

    def __init__(self) -> None:
        self.running = 0
        self.started = 0
        self._lock = threading.Lock()

    def wrap(self, run):
        def counted(*args, **kwargs):
            with self._lock:
                self.running += 1
                self.started += 1
            try:
                return run(*args, **kwargs)
            finally:
                with self._lock:
                    self.running -= 1

        return counted

    def settle(self, timeout: float = 60.0) -> None:
        """Wait until no task has run for half a second (a commit may start one just after)."""

        def quiet() -> bool:
            before = self.started
            if self.running:
                return False
            time.sleep(0.5)
            return self.running == 0 and self.started == before

        wait_until(quiet, timeout=timeout, message="background tasks to finish")


def register_university(page, *, email, name, phone, password, org_name, credit_serial, licence) -> None:
    """Fill the open registration form for a new university with its licence scan and submit it."""
    page.fill("#email", email)
    page.fill("#name", name)
    page.fill("#phone", phone)
    page.fill("#password", password)
    page.fill("#confirm", password)
    page.check("input[name=mode][value=new]")
    page.fill("#org_name", org_name)
    page.select_option("#org_type", "university")
    page.fill("#credit_code", valid_credit_code(credit_serial, "12130100"))
    page.select_option("#nature_code", "022")
    page.select_option("#district", "130108")
    page.set_input_files("#evidence", str(licence))
    page.click("main button[type=submit]")

"""The browser fixtures of tests/browser (live server, Chromium, page, artifacts on failure)."""

from tests.browser.conftest import browser, live_server, page, pytest_runtest_makereport  # noqa: F401

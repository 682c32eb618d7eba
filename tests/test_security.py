"""Security baseline: headers, CSRF on forms, no inline script, safe redirects."""

import re

import pytest

from marketplace.common.security import is_safe_next
from tests.factories import login, make_user


def test_headers_forbid_inline_and_foreign_script(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/", "/account/login", "/account/register", "/about", "/account/forgot"])
def test_pages_have_no_inline_script_or_foreign_assets(client, path):
    html = client.get(path).get_data(as_text=True)
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"""(src|href)=["']https?://""", html)


def test_forms_without_csrf_token_are_refused(app, app_factory):
    # Same database as the `app` fixture (which set up and cleans the schema), CSRF switched on.
    app = app_factory(WTF_CSRF_ENABLED=True, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        user = make_user()
        client = app.test_client()
        login(client, user)
    response = client.post("/account/profile", data={"name": "改名"})
    assert response.status_code == 400 and "安全令牌" in response.get_data(as_text=True)
    response = client.post("/account/login", data={"email": "x@y.cn", "password": "whatever-123"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("target", "ok"),
    [
        ("/dashboard", True),
        ("/orgs/1?x=1", True),
        ("https://evil.example.com/", False),
        ("//evil.example.com", False),
        ("/\\evil.example.com", False),
        ("javascript:alert(1)", False),
        ("", False),
    ],
)
def test_is_safe_next(target, ok):
    assert is_safe_next(target) is ok

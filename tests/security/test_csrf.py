"""CSRF: with WTF_CSRF_ENABLED on, every POST form route refuses a request without a token.

The routes are read from app.url_map (every non-API rule accepting POST), so a new form route
is covered without listing it here. The refusal is a 400 page in Chinese and the database is
left exactly as it was. The API is exempt by design: it ignores the session cookie and wants a
bearer token, which a cross-site form cannot send.
"""

import re

import pytest
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db
from tests.security.conftest import client_as, route_table
from tests.security.world import make_world, rule_url

PREFERRED_ROLES = ("enterprise", "university", "broker", "bureau", "admin", "institute", "pending", "anon")


def form_post_endpoints() -> list[str]:
    return sorted(
        {
            endpoint
            for endpoint, methods, rule in route_table()
            if "POST" in methods and not rule.startswith("/api/")
        }
    )


@pytest.fixture(scope="module")
def world(shared_app):
    made = make_world(shared_app)
    shared_app.config["WTF_CSRF_ENABLED"] = True
    yield made
    shared_app.config["WTF_CSRF_ENABLED"] = False


def snapshot() -> dict:
    """Every row of every table, to prove a refused request changed nothing."""
    return {
        table.name: sorted(map(repr, db.session.execute(select(table)).all()))
        for table in db.metadata.sorted_tables
    }


def test_form_routes_are_found():
    endpoints = form_post_endpoints()
    assert {"accounts.login", "listings.create", "contracts.upload", "deals.post_message"} <= set(endpoints)
    assert not [e for e in endpoints if e.startswith("api.")]


@pytest.mark.parametrize("endpoint", form_post_endpoints())
def test_post_without_token_is_refused(shared_app, world, endpoint):
    _method, url, allowed = rule_url(world, endpoint)
    role = next(r for r in PREFERRED_ROLES if r in allowed)
    client = client_as(shared_app, None if role == "anon" else world["owners"][role])
    with shared_app.app_context():
        before = snapshot()
    response = client.post(url, data={"name": "改名", "title": "CSRF 改的标题", "confirm": "y"})
    assert response.status_code == 400, f"{endpoint}: {response.status_code}"
    assert "安全令牌" in response.get_data(as_text=True)
    with shared_app.app_context():
        assert snapshot() == before, f"{endpoint} changed the database without a CSRF token"


def test_the_same_post_with_its_token_goes_through(shared_app, world):
    # The control: the refusal above comes from the missing token, not from the route.
    user = world["owners"]["broker"]
    client = client_as(shared_app, user)
    page = client.get("/account/profile").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/account/profile", data={"csrf_token": token, "name": "带令牌改名", "phone": ""})
    assert response.status_code == 302
    with shared_app.app_context():
        assert db.session.get(User, user.id).name == "带令牌改名"


def test_a_token_from_another_session_is_refused(shared_app, world):
    victim = client_as(shared_app, world["owners"]["enterprise"])
    attacker = client_as(shared_app, world["intruders"]["enterprise"])
    page = attacker.get("/account/profile").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = victim.post("/account/profile", data={"csrf_token": token, "name": "别人的令牌"})
    assert response.status_code == 400


def test_api_ignores_the_session_cookie(shared_app, world):
    # The API is exempt from CSRF because a browser session does not authenticate it.
    client = client_as(shared_app, world["owners"]["enterprise"])
    response = client.post("/api/v1/demands", json={"title": "跨站提交的需求"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"

"""Sessions and credentials: login throttling, session fixation, logout, password changes and
API tokens of revoked, disabled or removed users (adds to tests/accounts and tests/api)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts.models import LoginFailure, User
from marketplace.accounts.services import create_api_token
from marketplace.extensions import db
from tests.factories import PASSWORD, login_via_form, make_user
from tests.security.conftest import bearer, client_as

WRONG = "Wrong-pass-123"


def _age_failures(app, seconds: int) -> None:
    with app.app_context():
        for failure in db.session.scalars(select(LoginFailure)):
            failure.created_at -= timedelta(seconds=seconds)
        db.session.commit()


def _fail(app, client, email, times, *, ip="10.0.0.1"):
    for _ in range(times):
        response = client.post(
            "/account/login", data={"email": email, "password": WRONG}, environ_base={"REMOTE_ADDR": ip}
        )
        assert response.status_code == 200, response.status_code
        _age_failures(app, 70)  # past the slow-down delay, well inside the 15-minute window


def _cookie(client, name="session"):
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def _replay(app, cookies: dict):
    """A new browser that only has the given cookies (as a thief would)."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief.get("/dashboard")


def _signed_in(response) -> bool:
    return response.status_code == 200


@pytest.fixture
def user(app):
    with app.app_context():
        return make_user(email="victim@example.cn")


def test_eight_failures_lock_the_account_for_fifteen_minutes(app, client, user):
    _fail(app, client, "victim@example.cn", 8)
    response = login_via_form(client, "victim@example.cn")  # the right password
    text = response.get_data(as_text=True)
    assert response.status_code == 429 and "暂时锁定" in text and "分钟后再试" in text
    _age_failures(app, 13 * 60)
    assert login_via_form(client, "victim@example.cn").status_code == 429  # still locked
    _age_failures(app, 3 * 60)  # the last failure is now older than the 15-minute window
    assert login_via_form(client, "victim@example.cn").status_code == 302


def test_the_lock_ignores_case_and_spaces_in_the_address(app, client, user):
    _fail(app, client, "Victim@Example.CN", 4)
    _fail(app, client, "VICTIM@example.cn", 4)
    response = login_via_form(client, "victim@EXAMPLE.cn")
    assert response.status_code == 429


def test_a_locked_account_does_not_lock_other_accounts(app, client, user):
    with app.app_context():
        make_user(email="neighbour@example.cn")
    _fail(app, client, "victim@example.cn", 8)
    assert login_via_form(client, "neighbour@example.cn").status_code == 302


def test_many_addresses_from_one_ip_lock_that_ip(app, client, user):
    app.config["LOGIN_IP_LOCK_AFTER"] = 12
    for n in range(12):
        client.post(
            "/account/login",
            data={"email": f"guess{n}@example.cn", "password": WRONG},
            # A forged proxy header must not give each try a fresh address.
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        )
    response = client.post(
        "/account/login",
        data={"email": "victim@example.cn", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert response.status_code == 429
    other_ip = app.test_client().post(
        "/account/login",
        data={"email": "victim@example.cn", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.1.1"},
    )
    assert other_ip.status_code == 302


def test_login_issues_a_new_session_and_the_old_cookie_stays_anonymous(app, client, user):
    with client.session_transaction() as session:
        session["planted"] = "attacker-known"
    planted = _cookie(client)
    assert login_via_form(client, "victim@example.cn").status_code == 302
    assert _cookie(client) != planted
    assert _signed_in(client.get("/dashboard"))
    assert not _signed_in(_replay(app, {"session": planted}))


def test_registering_also_starts_a_fresh_session(app, client):
    from tests.accounts.test_auth import NEW_ORG_FORM

    with client.session_transaction() as session:
        session["planted"] = "attacker-known"
    planted = _cookie(client)
    assert client.post("/account/register", data=NEW_ORG_FORM).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("_user_id")
    assert not _signed_in(_replay(app, {"session": planted}))


def test_logout_makes_a_copied_cookie_useless(app, client, user):
    login_via_form(client, "victim@example.cn", remember="y")
    stolen = {"session": _cookie(client), "remember_token": _cookie(client, "remember_token")}
    assert _signed_in(_replay(app, stolen))
    client.post("/account/logout")
    assert not _signed_in(client.get("/dashboard"))
    assert not _signed_in(_replay(app, stolen))
    assert not _signed_in(_replay(app, {"remember_token": stolen["remember_token"]}))


def test_password_change_ends_remembered_logins_elsewhere(app, client, user):
    laptop = app.test_client()
    login_via_form(laptop, "victim@example.cn", remember="y")
    remembered = {"remember_token": _cookie(laptop, "remember_token")}
    assert _signed_in(_replay(app, remembered))
    login_via_form(client, "victim@example.cn")
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "Changed-pass-42", "confirm": "Changed-pass-42"},
    )
    assert response.status_code == 302
    assert _signed_in(client.get("/dashboard"))
    assert not _signed_in(laptop.get("/dashboard"))
    assert not _signed_in(_replay(app, remembered))


def _api_me(app, raw):
    return app.test_client().get("/api/v1/me", headers=bearer(raw))


def test_revoked_token_stops_working_at_once(app, user):
    with app.app_context():
        raw = create_api_token(user, "集成")
        keep = create_api_token(user, "另一个")
        db.session.commit()
    assert _api_me(app, raw).status_code == 200
    client = client_as(app, user)
    with app.app_context():
        from marketplace.accounts.models import ApiToken

        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "集成"))
    assert client.post(f"/account/tokens/{token_id}/revoke", data={}).status_code == 302
    response = _api_me(app, raw)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    assert _api_me(app, keep).status_code == 200  # only that token


def test_disabled_users_tokens_stop_and_come_back_only_when_enabled(app, user):
    with app.app_context():
        raw = create_api_token(user, "集成")
        admin = make_user("bureau", admin=True)
        db.session.commit()
    admin_client = client_as(app, admin)
    assert admin_client.post(f"/admin/users/{user.id}/disable").status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).is_disabled
    assert _api_me(app, raw).status_code == 401
    assert app.test_client().post("/api/v1/demands", json={}, headers=bearer(raw)).status_code == 401
    assert admin_client.post(f"/admin/users/{user.id}/enable").status_code == 302
    assert _api_me(app, raw).status_code == 200


def test_a_removed_members_token_no_longer_acts_for_the_organisation(app, user):
    with app.app_context():
        member = make_user(org=user.organisation, manager=False)
        raw = create_api_token(member, "集成")
        db.session.commit()
    assert _api_me(app, raw).get_json()["organisation"] is not None
    manager = client_as(app, user)
    assert manager.post(f"/my/org/members/{member.id}/remove").status_code == 302
    response = _api_me(app, raw)
    assert response.status_code == 401 or response.get_json()["organisation"] is None
    created = app.test_client().post("/api/v1/demands", json={"title": "被移出后发布"}, headers=bearer(raw))
    assert created.status_code in (401, 403)

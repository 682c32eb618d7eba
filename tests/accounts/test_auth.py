"""Sign-up, sign-in, throttling, sessions and password recovery through the client."""

import re
from pathlib import Path

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.common.audit import AuditLog
from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from tests.factories import PASSWORD, login, login_via_form, make_org, make_user, valid_credit_code

NEW_ORG_FORM = {
    "email": "zhang@hebtech.example.cn",
    "name": "张老师",
    "phone": "13800000000",
    "password": "Hebei2026pass",
    "confirm": "Hebei2026pass",
    "mode": "new",
    "org_name": "石家庄理工示范学院",
    "org_type": "university",
    "credit_code": valid_credit_code(777, "12130100"),
    "district": "130104",
    "zone": "",
    "nature_code": "022",
    "contact_name": "",
}


def test_register_new_org_creates_unverified_org_and_manager(client, app):
    response = client.post("/account/register", data=NEW_ORG_FORM)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "zhang@hebtech.example.cn"))
        assert user.is_org_manager and user.membership == "active"
        assert user.organisation.verification_status == "unverified"
        assert user.password_hash.startswith("scrypt:")
        actions = set(db.session.scalars(select(AuditLog.action)))
        assert {"organisation.registered", "user.registered"} <= actions
    page = client.get("/dashboard").get_data(as_text=True)
    assert "认证通过前可以保存草稿" in page


def test_register_with_bad_credit_code_keeps_what_was_typed(client, app):
    data = {**NEW_ORG_FORM, "credit_code": NEW_ORG_FORM["credit_code"][:-1] + "0"}
    if data["credit_code"] == NEW_ORG_FORM["credit_code"]:
        data["credit_code"] = NEW_ORG_FORM["credit_code"][:-1] + "1"
    response = client.post("/account/register", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "校验位不正确" in html
    assert 'value="石家庄理工示范学院"' in html and 'value="zhang@hebtech.example.cn"' in html
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_register_refuses_weak_password_and_duplicate_email(client, app):
    response = client.post(
        "/account/register", data={**NEW_ORG_FORM, "password": "short1", "confirm": "short1"}
    )
    assert response.status_code == 422
    assert "密码至少 10 位" in response.get_data(as_text=True)
    with app.app_context():
        make_user(email="zhang@hebtech.example.cn")
    response = client.post("/account/register", data=NEW_ORG_FORM)
    assert "该邮箱已注册" in response.get_data(as_text=True)


def test_join_existing_org_waits_for_the_manager(client, app):
    with app.app_context():
        manager = make_user("institute")
        org_id = manager.organisation_id
    data = {**NEW_ORG_FORM, "mode": "join", "join_org": str(org_id), "org_name": "", "credit_code": ""}
    assert client.post("/account/register", data=data).status_code == 302
    with app.app_context():
        joiner = db.session.scalar(select(User).where(User.email == data["email"]))
        assert joiner.membership == "pending" and joiner.role is None
        joiner_id = joiner.id
    # The new member cannot approve itself.
    assert client.post(f"/my/org/members/{joiner_id}/approve").status_code == 302
    with app.app_context():
        assert db.session.get(User, joiner_id).membership == "pending"
    manager_client = app.test_client()
    with app.app_context():
        login(manager_client, db.session.get(User, manager.id))
    manager_client.post(f"/my/org/members/{joiner_id}/approve")
    with app.app_context():
        joiner = db.session.get(User, joiner_id)
        assert joiner.membership == "active" and joiner.role == "institute"


def test_login_logout_and_safe_next(client, app):
    with app.app_context():
        user = make_user(email="li@example.cn")
        assert user.id
    response = login_via_form(client, "li@example.cn")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    client.post("/account/logout")
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    response = client.post(
        "/account/login?next=https://evil.example.com/", data={"email": "li@example.cn", "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/dashboard")
    client.post("/account/logout")
    response = client.post(
        "/account/login?next=/my/org", data={"email": "li@example.cn", "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/my/org")


def test_remember_me_sets_a_persistent_cookie(client, app):
    with app.app_context():
        make_user(email="remember@example.cn")
    response = login_via_form(client, "remember@example.cn", remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0]
    session_cookie = [c for c in cookies if c.startswith("session=")][0]
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_login_fixation_old_session_data_is_dropped(client, app):
    with app.app_context():
        make_user(email="fix@example.cn")
    with client.session_transaction() as session:
        session["planted"] = "attacker"
    login_via_form(client, "fix@example.cn")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id")


def test_wrong_password_is_slowed_then_locked(client, app):
    with app.app_context():
        make_user(email="guess@example.cn")
    for _ in range(3):
        response = login_via_form(client, "guess@example.cn", "Wrong-pass-123")
        assert "邮箱或密码不正确" in response.get_data(as_text=True)
    # After three failures the next try is refused for a few seconds, even with the right password.
    response = login_via_form(client, "guess@example.cn")
    assert response.status_code == 429 and "秒后再试" in response.get_data(as_text=True)
    with app.app_context():
        from datetime import timedelta

        from marketplace.accounts.models import LoginFailure

        # Age the failures so the delay has passed; keep failing until the lock.
        for failure in db.session.scalars(select(LoginFailure)):
            failure.created_at -= timedelta(seconds=120)
        db.session.commit()
    for _ in range(5):
        login_via_form(client, "guess@example.cn", "Wrong-pass-123")
        with app.app_context():
            for failure in db.session.scalars(select(LoginFailure)):
                failure.created_at -= timedelta(seconds=120)
            db.session.commit()
    response = login_via_form(client, "guess@example.cn")
    assert response.status_code == 429 and "暂时锁定" in response.get_data(as_text=True)


def test_disabled_user_cannot_log_in(client, app):
    with app.app_context():
        make_user(email="off@example.cn", is_disabled=True)
    response = login_via_form(client, "off@example.cn")
    assert response.status_code == 200 and "已被停用" in response.get_data(as_text=True)


def test_forgot_password_mails_a_one_time_link(client, app):
    with app.app_context():
        make_user(email="reset@example.cn")
    response = client.post("/account/forgot", data={"email": "reset@example.cn"})
    assert response.status_code == 302
    # Unknown addresses get the same answer and no mail.
    client.post("/account/forgot", data={"email": "nobody@example.cn"})
    mails = list(Path(app.config["MAIL_DIR"]).glob("*.eml"))
    assert len(mails) == 1
    text = mails[0].read_bytes().decode("utf-8", "replace")
    assert "reset@example.cn" in text
    from email import message_from_bytes

    body = message_from_bytes(mails[0].read_bytes()).get_payload(decode=True).decode()
    link = re.search(r"https?://\S+/account/reset/(\S+)", body)
    assert link, body
    path = "/account/reset/" + link.group(1)
    response = client.post(path, data={"password": "Brand-new-pass-9", "confirm": "Brand-new-pass-9"})
    assert response.status_code == 302
    assert login_via_form(client, "reset@example.cn", "Brand-new-pass-9").status_code == 302
    client.post("/account/logout")
    # The link works once.
    response = client.post(path, data={"password": "Other-pass-999", "confirm": "Other-pass-999"})
    assert response.status_code == 302 and "/account/forgot" in response.headers["Location"]


def test_change_password_ends_other_sessions(client, app):
    with app.app_context():
        user = make_user(email="change@example.cn")
        other = app.test_client()
        login(other, user)
        login(client, user)
    assert other.get("/dashboard").status_code == 200
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "Changed-pass-42", "confirm": "Changed-pass-42"},
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302


def test_change_password_with_wrong_current_is_refused(client, app):
    with app.app_context():
        user = make_user()
        login(client, user)
    response = client.post(
        "/account/password",
        data={
            "current_password": "not-it-123",
            "new_password": "Changed-pass-42",
            "confirm": "Changed-pass-42",
        },
        follow_redirects=True,
    )
    assert "当前密码不正确" in response.get_data(as_text=True)


def test_profile_updates_name(client, app):
    with app.app_context():
        user = make_user()
        login(client, user)
    client.post("/account/profile", data={"name": "王工", "phone": "0311-1234567"})
    with app.app_context():
        assert db.session.get(User, user.id).name == "王工"


def test_unverified_org_banner_and_org_listing(client, app):
    with app.app_context():
        user = make_user("university", verified=False)
        login(client, user)
        org_id = user.organisation_id
    assert "认证通过前" in client.get("/dashboard").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Organisation, org_id).is_verified is False
    assert make_org  # factories import used

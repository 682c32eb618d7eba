from pathlib import Path

from marketplace.accounts.models import User
from marketplace.extensions import db
from tests.factories import login, login_via_form, make_user


def test_admin_disables_and_enables_a_user(client, app):
    with app.app_context():
        admin = make_user("bureau", admin=True)
        target = make_user(email="target@example.cn")
        login(client, admin)
    listing = client.get("/admin/users?q=target").get_data(as_text=True)
    assert "target@example.cn" in listing
    client.post(f"/admin/users/{target.id}/disable")
    assert "已被停用" in login_via_form(app.test_client(), "target@example.cn").get_data(as_text=True)
    client.post(f"/admin/users/{target.id}/enable")
    assert login_via_form(app.test_client(), "target@example.cn").status_code == 302


def test_disabling_ends_an_open_session(client, app):
    with app.app_context():
        admin = make_user("bureau", admin=True)
        target = make_user()
        victim = app.test_client()
        login(victim, target)
        login(client, admin)
    assert victim.get("/dashboard").status_code == 200
    client.post(f"/admin/users/{target.id}/disable")
    assert victim.get("/dashboard").status_code == 302


def test_admin_sends_reset_and_removes_member(client, app):
    with app.app_context():
        admin = make_user("bureau", admin=True)
        target = make_user(email="member@example.cn")
        login(client, admin)
    client.post(f"/admin/users/{target.id}/reset")
    assert any(
        "member@example.cn" in p.read_text(errors="replace")
        for p in Path(app.config["MAIL_DIR"]).glob("*.eml")
    )
    client.post(f"/admin/users/{target.id}/remove")
    with app.app_context():
        assert db.session.get(User, target.id).membership == "removed"
    assert "user.reset_sent" in client.get("/admin/audit").get_data(as_text=True)


def test_non_admin_cannot_manage_users(client, app):
    with app.app_context():
        login(client, make_user("bureau"))
        target = make_user()
    assert client.get("/admin/users").status_code == 403
    assert client.post(f"/admin/users/{target.id}/disable").status_code == 403

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db


def test_users_create_and_token(runner, app, client):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@b.cn",
            "--password",
            "Strong-pass-1",
            "--role",
            "broker",
            "--org",
            "石家庄示例技术转移中心",
            "--admin",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "a@b.cn"))
        assert user.is_admin and user.role == "broker" and user.org.is_verified
    result = runner.invoke(args=["users", "token", "a@b.cn"])
    token = result.output.strip()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json["role"] == "broker"


def test_users_create_refuses_weak_password_and_duplicates(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "a@b.cn", "--password", "weak", "--role", "broker", "--org", "X"]
    )
    assert result.exit_code != 0 and "密码" in result.output
    ok = [
        "users",
        "create",
        "--email",
        "a@b.cn",
        "--password",
        "Strong-pass-1",
        "--role",
        "broker",
        "--org",
        "X",
    ]
    assert runner.invoke(args=ok).exit_code == 0
    assert runner.invoke(args=ok).exit_code != 0

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.organisations.models import Organisation


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


@pytest.mark.committing
def test_seed_demo_is_idempotent_and_logins_work(runner, app, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    from marketplace.contracts.models import TechContract
    from marketplace.stats.facts import ContractFact

    with app.app_context():
        orgs = db.session.scalar(select(func.count(Organisation.id)))
        users = db.session.scalar(select(func.count(User.id)))
        contracts = db.session.scalar(select(func.count(TechContract.id)))
        facts = db.session.scalar(select(func.count(ContractFact.contract_id)))
        assert facts > 0 and contracts > facts  # registered ones count; drafts and queued ones do not
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "bureau@demo.sjz.cn" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == orgs
        assert db.session.scalar(select(func.count(User.id))) == users
        assert db.session.scalar(select(func.count(TechContract.id))) == contracts
        roles = {u.email: u.role for u in db.session.scalars(select(User))}
    assert roles["university@demo.sjz.cn"] == "university" and roles["broker@demo.sjz.cn"] == "broker"
    from marketplace.events.queries import training_hours_by_year

    with app.app_context():
        broker = db.session.scalar(select(User).where(User.email == "broker@demo.sjz.cn"))
        # The demo broker was checked in at the past 培训; the training signal recorded the hours.
        assert sum(training_hours_by_year(broker.id).values()) > 0
        from marketplace.brokers.models import TrainingRecord

        assert (
            db.session.scalar(
                select(func.count(TrainingRecord.id)).where(TrainingRecord.user_id == broker.id)
            )
            >= 1
        )
    response = client.post("/account/login", data={"email": "admin@demo.sjz.cn", "password": "Demo2026sjz"})
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200

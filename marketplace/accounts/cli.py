"""`flask users …`: create accounts and API tokens from the command line."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.accounts import services
from marketplace.accounts.models import User
from marketplace.common.domain import ORG_TYPES
from marketplace.common.roles import Role
from marketplace.common.uow import unit_of_work
from marketplace.extensions import db
from marketplace.organisations.models import Organisation

users_cli = AppGroup("users", help="管理用户账户")

# The 主体性质 code (domain.NATURE_CODES) an organisation created from the command line starts with.
DEFAULT_NATURE = {
    Role.UNIVERSITY: "022",
    Role.INSTITUTE: "021",
    Role.ENTERPRISE: "150",
    Role.BROKER: "150",
    Role.BUREAU: "010",
}


def ensure_user(
    email: str, password: str, role: str, org_name: str, *, admin: bool = False, name: str | None = None
) -> tuple[User, bool]:
    """Create a user in a verified organisation of the given type (created when missing)."""
    org = db.session.scalar(select(Organisation).where(Organisation.name == org_name))
    if org is None:
        org = services.create_organisation(
            services.NewOrganisation(
                name=org_name,
                org_type=role,
                credit_code="",
                district="130100",
                zone=None,
                nature_code=DEFAULT_NATURE[role],
                contact_name=name or "",
                contact_phone="",
            ),
            verified=True,
        )
    elif org.org_type != role:
        raise click.ClickException(f"单位“{org_name}”已存在，类型为 {org.org_type}，与 {role} 不符")
    user = services.find_user_by_email(email)
    if user is not None:
        return user, False
    problem = services.password_problem(password, email)
    if problem:
        raise click.ClickException(problem)
    user = User(
        email=email.lower(),
        name=name or email.split("@")[0],
        organisation=org,
        membership="active",
        is_admin=admin,
    )
    # The first member of an organisation manages it.
    user.is_org_manager = not db.session.scalar(select(User.id).where(User.organisation_id == org.id))
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user, True


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", "role", required=True, type=click.Choice([role.value for role in ORG_TYPES]))
@click.option("--org", "org_name", required=True)
@click.option("--admin", is_flag=True, default=False)
@click.option("--name", default=None)
def create_user(email, password, role, org_name, admin, name):
    """Create a user (and a verified organisation of that type when missing)."""
    with unit_of_work():
        user, created = ensure_user(email, password, role, org_name, admin=admin, name=name)
        if not created:
            raise click.ClickException(f"邮箱 {email} 已注册")
    click.echo(f"已创建用户 {user.email}（{user.organisation.name}，{role}{'，管理员' if admin else ''}）")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="命令行创建")
def create_token(email, name):
    """Print a new API token for the user."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"用户 {email} 不存在")
    with unit_of_work():
        raw = services.create_api_token(user, name)
    click.echo(raw)

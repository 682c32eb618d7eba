"""`flask seed-demo`: load the demo organisations, logins and listings (idempotent)."""

import click
from flask.cli import with_appcontext

from marketplace.common.uow import unit_of_work
from marketplace.demo.seed import DEMO_LOGINS, DEMO_PASSWORD, seed_demo


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo data once; running it again changes nothing."""
    with unit_of_work():
        summary = seed_demo(progress=click.echo)
    click.echo(summary)
    click.echo(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
    for _role, email, label in DEMO_LOGINS:
        click.echo(f"  {label:<12} {email}")

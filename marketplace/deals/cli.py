"""`flask deals …`: reminders about inquiries waiting too long for an answer."""

import click
from flask.cli import AppGroup

from marketplace.common.uow import unit_of_work
from marketplace.deals import services
from marketplace.deals.demo import seed_demo_deals

deals_cli = AppGroup("deals", help="对接意向与对接进展")


@deals_cli.command("remind")
def remind_command() -> None:
    """Notify owners of inquiries unanswered for 7 days (each inquiry once)."""
    with unit_of_work():
        count = services.remind_overdue()
    click.echo(f"已提醒 {count} 条超过 {services.overdue_after().days} 天未答复的意向")


@deals_cli.command("seed-demo")
@click.option("--limit", default=24, show_default=True, help="示例意向的最多条数")
def seed_demo_command(limit: int) -> None:
    """Create sample inquiries and deals between the published demo listings (once)."""
    with unit_of_work():
        seed_demo_deals(limit=limit, progress=click.echo)

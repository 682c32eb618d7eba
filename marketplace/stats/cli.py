"""`flask stats …`: keep the dashboard's rollups equal to the contract facts."""

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from marketplace.common.uow import unit_of_work
from marketplace.extensions import db
from marketplace.stats.facts import ContractFact, rebuild_rollups

stats_cli = AppGroup("stats", help="统计数据维护")


@stats_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute every rollup from the registered contract facts."""
    with unit_of_work():
        rows = rebuild_rollups()
        facts = db.session.scalar(select(func.count(ContractFact.id))) or 0
    click.echo(f"已按 {facts} 份登记合同重算统计汇总，共 {rows} 行")

"""`flask search sync|reindex|rematch|status|train-model`."""

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.common.uow import unit_of_work
from marketplace.extensions import db
from marketplace.search.inference import current_model
from marketplace.search.pipeline import drain, reindex
from marketplace.search.rebuild import refresh_all
from marketplace.search.status import index_status
from marketplace.search.tasks import sync_forever
from marketplace.search.training import train_and_store

search_cli = AppGroup("search", help="检索索引与匹配")


@search_cli.command("sync")
@click.option(
    "--watch",
    is_flag=True,
    help="keep running: apply the outbox every few seconds and run the daily maintenance (expire demands)",
)
@click.option("--interval", type=float, default=2.0, show_default=True, help="seconds between rounds")
@click.option(
    "--index-only",
    is_flag=True,
    help="with --watch: only follow the search log into this host's index (beside a full worker)",
)
def sync_command(watch: bool, interval: float, index_only: bool):
    """Apply the outbox: index pending changes and store their matches."""
    if watch:
        click.echo(f"watching the search outbox every {interval:g} s (Ctrl+C stops)")
        try:
            sync_forever(interval, echo=click.echo, index_only=index_only)
        except KeyboardInterrupt:
            pass
        return
    done = drain()
    click.echo(f"indexed {done['indexed']} change(s), matched {done['matched']}")


@search_cli.command("reindex")
@click.option("--matches/--no-matches", default=True, help="also recompute every stored match list")
@click.option(
    "--if-behind",
    is_flag=True,
    help="only when changes wait in the outbox or the index is not current (make run after seed-demo)",
)
@click.option(
    "--model/--no-model",
    default=True,
    help="train the field / IPC model first when instance/ holds none (a few seconds; not in tests)",
)
def reindex_command(matches: bool, if_behind: bool, model: bool):
    """Rebuild the index into a fresh directory and swap it in; searches keep working."""
    train = model and current_model() is None and not current_app.testing
    if if_behind and not train:
        status = index_status()
        if not status.get("pending") and not status.get("refresh_pending") and status.get("schema_current"):
            click.echo("index and stored matches are current")
            return
    if train:
        _train_and_report()
    count = reindex()
    click.echo(f"indexed {count} published listing(s)")
    if matches:
        with unit_of_work():
            matched = refresh_all(db.session)
        click.echo(f"stored matches of {matched} listing(s)")
    drain()


@search_cli.command("rematch")
def rematch_command():
    """Recompute every published listing's stored matches."""

    with unit_of_work():
        matched = refresh_all(db.session)
    click.echo(f"stored matches of {matched} listing(s)")


@search_cli.command("status")
def status_command():
    """Show the live index directory, its size and the outbox backlog."""
    for key, value in index_status().items():
        click.echo(f"{key}: {value}")


@search_cli.command("train-model")
def train_model_command():
    """Train the field / IPC model on the public data and the platform's listings; store it.

    Prints its accuracy on the held-out split (trained on even-numbered rows, scored on the
    odd-numbered ones), then stores the model fitted on every row. `flask search reindex` puts
    its predictions into the index and the listings' inferred fields.
    """
    _train_and_report()
    click.echo("run `flask search reindex` to use it for matching, filters and reasons")


def _train_and_report() -> None:
    figures = train_and_store(db.session)
    db.session.rollback()  # read only
    click.echo(
        f"field / IPC model trained on {figures['rows']} texts in {figures['cpu_seconds']:.1f} s CPU; "
        f"held-out (odd-numbered rows): field accuracy {figures['field_accuracy']:.3f} "
        f"over {figures['field_texts']} texts, IPC subclass top-1 {figures['ipc_top1']:.3f} / "
        f"top-5 {figures['ipc_top5']:.3f} over {figures['ipc_texts']} texts; stored at {figures['path']}"
    )

"""`flask search sync|reindex|rematch|status`."""

import click
from flask.cli import AppGroup

search_cli = AppGroup("search", help="检索索引与匹配")


@search_cli.command("sync")
def sync_command():
    """Apply the outbox: index pending changes and store their matches."""
    from marketplace.search.index import drain

    done = drain()
    click.echo(f"indexed {done['indexed']} change(s), matched {done['matched']}")


@search_cli.command("reindex")
@click.option("--matches/--no-matches", default=True, help="also recompute every stored match list")
def reindex_command(matches: bool):
    """Rebuild the index into a fresh directory and swap it in; searches keep working."""
    from marketplace.extensions import db
    from marketplace.search.index import drain, reindex
    from marketplace.search.matching import refresh_all

    count = reindex()
    click.echo(f"indexed {count} published listing(s)")
    if matches:
        click.echo(f"stored matches of {refresh_all(db.session)} listing(s)")
        db.session.commit()
    drain()


@search_cli.command("rematch")
def rematch_command():
    """Recompute every published listing's stored matches."""
    from marketplace.extensions import db
    from marketplace.search.matching import refresh_all

    click.echo(f"stored matches of {refresh_all(db.session)} listing(s)")
    db.session.commit()


@search_cli.command("status")
def status_command():
    """Show the live index directory, its size and the outbox backlog."""
    from marketplace.search.index import index_status

    for key, value in index_status().items():
        click.echo(f"{key}: {value}")

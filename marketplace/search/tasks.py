"""Whole-index jobs and the background worker, run from the CLI or from the bureau's page."""

import contextlib
import time
from collections.abc import Callable

from flask import current_app

from marketplace.common.mail_outbox import drain_mail_round
from marketplace.common.maintenance import run_due
from marketplace.extensions import db
from marketplace.listings.importer import fail_stale_jobs
from marketplace.search.log import heartbeat
from marketplace.search.pipeline import drain, reindex
from marketplace.search.rebuild import refresh_all
from marketplace.search.store import index_is_current

# Seconds of outbox work per round of the worker: under a long backlog the round's other duties
# (marking dead import jobs failed, the mail outbox, daily maintenance) still run every few seconds.
ROUND_BUDGET = 10.0


def rebuild_everything() -> tuple[int, int]:
    """Rebuild the index (new dictionary, new scores), then every stored match list."""
    documents = reindex()
    matches = refresh_all(db.session)
    db.session.commit()
    drain()
    return documents, matches


def sync_forever(
    interval: float = 2.0,
    *,
    rounds: int | None = None,
    echo: Callable[[str], None] = print,
    sleep: Callable[[float], None] | None = None,
    index_only: bool = False,
) -> None:
    """Apply the outbox every `interval` seconds and run the daily maintenance when it is due.

    `index_only`: a second worker of the host that only follows the log into its index, so a
    change made on another host is searchable here without waiting for a match batch.

    Web workers drain after their own commits; this worker catches whatever they left (a crash,
    a busy lock), does the slow match stage, and is where daily jobs such as expiring demands
    run, claimed in the database so that one worker per day does them. An error is logged and
    the next round tries again.
    """
    checked_schema = False
    done_rounds = 0
    while rounds is None or done_rounds < rounds:
        busy = False  # work left over from this round: the next one starts without a pause
        try:
            if not checked_schema:
                # Inside the round: a worker started while the database restarts retries it.
                if not index_is_current():
                    echo("the search index was built by an older version: rebuilding it and every match list")
                    documents, matches = rebuild_everything()
                    echo(f"rebuilt: {documents} listing(s) indexed, matches of {matches} stored")
                checked_schema = True
            heartbeat(db.session, worker=True)
            db.session.commit()
            for name, result in ({} if index_only else run_due()).items():
                echo(f"maintenance {name}: {result}")
            if not index_only and (failed := fail_stale_jobs()):
                echo(f"marked {failed} import job(s) whose process died as failed")
                db.session.commit()
            done = drain(budget=ROUND_BUDGET, with_matches=not index_only)
            busy = bool(done.get("more"))
            if done["indexed"] or done["matched"]:
                echo(f"indexed {done['indexed']} change(s), matched {done['matched']}")
        except Exception:  # noqa: BLE001 - the worker must outlive a database restart
            # Nothing is lost: an outbox row goes only in the transaction that stores its effect.
            with contextlib.suppress(Exception):  # the connection may be gone as well
                db.session.rollback()
            current_app.logger.exception("search sync round failed; retrying")
        finally:
            with contextlib.suppress(Exception):
                db.session.remove()
        if not index_only:
            drain_mail_round(echo)
        done_rounds += 1
        if (rounds is None or done_rounds < rounds) and not busy:
            (sleep or time.sleep)(interval)

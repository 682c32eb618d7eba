"""Daily housekeeping run by the background worker (`flask search sync --watch`), once per day.

Each job has a row in `maintenance_runs` with the Beijing date of its last run. A worker claims a
job by moving that date to today in the same transaction as the job's changes, so when several
workers (or several hosts) run, exactly one of them does the day's work; a job that fails rolls its
claim back and is tried again on the next round.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.common.timeutil import beijing_today, to_beijing, utcnow
from marketplace.extensions import db


class MaintenanceRun(db.Model):
    """When a daily job last ran, and what it reported."""

    __tablename__ = "maintenance_runs"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_run_on: Mapped[date]
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
    result: Mapped[str] = mapped_column(String(200), default="")


def _expire_demands(today: date) -> str:
    from marketplace.listings.services import expire_demands

    return f"expired {expire_demands(today)} demand(s)"


def _remind_events(today: date) -> str:
    from marketplace.events.reminders import send_reminders

    return f"reminded {send_reminders(today)} event registrant(s)"


def _match_digest(today: date) -> str:
    from marketplace.search.digest import send_digests

    return send_digests(today)


def _expire_broker_requests(today: date) -> str:
    from marketplace.brokers.requests import expire_requests

    return f"closed {expire_requests(today)} broker request(s)"


# name -> job(today) returning a short report; jobs change rows but never commit.
DAILY_JOBS: dict[str, Callable[[date], str]] = {
    "expire_demands": _expire_demands,
    "event_reminders": _remind_events,
    "match_digest": _match_digest,
    "expire_broker_requests": _expire_broker_requests,
}
# Beijing hour before which a job is not run that day (default: from midnight).
DAILY_JOB_HOURS: dict[str, int] = {"match_digest": 8}


def claim_daily(name: str, today: date) -> bool:
    """Claim today's run of a job in the current transaction; True for one caller per day."""
    session = db.session
    claimed = session.execute(
        update(MaintenanceRun)
        .where(MaintenanceRun.name == name, MaintenanceRun.last_run_on < today)
        .values(last_run_on=today, finished_at=utcnow())
    )
    if claimed.rowcount == 1:
        return True
    if session.scalar(select(MaintenanceRun.name).where(MaintenanceRun.name == name)) is not None:
        return False  # already run today (the row lock made a concurrent claimer wait, then skip)
    try:
        with session.begin_nested():
            session.add(MaintenanceRun(name=name, last_run_on=today))
    except IntegrityError:
        return False  # another worker inserted the first row at the same moment
    return True


def run_due(today: date | None = None) -> dict[str, str]:
    """Run every daily job not yet run today (Beijing time); commit each one with its claim."""
    today = today or beijing_today()
    done: dict[str, str] = {}
    hour = to_beijing(utcnow()).hour
    for name, job in DAILY_JOBS.items():
        if hour < DAILY_JOB_HOURS.get(name, 0) and today == beijing_today():
            continue
        try:
            if not claim_daily(name, today):
                db.session.rollback()
                continue
            result = job(today)
            db.session.execute(
                update(MaintenanceRun).where(MaintenanceRun.name == name).values(result=result[:200])
            )
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        done[name] = result
    return done

"""Working days for review deadlines: weekdays, minus the bureau's holidays, plus make-up days."""

from datetime import date, timedelta

from sqlalchemy import select

from marketplace.contracts.models import CalendarDay
from marketplace.extensions import db

REVIEW_DAYS = 15
EXPERT_REVIEW_DAYS = 30
# 技术交易额 from which a contract goes to expert review: 500万元 in 分.
EXPERT_REVIEW_FROM_FEN = 500 * 10_000 * 100


def review_working_days(technical_amount_fen: int) -> int:
    """Return the review limit: 15 working days, 30 when 技术交易额 ≥ 500万元."""
    return EXPERT_REVIEW_DAYS if technical_amount_fen >= EXPERT_REVIEW_FROM_FEN else REVIEW_DAYS


def _exceptions(start: date, end: date) -> dict[date, str]:
    rows = db.session.execute(
        select(CalendarDay.day, CalendarDay.kind).where(CalendarDay.day >= start, CalendarDay.day <= end)
    ).all()
    return {day: kind for day, kind in rows}


def is_working_day(day: date, exceptions: dict[date, str] | None = None) -> bool:
    """A weekday that is not a holiday, or a weekend day the bureau marked as a working day."""
    if exceptions is None:
        exceptions = _exceptions(day, day)
    kind = exceptions.get(day)
    if kind == "holiday":
        return False
    if kind == "workday":
        return True
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """Return the date `days` working days after `start` (the start day itself is not counted)."""
    # Even a long holiday season cannot stretch 30 working days over more than a few months.
    exceptions = _exceptions(start, start + timedelta(days=days * 3 + 60))
    current = start
    counted = 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current, exceptions):
            counted += 1
    return current

"""Time helpers. Timestamps are stored as naive UTC and shown in Beijing time."""

from datetime import UTC, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def utcnow() -> datetime:
    """Return the current UTC time without tzinfo, the way it is stored."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_beijing(value: datetime | None) -> datetime | None:
    """Convert a stored naive-UTC datetime to Beijing time for display."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(BEIJING)


def beijing_today():
    """Return today's date in Beijing, which decides deadlines and expiry."""
    return datetime.now(BEIJING).date()

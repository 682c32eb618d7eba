"""Training records follow check-ins at training events (技术转移人才培养).

The events feature sends `training_attended` (sender: the event; user_id, event_id, hours,
attended_on) when a registrant of a 培训 event is checked in; the app factory connects
`record_training` to it. It runs inside the transaction of the check-in, and records a person's
attendance at an event once however often the signal repeats.
"""

from datetime import date

from sqlalchemy import select

from marketplace.brokers.models import TrainingRecord
from marketplace.extensions import db


def record_training(
    sender, *, user_id: int, event_id: int, hours: float, attended_on: date, **_
) -> TrainingRecord:
    """Record (or correct) the hours a person got from attending a training event."""
    title = str(getattr(sender, "title", "") or "")[:200]
    record = db.session.scalar(
        select(TrainingRecord).where(TrainingRecord.user_id == user_id, TrainingRecord.event_id == event_id)
    )
    if record is None:
        record = TrainingRecord(user_id=user_id, event_id=event_id)
        db.session.add(record)
    # A repeated signal (a second check-in, or the organiser correcting the hours) updates in place.
    record.hours = max(0.0, float(hours or 0))
    record.attended_on = attended_on
    record.title = title or record.title or ""
    db.session.flush()
    return record

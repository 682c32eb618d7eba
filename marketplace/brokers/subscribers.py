"""Training records follow check-ins at training events (技术转移人才培养).

The events feature sends `training_attended` (sender: the event; user_id, event_id, hours,
attended_on) when a registrant of a 培训 event is checked in; the app factory connects
`record_training` to it (imported by the app factory). It runs inside the transaction of the check-in, and records a person's
attendance at an event once however often the signal repeats.
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.brokers.models import TrainingRecord
from marketplace.events.signals import training_attended
from marketplace.extensions import db


def _existing(user_id: int, event_id: int) -> TrainingRecord | None:
    return db.session.scalar(
        select(TrainingRecord).where(TrainingRecord.user_id == user_id, TrainingRecord.event_id == event_id)
    )


@training_attended.connect
def record_training(
    sender, *, user_id: int, event_id: int, hours: float, attended_on: date, **_
) -> TrainingRecord:
    """Record (or correct) the hours a person got from attending a training event."""
    title = str(getattr(sender, "title", "") or "")[:200]
    hours = max(0.0, float(hours or 0))
    record = _existing(user_id, event_id)
    if record is None:
        record = TrainingRecord(
            user_id=user_id, event_id=event_id, hours=hours, attended_on=attended_on, title=title
        )
        try:
            # A savepoint: two check-ins of the same person at once leave one row, not a failed check-in.
            with db.session.begin_nested():
                db.session.add(record)
        except IntegrityError:
            record = _existing(user_id, event_id)
    # A repeated signal (the organiser correcting the hours or the date) updates in place.
    record.hours = hours
    record.attended_on = attended_on
    record.title = title or record.title
    db.session.flush()
    return record

"""The day-before reminder: a notice to each person registered for an event starting tomorrow."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from marketplace.common.i18n import N_
from marketplace.common.timeutil import to_beijing, utcnow
from marketplace.events.models import Event, Registration
from marketplace.extensions import db
from marketplace.notices.services import notify

BEIJING_OFFSET = timedelta(hours=8)


def send_reminders(today: date) -> int:
    """Remind registrants of events starting on the Beijing day after `today`; once per registration."""
    start = datetime.combine(today + timedelta(days=1), datetime.min.time()) - BEIJING_OFFSET
    end = start + timedelta(days=1)
    rows = db.session.execute(
        select(Registration, Event)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Event.status == "published",
            Event.starts_at >= start,
            Event.starts_at < end,
            Registration.status == "registered",
            Registration.user_id.is_not(None),
            Registration.reminded_at.is_(None),
        )
    ).all()
    now = utcnow()
    for registration, event in rows:
        local = to_beijing(event.starts_at)
        notify(
            None,
            "system",
            N_("活动提醒：《%(title)s》明天 %(time)s 开始"),
            body=N_("地点：%(place)s。签到码 %(code)s，请在电子票页面出示二维码。"),
            params={
                "title": event.title,
                "time": f"{local:%H:%M}",
                "place": event.place or event.online_url,
                "code": registration.code,
            },
            url=f"/events/{event.id}/ticket",
            subject_key=f"event-reminder:{registration.id}",
            user_id=registration.user_id,
        )
        registration.reminded_at = now
    return len(rows)

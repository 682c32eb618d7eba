"""Registration, the waiting list, tickets and check-in.

Every change to an event's places starts by bumping `Event.seats_version` with an UPDATE on the
event's row (and, on PostgreSQL, locking it `FOR UPDATE`). That write is the first statement of the
transaction, so on SQLite it takes the database's write lock (others wait on the busy timeout)
and on PostgreSQL the row lock: registrations, cancellations and promotions for one event run
one after the other, and counting the places taken is then exact.
"""

import secrets
from datetime import date

from flask_babel import gettext
from sqlalchemy import func, select, update

from marketplace.common.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.common.i18n import N_, tr
from marketplace.common.timeutil import to_beijing, utcnow
from marketplace.events.access import runs_event
from marketplace.events.models import CODE_ALPHABET, CODE_LENGTH, Event, Registration
from marketplace.events.signals import training_attended
from marketplace.extensions import db
from marketplace.notices.services import notify

CONSENT_TEXT = "我同意主办方为本次活动的组织、通知和签到使用以上姓名和手机号"


def lock_event(event_id: int) -> Event:
    """Serialise changes to one event's places (see the module docstring); return it fresh."""
    bumped = db.session.execute(
        update(Event).where(Event.id == event_id).values(seats_version=Event.seats_version + 1)
    )
    if bumped.rowcount != 1:
        raise NotFound(gettext("活动不存在"))
    stmt = select(Event).where(Event.id == event_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return db.session.scalars(stmt).one()


def counts(event_id: int) -> dict[str, int]:
    """Registered, waiting and checked-in numbers (walk-ins count as registered and checked in)."""
    rows = db.session.execute(
        select(Registration.status, func.count(), func.count(Registration.checked_in_at))
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)
    ).all()
    found = {"registered": 0, "waiting": 0, "checked_in": 0}
    for status, number, checked in rows:
        if status in found:
            found[status] = number
        found["checked_in"] += checked
    return found


def _registered_count(event_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(
                Registration.event_id == event_id,
                Registration.status == "registered",
                Registration.walk_in.is_(False),
            )
        )
        or 0
    )


def _new_code(event_id: int) -> str:
    """A six-character code no other registration of this event has."""
    taken = set(db.session.scalars(select(Registration.code).where(Registration.event_id == event_id)))
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


def normalise_code(raw: str) -> str:
    return "".join((raw or "").split()).upper()[:CODE_LENGTH]


def mine(event_id: int, user) -> Registration | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Registration).where(Registration.event_id == event_id, Registration.user_id == user.id)
    )


def register(user, event_id: int, *, consent: bool, note: str = "") -> Registration:
    """Register the user (name and phone from the profile); on the waiting list when full."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(gettext("请先登录后再报名"))
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError(gettext("备注不能超过 500 字"), fields={"note": gettext("备注不能超过 500 字")})
    if not consent:
        raise ValidationError(
            gettext("请先同意主办方使用您的报名信息"),
            fields={"consent": gettext("报名须同意主办方使用姓名和手机号")},
        )
    if not (user.phone or "").strip():
        raise ValidationError(
            gettext("请先在个人中心填写手机号后再报名"), fields={"phone": gettext("个人资料中没有手机号")}
        )
    event = lock_event(event_id)
    if event.status != "published":
        raise NotFound(gettext("活动不存在或尚未发布"))
    now = utcnow()
    if now >= event.registration_closes_at:
        raise ValidationError(
            gettext("报名已截止"), fields={"event": gettext("已过报名截止时间或活动已开始")}
        )
    existing = mine(event.id, user)
    if existing is not None and existing.is_active:
        raise Conflict(gettext("您已报名此活动（%(status)s）", status=tr(existing.status_label)))
    status = "registered" if _registered_count(event.id) < event.capacity else "waiting"
    registration = existing or Registration(event_id=event.id, user_id=user.id, code=_new_code(event.id))
    registration.name = user.name
    registration.phone = user.phone.strip()
    registration.note = note
    registration.status = status
    registration.consent_at = now
    registration.queued_at = now
    registration.cancelled_at = None
    if existing is None:
        db.session.add(registration)
    db.session.flush()
    return registration


def _promote(event: Event) -> list[Registration]:
    """Move the first people on the waiting list into places that came free."""
    free = event.capacity - _registered_count(event.id)
    if free <= 0:
        return []
    waiting = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == "waiting")
        .order_by(Registration.queued_at, Registration.id)
        .limit(free)
    ).all()
    for registration in waiting:
        registration.status = "registered"
        if registration.user_id is not None:
            notify(
                None,
                "system",
                N_("候补成功：您已获得《%(title)s》的参会名额"),
                body=N_("请按时参加；不能参加时请在电子票页面取消，把名额留给其他人。"),
                params={"title": event.title},
                url=f"/events/{event.id}/ticket",
                subject_key=f"event-promoted:{registration.id}:{registration.queued_at:%Y%m%d%H%M%S}",
                user_id=registration.user_id,
            )
    return list(waiting)


def cancel(user, event_id: int) -> Registration:
    """Cancel the user's own registration; the next person waiting moves up."""
    event = lock_event(event_id)
    registration = mine(event.id, user)
    if registration is None or not registration.is_active:
        raise NotFound(gettext("您没有报名此活动"))
    if registration.checked_in_at is not None:
        raise Conflict(gettext("已签到，不能取消报名"))
    if event.starts_at <= utcnow():
        raise ValidationError(gettext("活动已开始，不能再取消报名"))
    registration.status = "cancelled"
    registration.cancelled_at = utcnow()
    db.session.flush()
    _promote(event)
    return registration


def set_capacity_promotions(event: Event) -> list[Registration]:
    """After the organiser raised the capacity: fill the new places from the waiting list."""
    return _promote(lock_event(event.id))


def attended_on(event: Event) -> date:
    return to_beijing(event.starts_at).date()


def announce_training(event: Event, registration: Registration) -> None:
    if event.is_training and registration.user_id is not None:
        training_attended.send(
            event,
            user_id=registration.user_id,
            event_id=event.id,
            hours=float(event.training_hours or 0),
            attended_on=attended_on(event),
        )


def check_in(user, event: Event, code: str) -> tuple[Registration, bool]:
    """Check a registrant in by code; a second check-in changes nothing. Returns (registration, new)."""
    if not runs_event(user, event):
        raise PermissionDenied(gettext("只有主办方和科技局可以签到"))
    code = normalise_code(code)
    registration = db.session.scalar(
        select(Registration).where(Registration.event_id == event.id, Registration.code == code)
    )
    if registration is None:
        raise NotFound(gettext("签到码 %(code)s 不属于本活动，请核对", code=code or gettext("（空）")))
    if registration.status != "registered":
        raise Conflict(
            gettext(
                "%(name)s 的报名状态为“%(status)s”，不能签到",
                name=registration.name,
                status=tr(registration.status_label),
            )
        )
    if registration.checked_in_at is not None:
        return registration, False
    claimed = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.checked_in_at.is_(None))
        .values(checked_in_at=utcnow(), checked_in_by_id=user.id)
    )
    db.session.refresh(registration)
    if claimed.rowcount != 1:
        return registration, False
    announce_training(event, registration)
    return registration, True


def add_walk_in(user, event: Event, name: str, phone: str) -> Registration:
    """Add a guest who came without registering, checked in at once."""
    if not runs_event(user, event):
        raise PermissionDenied(gettext("只有主办方和科技局可以登记现场来宾"))
    name, phone = (name or "").strip(), (phone or "").strip()
    errors = {}
    if not name or len(name) > 50:
        errors["name"] = gettext("请填写姓名（不超过 50 字）")
    if not phone or len(phone) > 30:
        errors["phone"] = gettext("请填写联系电话（不超过 30 字）")
    if errors:
        raise ValidationError(gettext("请填写来宾的姓名和电话"), fields=errors)
    event = lock_event(event.id)
    now = utcnow()
    registration = Registration(
        event_id=event.id,
        name=name,
        phone=phone,
        status="registered",
        walk_in=True,
        code=_new_code(event.id),
        consent_at=now,
        checked_in_at=now,
        checked_in_by_id=user.id,
    )
    db.session.add(registration)
    db.session.flush()
    return registration

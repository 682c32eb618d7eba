"""Creating, reviewing and featuring events, and the projects they present."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select

from marketplace.common.audit import record_audit
from marketplace.common.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.common.i18n import N_, tr
from marketplace.common.roles import is_bureau
from marketplace.common.timeutil import utcnow
from marketplace.events.access import runs_event
from marketplace.events.models import EVENT_TYPES, Event, EventProject, Registration
from marketplace.events.registration import set_capacity_promotions
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.notices.services import notify

BEIJING_OFFSET = timedelta(hours=8)
MAX_CAPACITY = 100_000


def beijing_to_utc(value: datetime | None) -> datetime | None:
    """A naive Beijing wall-clock time (as typed in a form) as the naive UTC time stored."""
    return None if value is None else value - BEIJING_OFFSET


@dataclass
class EventInput:
    """What an organiser types; times are naive UTC (the form converts from Beijing time)."""

    title: str = ""
    event_type: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str = ""
    online_url: str = ""
    organiser_name: str = ""
    capacity: int | None = None
    registration_deadline: datetime | None = None
    agenda: str = ""
    training_hours: float | None = None


def _checked(data: EventInput) -> dict:
    errors: dict[str, str] = {}
    title = (data.title or "").strip()
    if not title or len(title) > 200:
        errors["title"] = gettext("请填写活动名称（不超过 200 字）")
    if data.event_type not in EVENT_TYPES:
        errors["event_type"] = gettext("请选择活动类型")
    if data.starts_at is None:
        errors["starts_at"] = gettext("请填写开始时间")
    if data.ends_at is None:
        errors["ends_at"] = gettext("请填写结束时间")
    elif data.starts_at is not None and data.ends_at <= data.starts_at:
        errors["ends_at"] = gettext("结束时间须晚于开始时间")
    place, online_url = (data.place or "").strip(), (data.online_url or "").strip()
    if not place and not online_url:
        errors["place"] = gettext("请填写活动地点或线上参会链接")
    if len(place) > 300:
        errors["place"] = gettext("地点不能超过 300 字")
    if online_url and (not online_url.startswith(("https://", "http://")) or len(online_url) > 300):
        errors["online_url"] = gettext("线上链接须以 https:// 或 http:// 开头（不超过 300 字）")
    organiser = (data.organiser_name or "").strip()
    if not organiser or len(organiser) > 200:
        errors["organiser_name"] = gettext("请填写主办单位（不超过 200 字）")
    if data.capacity is None or not 1 <= data.capacity <= MAX_CAPACITY:
        errors["capacity"] = gettext("名额应为 1 到 %(n)s 的整数", n=MAX_CAPACITY)
    if data.registration_deadline is None:
        errors["registration_deadline"] = gettext("请填写报名截止时间")
    elif data.starts_at is not None and data.registration_deadline > data.starts_at:
        errors["registration_deadline"] = gettext("报名截止时间不能晚于活动开始时间")
    agenda = (data.agenda or "").strip()
    if len(agenda) > 5000:
        errors["agenda"] = gettext("议程不能超过 5000 字")
    hours = data.training_hours
    if data.event_type == "training":
        if hours is None or not 0 < hours <= 200:
            errors["training_hours"] = gettext("培训活动请填写学时（0 到 200 之间）")
    else:
        hours = None
    if errors:
        raise ValidationError(gettext("活动信息有误，请按提示修改"), fields=errors)
    return {
        "title": title,
        "event_type": data.event_type,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "place": place,
        "online_url": online_url,
        "organiser_name": organiser,
        "capacity": data.capacity,
        "registration_deadline": data.registration_deadline,
        "agenda": agenda,
        "training_hours": round(hours, 1) if hours is not None else None,
    }


def may_create(user) -> bool:
    """The bureau and members of verified organisations create events."""
    if user is None or not getattr(user, "is_authenticated", False) or user.org is None:
        return False
    return is_bureau(user) or bool(user.org_verified)


def create_event(user, data: EventInput) -> Event:
    """The bureau's event is published at once; an organisation's waits for the bureau's review."""
    if not may_create(user):
        raise PermissionDenied(gettext("只有已认证单位和科技局可以发布活动"))
    values = _checked(data)
    event = Event(**values, organisation_id=user.org.id, created_by_id=user.id)
    if is_bureau(user):
        event.status, event.published_at = "published", utcnow()
    else:
        event.status = "pending"
    db.session.add(event)
    db.session.flush()
    record_audit(
        user, "event.created", event, after={"status": event.status}, summary=f"创建活动《{event.title}》"
    )
    return event


def update_event(user, event: Event, data: EventInput) -> Event:
    """Change an event; an organisation's rejected event goes back to the bureau's queue."""
    if not runs_event(user, event):
        raise PermissionDenied(gettext("只有主办方和科技局可以修改活动"))
    if event.status == "cancelled":
        raise Conflict(gettext("活动已取消，不能修改"))
    values = _checked(data)
    raised = values["capacity"] > event.capacity
    for name, value in values.items():
        setattr(event, name, value)
    if event.status == "rejected" and not is_bureau(user):
        event.status = "pending"
    db.session.flush()
    if raised and event.status == "published":
        set_capacity_promotions(event)
    record_audit(user, "event.updated", event, after={"status": event.status})
    return event


def approve_event(user, event: Event) -> Event:
    if not is_bureau(user):
        raise PermissionDenied(gettext("只有科技局可以审核活动"))
    if event.status != "pending":
        raise Conflict(gettext("该活动%(status)s，不在待审核状态", status=tr(event.status_label)))
    event.status, event.published_at, event.reviewed_by_id = "published", utcnow(), user.id
    event.review_reason = ""
    record_audit(user, "event.approved", event, before={"status": "pending"}, after={"status": "published"})
    notify(
        event.organisation_id,
        "system",
        N_("活动《%(title)s》已通过审核并发布"),
        url=f"/events/{event.id}",
        params={"title": event.title},
        subject_key=f"event-approved:{event.id}",
    )
    return event


def reject_event(user, event: Event, reason: str) -> Event:
    if not is_bureau(user):
        raise PermissionDenied(gettext("只有科技局可以审核活动"))
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ValidationError(
            gettext("请填写未通过的原因（不超过 500 字）"), fields={"reason": gettext("请填写原因")}
        )
    if event.status != "pending":
        raise Conflict(gettext("该活动%(status)s，不在待审核状态", status=tr(event.status_label)))
    event.status, event.review_reason, event.reviewed_by_id = "rejected", reason, user.id
    record_audit(user, "event.rejected", event, after={"status": "rejected", "reason": reason})
    notify(
        event.organisation_id,
        "system",
        N_("活动《%(title)s》未通过审核"),
        body=N_("%(reason)s"),
        url=f"/events/{event.id}/manage",
        params={"title": event.title, "reason": reason},
    )
    return event


def cancel_event(user, event: Event, reason: str) -> Event:
    """Call off a coming event: registration closes, every registrant is told why, the page says 已取消.

    The reason is kept in `review_reason`, the event's one "why" field (shown on its pages).
    """
    if not runs_event(user, event):
        raise PermissionDenied(gettext("只有主办方和科技局可以取消活动"))
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ValidationError(
            gettext("请填写取消的原因（不超过 500 字）"), fields={"reason": gettext("请填写原因")}
        )
    if event.status not in ("published", "pending"):
        raise Conflict(gettext("该活动%(status)s，不能取消", status=tr(event.status_label)))
    if event.ends_at <= utcnow():
        raise Conflict(gettext("活动已结束，不能取消"))
    before = event.status
    event.status, event.review_reason, event.featured = "cancelled", reason, False
    now = utcnow()
    registrations = db.session.scalars(
        select(Registration).where(
            Registration.event_id == event.id, Registration.status.in_(("registered", "waiting"))
        )
    ).all()
    for item in registrations:
        item.status, item.cancelled_at = "cancelled", now
        if item.user_id is not None:
            notify(
                None,
                "system",
                N_("活动《%(title)s》已取消"),
                body=N_("主办方取消了本次活动，您的报名随之取消。原因：%(reason)s"),
                url=f"/events/{event.id}",
                params={"title": event.title, "reason": reason},
                subject_key=f"event-cancelled:{event.id}:{item.id}",
                user_id=item.user_id,
                email=True,
            )
    db.session.flush()
    record_audit(
        user,
        "event.cancelled",
        event,
        before={"status": before},
        after={"status": "cancelled", "reason": reason},
    )
    return event


def set_featured(user, event: Event, featured: bool) -> Event:
    if not is_bureau(user):
        raise PermissionDenied(gettext("只有科技局可以推荐活动到首页"))
    if featured and event.status != "published":
        raise Conflict(gettext("只有已发布的活动可以推荐到首页"))
    event.featured = bool(featured)
    record_audit(user, "event.featured" if featured else "event.unfeatured", event)
    return event


def add_project(
    user, event: Event, kind: str, listing_id: int | None, slot_at: datetime | None
) -> EventProject:
    """Present a published patent, result or demand at the event, in a slot within its hours."""
    if not runs_event(user, event):
        raise PermissionDenied(gettext("只有主办方和科技局可以安排展示项目"))
    model = LISTING_MODELS.get(kind)
    if model is None:
        raise ValidationError(
            gettext("请选择项目类型"), fields={"kind": gettext("应为专利、科技成果或技术需求")}
        )
    listing = db.session.get(model, listing_id) if listing_id else None
    if listing is None or listing.effective_status != "published":
        raise ValidationError(
            gettext("找不到该已发布项目，请核对编号"),
            fields={"listing_id": gettext("请填写已发布项目的编号")},
        )
    if slot_at is None or not event.starts_at <= slot_at <= event.ends_at:
        raise ValidationError(
            gettext("展示时间须在活动时间之内"), fields={"slot_at": gettext("请填写活动期间的时间")}
        )
    column = getattr(EventProject, f"{kind}_id")
    if db.session.scalar(
        select(EventProject.id).where(EventProject.event_id == event.id, column == listing.id)
    ):
        raise Conflict(gettext("该项目已在本活动的展示名单中"))
    project = EventProject(
        event_id=event.id, listing_kind=kind, slot_at=slot_at, **{f"{kind}_id": listing.id}
    )
    db.session.add(project)
    db.session.flush()
    db.session.refresh(event)
    return project


def remove_project(user, event: Event, project_id: int) -> None:
    if not runs_event(user, event):
        raise PermissionDenied(gettext("只有主办方和科技局可以安排展示项目"))
    project = db.session.get(EventProject, project_id)
    if project is None or project.event_id != event.id:
        raise NotFound(gettext("展示项目不存在"))
    db.session.delete(project)
    db.session.flush()

"""Reading events: the public lists, presented projects as a viewer may see them, training hours."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select

from marketplace.common.i18n import N_, tr
from marketplace.common.roles import Role
from marketplace.common.timeutil import to_beijing, utcnow
from marketplace.deals.models import Deal, Inquiry
from marketplace.events.access import runs_event
from marketplace.events.models import EVENT_TYPES, Event, EventProject, Registration
from marketplace.extensions import db
from marketplace.listings.models import HIDDEN_NAME, Demand, ResearchResult

BEIJING_OFFSET = timedelta(hours=8)
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass
class EventFilters:
    when: str = "upcoming"  # upcoming | past
    event_type: str = ""
    month: str = ""  # YYYY-MM, Beijing time
    field: str = ""  # a technology field of a presented result or demand

    @classmethod
    def from_args(cls, args) -> "EventFilters":
        when = args.get("when", "upcoming")
        event_type = args.get("type", "")
        month = args.get("month", "")
        return cls(
            when=when if when in ("upcoming", "past") else "upcoming",
            event_type=event_type if event_type in EVENT_TYPES else "",
            month=month if _month_bounds(month) else "",
            field=(args.get("field", "") or "")[:40],
        )


def _month_bounds(month: str) -> tuple[datetime, datetime] | None:
    match = MONTH.match(month or "")
    if not match:
        return None
    year, number = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= number <= 12):
        return None
    start = datetime(year, number, 1)
    end = datetime(year + (number == 12), number % 12 + 1, 1)
    return start - BEIJING_OFFSET, end - BEIJING_OFFSET


def public_events(filters: EventFilters) -> Select:
    """Published events, upcoming (soonest first) or past (latest first), filtered."""
    now = utcnow()
    stmt = select(Event).where(Event.status == "published")
    if filters.when == "past":
        stmt = stmt.where(Event.ends_at < now).order_by(Event.starts_at.desc(), Event.id.desc())
    else:
        stmt = stmt.where(Event.ends_at >= now).order_by(Event.starts_at, Event.id)
    if filters.event_type:
        stmt = stmt.where(Event.event_type == filters.event_type)
    bounds = _month_bounds(filters.month)
    if bounds:
        stmt = stmt.where(Event.starts_at >= bounds[0], Event.starts_at < bounds[1])
    if filters.field:
        presented = (
            select(EventProject.event_id)
            .outerjoin(ResearchResult, ResearchResult.id == EventProject.result_id)
            .outerjoin(Demand, Demand.id == EventProject.demand_id)
            .where(
                or_(
                    ResearchResult.technology_field == filters.field, Demand.technology_field == filters.field
                )
            )
        )
        stmt = stmt.where(Event.id.in_(presented))
    return stmt


def featured_events(limit: int = 3) -> list[Event]:
    """Upcoming events the bureau featured on the home page."""
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.status == "published", Event.featured.is_(True), Event.ends_at >= utcnow())
            .order_by(Event.starts_at)
            .limit(limit)
        )
    )


def review_queue() -> Select:
    return select(Event).where(Event.status == "pending").order_by(Event.created_at)


def events_run_by(org_id: int) -> Select:
    return select(Event).where(Event.organisation_id == org_id).order_by(Event.starts_at.desc())


def my_registrations(user_id: int) -> Select:
    return (
        select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.user_id == user_id, Registration.status != "cancelled")
        .order_by(Event.starts_at.desc())
    )


def registrations_of(event_id: int) -> list[Registration]:
    order = {"registered": 0, "waiting": 1, "cancelled": 2}
    rows = db.session.scalars(select(Registration).where(Registration.event_id == event_id)).all()
    return sorted(rows, key=lambda r: (order.get(r.status, 3), r.queued_at, r.id))


def dashboard_counts(user) -> dict[str, int]:
    upcoming = (
        db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(
                Registration.user_id == user.id,
                Registration.status.in_(("registered", "waiting")),
                Event.ends_at >= utcnow(),
            )
        )
        or 0
    )
    pending = 0
    if user.org is not None and user.org.org_type == Role.BUREAU:
        pending = (
            db.session.scalar(select(func.count()).select_from(Event).where(Event.status == "pending")) or 0
        )
    return {"upcoming": upcoming, "pending": pending}


def online_url_for(event: Event, user) -> str:
    """The online link goes to those registered (not waiting) and to who runs the event."""
    if not event.online_url or runs_event(user, event):
        return event.online_url
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    registered = db.session.scalar(
        select(Registration.id).where(
            Registration.event_id == event.id,
            Registration.user_id == user.id,
            Registration.status == "registered",
        )
    )
    return event.online_url if registered else ""


def owner_name(project: EventProject, user) -> str:
    """Who presents the project, as this viewer may see it: a hidden demand stays 某企业."""
    listing = project.listing
    if listing is None:
        return ""
    if project.listing_kind == "demand" and not listing.shows_name_to(user):
        return tr(HIDDEN_NAME)
    return listing.organisation.name


def inquiries_by_project(event: Event) -> dict[int, int]:
    """How many inquiries (or offers, for demands) were sent from this event's page, per project."""
    counts: dict[int, int] = defaultdict(int)
    rows = db.session.execute(
        select(Inquiry.patent_id, Inquiry.result_id, Inquiry.demand_id, Inquiry.kind).where(
            Inquiry.event_id == event.id
        )
    ).all()
    for project in event.projects:
        for patent_id, result_id, demand_id, kind in rows:
            if (
                (project.listing_kind == "patent" and patent_id == project.patent_id)
                or (project.listing_kind == "result" and kind == "inquiry" and result_id == project.result_id)
                or (project.listing_kind == "demand" and kind == "offer" and demand_id == project.demand_id)
            ):
                counts[project.id] += 1
    return counts


def training_hours_by_year(user_id: int) -> dict[int, float]:
    """Hours of 培训 events the user was checked in at, per Beijing year of the event."""
    rows = db.session.execute(
        select(Event.starts_at, Event.training_hours)
        .join(Registration, Registration.event_id == Event.id)
        .where(
            Registration.user_id == user_id,
            Registration.checked_in_at.is_not(None),
            Event.event_type == "training",
        )
    ).all()
    hours: dict[int, float] = defaultdict(float)
    for starts_at, event_hours in rows:
        hours[to_beijing(starts_at).year] += float(event_hours or 0)
    return {year: round(total, 1) for year, total in sorted(hours.items())}


EVENT_STEPS = ("events", "inquiries", "deals", "contracted")
EVENT_STEP_LABELS = {
    "events": N_("举办活动"),
    "inquiries": N_("活动带来的意向"),
    "deals": N_("建立对接"),
    "contracted": N_("登记合同"),
}


def event_funnel(year: int) -> dict[str, int]:
    """Events held in the year (Beijing), the inquiries sent from their pages, deals and contracts."""
    start, end = datetime(year, 1, 1) - BEIJING_OFFSET, datetime(year + 1, 1, 1) - BEIJING_OFFSET
    held = and_(Event.status == "published", Event.starts_at >= start, Event.starts_at < end)
    events = db.session.scalar(select(func.count()).select_from(Event).where(held)) or 0
    from_events = select(Event.id).where(held)
    inquiries = (
        db.session.scalar(select(func.count()).select_from(Inquiry).where(Inquiry.event_id.in_(from_events)))
        or 0
    )
    deal_rows = db.session.execute(
        select(func.count(Deal.id), func.count(Deal.contracted_at))
        .join(Inquiry, Inquiry.id == Deal.inquiry_id)
        .where(Inquiry.event_id.in_(from_events))
    ).one()
    return {"events": events, "inquiries": inquiries, "deals": deal_rows[0], "contracted": deal_rows[1]}

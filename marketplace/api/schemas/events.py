"""Events in the API: the public list and page, and registering oneself."""

from marketplace.api.schemas.base import ApiModel, Boolean, DateTime, Id, Text, choice, integer, one_of
from marketplace.api.schemas.base import text as text_of
from marketplace.events.models import EVENT_TYPES, REGISTRATION_STATUSES


class PresentedProject(ApiModel):
    """A project presented at the event; `organisation` is 某企业 where a demand hides its name."""

    type: choice(["patent", "result", "demand"])
    id: Id
    title: Text
    organisation: Text
    slot_at: DateTime


class EventSummary(ApiModel):
    id: Id
    title: Text
    type: choice(EVENT_TYPES)
    type_label: Text
    starts_at: DateTime
    ends_at: DateTime
    place: Text
    online_url: text_of(None, description="线上参会链接，仅对已报名（非候补）者和主办方给出，否则为空")
    organiser: Text
    capacity: integer(1)
    registration_deadline: DateTime
    registration_open: Boolean
    registered: integer(0)
    waiting: integer(0)


class EventDetail(EventSummary):
    agenda: Text
    training_hours: float | None
    projects: list[PresentedProject]


class EventList(ApiModel):
    total: integer(0)
    items: list[EventSummary]


class EventQuery(ApiModel):
    when: one_of(["upcoming", "past"], description="默认 upcoming") | None = None
    type: one_of(EVENT_TYPES) | None = None
    month: text_of(7, description="北京时间月份，如 2026-12") | None = None
    field: text_of(40, description="展示项目的技术领域") | None = None


class RegistrationInput(ApiModel):
    REQUIRED = ("consent",)

    consent: Boolean | None = None
    note: text_of(500) | None = None


class RegistrationOut(ApiModel):
    id: Id
    event_id: Id
    status: choice(REGISTRATION_STATUSES)
    code: Text
    name: Text
    phone: Text
    consent_at: DateTime

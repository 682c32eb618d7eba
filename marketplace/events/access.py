"""Who may see and run an event, and who may open a registration (`can(user, action, obj)`)."""

from marketplace.common.permissions import object_rule
from marketplace.common.roles import is_bureau
from marketplace.events.models import Event, Registration


def _org_id(user):
    if user is None or not getattr(user, "is_authenticated", False) or user.org is None:
        return None
    return user.org.id


def runs_event(user, event: Event) -> bool:
    """The bureau, or an active member of the organisation that created the event."""
    return is_bureau(user) or (_org_id(user) is not None and _org_id(user) == event.organisation_id)


@object_rule(Event, "view")
def may_view_event(user, event: Event) -> bool:
    """Published (and cancelled) events are public; drafts and pending ones only to who runs them."""
    return event.status in ("published", "cancelled") or runs_event(user, event)


@object_rule(Event, "manage")
def may_manage_event(user, event: Event) -> bool:
    return runs_event(user, event)


@object_rule(Event, "review")
def may_review_event(user, event: Event) -> bool:
    return is_bureau(user)


@object_rule(Registration, "view")
def may_view_registration(user, registration: Registration) -> bool:
    """The registrant sees the ticket; the organiser and the bureau see every registration."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return registration.user_id == user.id or runs_event(user, registration.event)

"""Who may use the events routes. The world: the bureau's published event, presenting a result,
with the enterprise registered (its ticket's code is {code})."""

from marketplace.extensions import db
from tests.events.factories import make_event, with_phone
from tests.permission_roles import ANY, AUTH, BUREAU, MEMBERS

RULES = {
    "events.index": ("GET", "/events/", ANY),
    "events.show": ("GET", "/events/{event}", ANY),
    "events.calendar_file": ("GET", "/events/{event}/event.ics", ANY),
    "events.register": ("GET", "/events/{event}/register", AUTH),
    "events.ticket": ("GET", "/events/{event}/ticket", AUTH),
    "events.cancel": ("POST", "/events/{event}/cancel", AUTH),
    "events.mine": ("GET", "/events/mine", AUTH),
    # Members of verified organisations (every organisation of the permission world is verified).
    "events.new": ("GET", "/events/new", MEMBERS),
    "events.organised": ("GET", "/events/organised", MEMBERS),
    "events.edit": ("GET", "/events/{event}/edit", BUREAU),
    "events.manage": ("GET", "/events/{event}/manage", BUREAU),
    "events.cancel_event": ("GET", "/events/{event}/cancel-event", BUREAU),
    "events.add_project": ("POST", "/events/{event}/projects", BUREAU),
    "events.remove_project": ("POST", "/events/{event}/projects/{project}/delete", BUREAU),
    "events.checkin": ("GET", "/events/{event}/checkin", BUREAU),
    "events.add_walk_in": ("POST", "/events/{event}/walk-in", BUREAU),
    # Anyone signed in may open a ticket's link; only the organiser is offered the check-in there.
    "events.checkin_link": ("GET", "/events/{event}/checkin/{code}", AUTH),
    "events.live_counts": ("GET", "/events/{event}/counts.json", BUREAU),
    "events.export_attendees": ("GET", "/events/{event}/attendees.xlsx", BUREAU),
    "events.review_queue": ("GET", "/bureau/events", BUREAU),
    "events.approve": ("POST", "/bureau/events/{pending_event}/approve", BUREAU),
    "events.reject": ("POST", "/bureau/events/{pending_event}/reject", BUREAU),
    "events.feature": ("POST", "/bureau/events/{event}/feature", BUREAU),
    "api.list_events": ("GET", "/api/v1/events", ANY),
    "api.get_event": ("GET", "/api/v1/events/{event}", ANY),
    "api.register_for_event": ("POST", "/api/v1/events/{event}/registrations", AUTH),
    "api.cancel_my_registration": ("DELETE", "/api/v1/events/{event}/registrations/mine", AUTH),
}


def setup(users):
    from marketplace.events import publishing, registration
    from tests.deals.factories import make_result

    event = make_event(users["bureau"], capacity=10)
    pending = make_event(users["university"])
    result = make_result(users["university"])
    project = publishing.add_project(users["bureau"], event, "result", result.id, event.starts_at)
    enterprise = with_phone(users["enterprise"])
    ticket = registration.register(enterprise, event.id, consent=True)
    db.session.commit()
    return {"event": event.id, "pending_event": pending.id, "project": project.id, "code": ticket.code}

"""IDOR for the organiser's routes: a university's event, tried by a member of ANOTHER university.

The permission table's world has only the bureau's event, so tests/security/test_idor.py cannot
impersonate an owning organisation for these routes; this test does, route by route.
"""

import pytest

from marketplace.events import publishing, registration
from marketplace.extensions import db
from tests.deals.factories import make_result
from tests.events.factories import make_event, with_phone
from tests.factories import login, make_user

PRIVATE = "13912345678"  # the registrant's phone: it must not reach an intruder


@pytest.fixture
def organised(app, client):
    with app.app_context():
        bureau = make_user("bureau")
        owner = make_user("university")
        intruder = make_user("university")
        event = make_event(owner, title="本校成果专场路演")
        publishing.approve_event(bureau, event)
        result = make_result(owner)
        project = publishing.add_project(owner, event, "result", result.id, event.starts_at)
        guest = with_phone(make_user("enterprise"), PRIVATE)
        db.session.commit()
        assert event.status == "published"
        ticket = registration.register(guest, event.id, consent=True)
        db.session.commit()
        ids = {"event": event.id, "project": project.id, "code": ticket.code}
        return owner, intruder, ids


ORGANISER_ROUTES = [
    ("GET", "/events/{event}/edit"),
    ("GET", "/events/{event}/manage"),
    ("GET", "/events/{event}/checkin"),
    ("GET", "/events/{event}/counts.json"),
    ("GET", "/events/{event}/attendees.xlsx"),
    ("POST", "/events/{event}/projects"),
    ("POST", "/events/{event}/projects/{project}/delete"),
    ("POST", "/events/{event}/walk-in"),
    ("GET", "/events/{event}/cancel-event"),
    ("POST", "/events/{event}/cancel-event"),
]


@pytest.mark.parametrize(("method", "template"), ORGANISER_ROUTES)
def test_another_organisation_cannot_use_the_organisers_routes(app, client, organised, method, template):
    owner, intruder, ids = organised
    url = template.format(**ids)
    with app.app_context():
        login(client, owner)
    mine = client.open(url, method=method, data={"name": "现场来宾", "phone": "13700000000"})
    # 422: the organiser passed the check and the form asked for more.
    assert mine.status_code in (200, 302, 422), f"the organiser got {mine.status_code} on {url}"
    client.post("/account/logout")
    with app.app_context():
        login(client, intruder)
    theirs = client.open(url, method=method, data={"name": "闯入者", "phone": "13700000001"})
    assert theirs.status_code in (403, 404), f"{url} by another university: {theirs.status_code}"
    assert PRIVATE not in theirs.get_data(as_text=True)


def test_the_check_in_link_checks_in_only_for_the_organiser(app, client, organised):
    owner, intruder, ids = organised
    with app.app_context():
        login(client, intruder)
    page = client.get("/events/{event}/checkin/{code}".format(**ids))
    assert PRIVATE not in page.get_data(as_text=True)
    client.post("/events/{event}/checkin/{code}".format(**ids))
    with app.app_context():
        from marketplace.events.models import Registration

        assert (
            db.session.scalar(db.select(Registration.checked_in_at).where(Registration.code == ids["code"]))
            is None
        )

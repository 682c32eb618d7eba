"""IDOR: every URL that names an object, tried by a user of ANOTHER organisation with the same role.

The object routes are read from app.url_map (a rule with an id in it), so a new one fails
`test_every_object_route_is_classified` until it gets a case here. The URLs and the roles that may
use them come from the permission table (tests/test_permissions.py); the owners are the users
that table's setups create objects for. Each intruder must get 403 or 404 and a body holding
nothing from the object (its private details, names, messages, file names).
"""

import pytest

from tests.security.conftest import bearer, client_as
from tests.security.world import OWNING_ROLES, URL_OVERRIDES, make_world, rule_url
from tests.test_permissions import RULES

# Object routes anyone (or any user of the allowed roles) may use on any organisation's object.
PUBLIC_BY_DESIGN = {
    "listings.show": "published listings are the marketplace itself",
    "organisations.show": "an organisation's public page",
    "api.patents_show": "published patents are public",
    "api.results_show": "published results are public",
    "api.demands_show": "published demands are public (a hidden name stays hidden)",
    "deals.new_inquiry": "any enterprise or broker may ask about a published result",
    "deals.new_offer": "any university or institute may offer a result for a published demand",
    "accounts.reset_password": "the token in the URL is the credential",
    "policy.show": "published articles are public (drafts are 404 to all but the bureau)",
    "policy.attachment": "a published article's files are public",
    "events.show": "published events are public",
    "events.calendar_file": "a published event's calendar entry is public",
    "api.get_event": "published events are public",
    "events.register": "anyone signed in may register for a published event, as themselves",
    "api.register_for_event": "anyone signed in may register for a published event, as themselves",
    "events.ticket": "the URL names the event; the page shows the visitor's own registration only",
    "events.cancel": "cancels the visitor's own registration for the event",
    "brokers.show": "listed (verified) broker profiles are a public directory",
    "api.get_broker": "listed (verified) broker profiles are a public directory",
    "brokers.ask": "any enterprise may ask a listed broker for help with one of its OWN demands (checked)",
}
# Organiser routes of an organisation's event: the permission world only has the bureau's event,
# so tests/events/test_organiser_access.py tries each with a member of another organisation.
TESTED_BY_FEATURE = {
    "events.edit",
    "events.manage",
    "events.checkin",
    "events.checkin_link",
    "events.live_counts",
    "events.export_attendees",
    "events.add_project",
    "events.remove_project",
    "events.add_walk_in",
    "events.cancel_event",
}
# Object routes only the city bureau uses; it acts on every organisation's objects by design
# (the role check itself is tested in tests/test_permissions.py).
CITY_WIDE = {
    "organisations.bureau_review",
    "organisations.bureau_verify",
    "organisations.bureau_reject",
    "organisations.bureau_recognition",
    "admin.user_action",
    "contracts.review",
    "contracts.cancel",
    "contracts.edit_point",
    "contracts.remove_calendar_day",
    "api.contracts_review",
    "api.contracts_cancel",
    "deals.resolve_report",
    "listings.take_down",
    "search.delete_term",
    "policy.edit",
    "policy.publish",
    "policy.withdraw",
    "policy.upload",
    "policy.remove_file",
    "events.approve",
    "events.reject",
    "events.feature",
    "brokers.bureau_review",
    "brokers.bureau_verify",
    "brokers.bureau_reject",
}
# Roles that may use an object route for any organisation's object (brokers work city-wide).
ROLE_WIDE = {
    "search.matches": {"broker"},
    "api.demand_matches": {"broker"},
    # A broker may read any demand's matches, and mark one 不相关 for its own organisation.
    "search.dismiss_match": {"broker"},
}
NON_OBJECT_ARGS = {"segment", "fmt", "kind", "action"}


def object_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.arguments - NON_OBJECT_ARGS and rule.endpoint != "static"
    }


def idor_endpoints() -> list[str]:
    """Routes of the permission table whose URL names an object, minus the allow-lists."""
    return sorted(
        endpoint
        for endpoint, (_method, template, _allowed) in RULES.items()
        if "{" in URL_OVERRIDES.get(endpoint, (None, template))[1]
        and endpoint not in PUBLIC_BY_DESIGN
        and endpoint not in CITY_WIDE
        and endpoint not in TESTED_BY_FEATURE
    )


@pytest.fixture(scope="module")
def world(shared_app):
    return make_world(shared_app)


def _send(app, world, user_kind, role, method, url):
    users = world["owners"] if user_kind == "owner" else world["intruders"]
    tokens = world["tokens"] if user_kind == "owner" else world["intruder_tokens"]
    if url.startswith("/api/"):
        body = {} if method in ("POST", "PATCH") else None
        return app.test_client().open(url, method=method, headers=bearer(tokens[role]), json=body)
    return client_as(app, users[role]).open(url, method=method)


def test_every_object_route_is_classified(shared_app):
    found = object_endpoints(shared_app)
    classified = set(PUBLIC_BY_DESIGN) | CITY_WIDE | TESTED_BY_FEATURE | set(idor_endpoints())
    missing = sorted(found - classified)
    stale = sorted(classified - found)
    assert not missing, f"object routes without an IDOR case or an allow-list entry: {missing}"
    assert not stale, f"IDOR entries for routes that no longer exist: {stale}"


def _assert_refused(app, world, label, method, url, roles, owner_role=None) -> None:
    if method == "GET":
        # The case is real only if the owner does see the object at that URL.
        owner = _send(app, world, "owner", owner_role or roles[0], method, url)
        owner.close()
        assert owner.status_code == 200, f"{label}: owner got {owner.status_code}"
    for role in roles:
        response = _send(app, world, "intruder", role, method, url)
        assert response.status_code in (403, 404), f"{label} by another {role}: {response.status_code}"
        body = response.get_data(as_text=True)
        response.close()
        leaked = sorted(secret for secret in world["secrets"] if secret in body)
        assert not leaked, f"{label} by another {role} shows {leaked}"
        if url.startswith("/api/"):
            assert set(response.get_json()) == {"error"}


@pytest.mark.parametrize("endpoint", idor_endpoints())
def test_other_organisation_is_refused(shared_app, world, endpoint):
    method, url, allowed = rule_url(world, endpoint)
    roles = sorted((set(allowed) & set(OWNING_ROLES)) - ROLE_WIDE.get(endpoint, set()))
    assert roles, f"{endpoint}: no owning role to impersonate; classify it instead"
    _assert_refused(shared_app, world, endpoint, method, url, roles)


# The permission table tries the listing routes on a demand; patents and results share the
# routes but not the code paths that load them, so they get the same cases.
SEGMENT_CASES = [
    ("GET", "edit"),
    ("GET", "private"),
    ("POST", "withdraw"),
    ("POST", "confirm"),
    ("POST", "publish"),
]


@pytest.mark.parametrize(("segment", "placeholder"), [("patents", "api_patent"), ("results", "api_result")])
@pytest.mark.parametrize(("method", "action"), SEGMENT_CASES)
def test_other_organisation_is_refused_on_patents_and_results(
    shared_app, world, segment, placeholder, method, action
):
    listing_id = world["by_feature"]["tests.listings.permission_rules"][placeholder]
    url = f"/{segment}/{listing_id}/{action}"
    # The university owns them; any organisation that may post them is a possible intruder.
    intruders = ["university", "institute"] + (["enterprise"] if segment == "patents" else [])
    _assert_refused(shared_app, world, url, method, url, intruders, owner_role="university")

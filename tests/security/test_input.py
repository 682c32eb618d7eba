"""Bad input gets a clear error, never a 500 and never a slow server.

Ids beyond what a database key can hold, in every route and in JSON bodies; numbers that Python
would spend seconds converting; lone surrogates; lists and objects where text is expected;
unknown JSON fields; NUL and control characters.
"""

import re

import pytest

from tests.security.conftest import bearer, client_as, route_table
from tests.security.world import make_world

ROLES = ("anon", "university", "institute", "enterprise", "broker", "bureau", "admin", "pending")
HUGE_IDS = (2**63, 10**20, 2**31)


@pytest.fixture(scope="module")
def world(shared_app):
    return make_world(shared_app)


def id_rules() -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of every route with an <int:…> part."""
    return sorted(
        (endpoint, method, rule)
        for endpoint, methods, rule in route_table()
        if "<int:" in rule
        for method in methods
    )


def _send(app, world, role, method, url):
    if url.startswith("/api/"):
        client = app.test_client()
        headers = bearer(world["tokens"][role]) if role != "anon" else {}
    else:
        client = client_as(app, None if role == "anon" else world["owners"][role])
        headers = {}
    response = client.open(url, method=method, headers=headers, json={} if method != "GET" else None)
    response.close()
    return response


def test_every_route_with_an_id_is_walked():
    assert len(id_rules()) > 60


@pytest.mark.parametrize(("endpoint", "method", "rule"), id_rules())
def test_ids_beyond_a_database_key_are_404_in_every_route(shared_app, world, endpoint, method, rule):
    for value in HUGE_IDS:
        url = re.sub(r"<int:\w+>", str(value), rule)
        url = re.sub(r"<(?:\w+:)?\w+>", "patents", url)  # the listing segment, the only other part
        for role in ROLES:
            response = _send(shared_app, world, role, method, url)
            assert response.status_code == 404, f"{endpoint} {method} {url} as {role}: {response.status_code}"

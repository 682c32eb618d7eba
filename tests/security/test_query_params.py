"""SQL and Whoosh syntax, huge, odd and negative values in every query parameter of GET routes.

The routes come from app.url_map; the parameters a route reads are recorded while it answers a
plain request (plus the common page/per_page/q/sort), then each is attacked. No answer may be a
500, and an API error is always the JSON error shape with a code.
"""

import pytest
from werkzeug.datastructures import ImmutableMultiDict

from tests.security.conftest import bearer, client_as, route_table
from tests.security.world import make_world, rule_url

PAYLOADS = [
    "'",
    '"',
    "' OR 1=1 --",
    '" OR ""="',
    "1; DROP TABLE users; --",
    "%' AND 1=1 AND '%'='",
    "\\",
    "锂电池 AND NOT OR",
    "AND",
    "NOT",
    "*",
    "?",
    "锂电*",
    "~",
    "锂电池~2",
    "^",
    "电池^5",
    "(",
    ")",
    "((()",
    "title:",
    "title:锂电池 OR abstract:(",
    "[a TO b]",
    "{a TO]",
    "date:[2020 TO 2019]",
    "x" * 5000,
    "锂" * 5000,
    "🔋⚡️🧪",
    "a\x00b",
    "\x00",
    "-1",
    "-999999999999999999999",
    "9223372036854775808",  # 2**63: no database integer holds it
    "9" * 5000,  # over Python's int() digit limit
    "²",  # str.isdigit() says yes, int() says no
    "١٢",
    "0",
    "1e309",
    "NaN",
    "abc",
    "",
    "%",
    "_",
]
# Each parameter alone gets these (one of each family); all parameters at once get every payload.
SHORT_LIST = [
    "' OR 1=1 --",
    "title:锂电池 OR abstract:(",
    "[a TO b]",
    "x" * 5000,
    "a\x00b",
    "-1",
    "abc",
    "1e309",
    "9223372036854775808",
    "²",
]
COMMON = ("page", "per_page", "q", "sort")
PREFERRED_ROLES = ("bureau", "enterprise", "university", "broker", "admin", "institute", "pending", "anon")


def get_endpoints() -> list[str]:
    return sorted({endpoint for endpoint, methods, _rule in route_table() if "GET" in methods})


class RecordingArgs(ImmutableMultiDict):
    """Query arguments that remember which names the view asked for."""

    seen: set[str]

    def _note(self, key):
        RecordingArgs.seen.add(key)

    def get(self, key, default=None, type=None):  # noqa: A002  (werkzeug's signature)
        self._note(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        self._note(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)


@pytest.fixture(scope="module")
def world(shared_app):
    return make_world(shared_app)


def _params_read(app, send) -> set[str]:
    """Run one plain request with recording query arguments; return the names the view read."""
    base = app.request_class

    class RecordingRequest(base):
        @property
        def args(self):
            return RecordingArgs(super().args)

    RecordingArgs.seen = set()
    app.request_class = RecordingRequest
    try:
        send({})
    finally:
        app.request_class = base
    return set(RecordingArgs.seen)


@pytest.mark.parametrize("endpoint", get_endpoints())
def test_hostile_query_parameters(shared_app, world, endpoint):
    _method, url, allowed = rule_url(world, endpoint)
    role = next(r for r in PREFERRED_ROLES if r in allowed)
    path, _, fixed = url.partition("?")
    fixed_args = dict(pair.split("=", 1) for pair in fixed.split("&") if pair)
    api = path.startswith("/api/")
    if api:
        client = shared_app.test_client()
        headers = bearer(world["tokens"][role]) if role != "anon" else {}
    else:
        client = client_as(shared_app, None if role == "anon" else world["owners"][role])
        headers = {}

    def send(args):
        response = client.get(path, query_string={**fixed_args, **args}, headers=headers)
        response.close()
        return response

    read = _params_read(shared_app, send)
    names = sorted(read | set(COMMON))
    if read:
        # Every parameter at once, then each alone (so that one refusal cannot hide another).
        attacks = [dict.fromkeys(names, payload) for payload in PAYLOADS]
        attacks += [{name: payload} for payload in SHORT_LIST for name in names]
    else:
        # The view reads no query argument: a sample shows that stray ones are ignored.
        attacks = [dict.fromkeys(names, payload) for payload in SHORT_LIST]
    for args in attacks:
        response = send(args)
        assert response.status_code < 500, f"{endpoint} {args!r:.200}: {response.status_code}"
        if api and response.status_code >= 400:
            assert response.get_json()["error"]["code"], f"{endpoint}: no error code"


def test_nul_characters_are_refused_before_the_database(client):
    # PostgreSQL cannot store NUL in text; every entry point answers a clear refusal instead.
    page = client.get("/demands", query_string={"q": "a\x00b"})
    assert page.status_code == 422 and "空字符" in page.get_data(as_text=True)
    api = client.get("/api/v1/patents", query_string={"q": "\x00"})
    assert api.status_code == 422 and api.get_json()["error"]["code"] == "validation_error"
    body = client.post("/api/v1/demands", json={"title": "需求\u0000"})
    assert body.status_code == 422
    form = client.post("/account/login", data={"email": "a@b.cn", "password": "x\x00y"})
    assert form.status_code == 422

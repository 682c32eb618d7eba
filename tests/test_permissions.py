"""Every route must appear in a table of who may use it; a new route without an entry fails.

Roles: anon, university, institute, enterprise, broker, bureau, admin (a bureau user with the
admin flag) and pending (a user whose membership is not approved yet). A role that may use a route
must not get 401/403 or a redirect to the login page; any other role must.

The foundation's rules are below; each feature adds its own in `tests/<feature>/permission_rules.py`
with a `RULES` dict of the same shape and, when its URLs need objects, a `setup(users)` function
that creates them and returns the placeholder values (e.g. {"patent": 3}).
"""

import importlib
import pkgutil

import pytest

import tests
from marketplace.accounts.models import ApiToken
from marketplace.accounts.services import create_api_token
from marketplace.extensions import db
from tests.conftest import module_app, undone_after_each_test
from tests.factories import login, make_user
from tests.permission_roles import ADMIN, ANY, AUTH, BUREAU, ORG_ROLES, ROLES

# endpoint: (method, url template, roles allowed). Placeholders: {org} the university's
# organisation, {user} a plain enterprise member, {token} an API token id of that member.
FOUNDATION_RULES: dict[str, tuple[str, str, frozenset]] = {
    "main.index": ("GET", "/", ANY),
    "main.about": ("GET", "/about", ANY),
    "main.healthz": ("GET", "/healthz", ANY),
    "main.favicon": ("GET", "/favicon.ico", ANY),
    "main.set_language": ("POST", "/language", ANY),
    "main.dashboard": ("GET", "/dashboard", AUTH),
    "accounts.login": ("GET", "/account/login", ANY),
    "accounts.register": ("GET", "/account/register", ANY),
    "accounts.forgot_password": ("GET", "/account/forgot", ANY),
    "accounts.reset_password": ("GET", "/account/reset/not-a-token", ANY),
    "accounts.logout": ("POST", "/account/logout", AUTH),
    "accounts.profile": ("GET", "/account/profile", AUTH),
    "accounts.change_password": ("POST", "/account/password", AUTH),
    "accounts.create_token": ("POST", "/account/tokens", AUTH),
    "accounts.revoke_token": ("POST", "/account/tokens/{token}/revoke", AUTH),
    "organisations.show": ("GET", "/orgs/{org}", ANY),
    "organisations.mine": ("GET", "/my/org", AUTH),
    "organisations.upload_evidence": ("POST", "/my/org/evidence", AUTH - {"pending"}),
    "organisations.member_action": ("POST", "/my/org/members/{user}/approve", AUTH),
    "organisations.evidence": ("GET", "/orgs/{org}/evidence", frozenset({"university", "bureau", "admin"})),
    "organisations.bureau_list": ("GET", "/bureau/orgs", BUREAU),
    "organisations.bureau_review": ("GET", "/bureau/orgs/{org}", BUREAU),
    "organisations.bureau_verify": ("POST", "/bureau/orgs/{org}/verify", BUREAU),
    "organisations.bureau_reject": ("POST", "/bureau/orgs/{org}/reject", BUREAU),
    "organisations.bureau_recognition": ("POST", "/bureau/orgs/{org}/recognition", BUREAU),
    "admin.users": ("GET", "/admin/users", ADMIN),
    "admin.user_action": ("POST", "/admin/users/{user}/reset", ADMIN),
    # Issue 16: the bureau reads the audit register too (admins are bureau users with the flag).
    "admin.audit": ("GET", "/admin/audit", BUREAU),
    "admin.audit_export": ("GET", "/admin/audit/export.xlsx", BUREAU),
    "api.index": ("GET", "/api/v1/", ANY),
    "api.openapi": ("GET", "/api/v1/openapi.json", ANY),
    "api.me": ("GET", "/api/v1/me", AUTH),
}
SKIP = {"static"}


def _feature_modules():
    modules = []
    for info in pkgutil.iter_modules(tests.__path__):
        if info.ispkg:
            try:
                modules.append(importlib.import_module(f"tests.{info.name}.permission_rules"))
            except ModuleNotFoundError as exc:
                if exc.name != f"tests.{info.name}.permission_rules":
                    raise
    return modules


FEATURES = _feature_modules()
RULES = dict(FOUNDATION_RULES)
# Which feature's setup() fills an endpoint's placeholders (features may reuse names like {draft}).
RULE_OWNER: dict[str, str] = {}
for _module in FEATURES:
    RULES.update(_module.RULES)
    RULE_OWNER.update(dict.fromkeys(_module.RULES, _module.__name__))


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - SKIP
    missing = sorted(endpoints - RULES.keys())
    stale = sorted(RULES.keys() - endpoints)
    assert not missing, f"routes without a permission rule: {missing}"
    assert not stale, f"rules for routes that no longer exist: {stale}"


def make_role_users(token_name: str):
    """Make one user per role, plus an admin and a pending and an active member of the enterprise.

    Each user but the active member gets an API token named token_name; returns (users, their raw
    tokens, the ids of the university, the member and the member's token) for the URL templates.
    """
    users = {role: make_user(role) for role in ORG_ROLES}
    users["admin"] = make_user("bureau", admin=True)
    users["pending"] = make_user(org=users["enterprise"].organisation, membership="pending", manager=False)
    member = make_user(org=users["enterprise"].organisation, manager=False)
    raw_tokens = {role: create_api_token(user, token_name) for role, user in users.items()}
    create_api_token(member, token_name)
    db.session.commit()
    token_id = db.session.scalar(db.select(ApiToken.id).where(ApiToken.user_id == member.id))
    ids = {"org": users["university"].organisation_id, "user": member.id, "token": token_id}
    return users, raw_tokens, ids


@pytest.fixture(scope="module")
def app(tmp_path_factory, run_databases):
    """One app for the module, inside one transaction rolled back at its end (see tests/conftest.py)."""
    yield from module_app(tmp_path_factory, run_databases, "permissions")


@pytest.fixture(scope="module")
def world(app):
    """One user per role, plus the objects the URLs refer to; built once, for every endpoint."""
    with app.app_context():
        return make_role_users("perm")


@pytest.fixture(autouse=True)
def each_test_undone(app, world):
    """Each test runs inside a savepoint of the module's transaction, rolled back after it.

    So what an endpoint's feature setup() creates and what its POSTs change never reach the next
    endpoint's test, as when every test had its own app and world.
    """
    yield from undone_after_each_test(app)


def _feature_ids(app, users, endpoint) -> dict:
    """Create only the objects the endpoint's own feature needs (its setup), keeping tests quick."""
    owner = RULE_OWNER.get(endpoint)
    module = next((m for m in FEATURES if m.__name__ == owner), None)
    if module is None or not hasattr(module, "setup"):
        return {}
    with app.app_context():
        made = module.setup(users)
        db.session.commit()
    return made


def _request(app, users, tokens, role, method, url):
    client = app.test_client()
    headers = {}
    if role != "anon":
        if url.startswith("/api/"):
            headers["Authorization"] = f"Bearer {tokens[role]}"
        else:
            with app.app_context():
                login(client, users[role])
    return client.open(url, method=method, headers=headers)


def _denied(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and "/account/login" in response.headers.get("Location", "")


@pytest.mark.parametrize("endpoint", sorted(RULES))
def test_route_permissions(app, world, endpoint):
    users, tokens, ids = world
    method, template, allowed = RULES[endpoint]
    url = template.format(**ids, **_feature_ids(app, users, endpoint))
    for role in ROLES:
        response = _request(app, users, tokens, role, method, url)
        denied = _denied(response)
        assert response.status_code != 500, f"{endpoint} as {role}: 500"
        if role in allowed:
            assert not denied, f"{endpoint} as {role} should be allowed, got {response.status_code}"
        else:
            assert denied, f"{endpoint} as {role} should be refused, got {response.status_code}"

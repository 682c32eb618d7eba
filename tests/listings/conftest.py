"""Fixtures for listings tests: users of each kind and an API token helper."""

import pytest

from marketplace.accounts.services import create_api_token
from marketplace.extensions import db
from tests.factories import make_user


@pytest.fixture
def people(app_ctx):
    """A university, an enterprise with a second member, a rival enterprise, a broker and the bureau."""
    university = make_user("university")
    enterprise = make_user("enterprise")
    colleague = make_user(org=enterprise.organisation, manager=False)
    rival = make_user("enterprise")
    return {
        "university": university,
        "institute": make_user("institute"),
        "enterprise": enterprise,
        "colleague": colleague,
        "rival": rival,
        "broker": make_user("broker"),
        "bureau": make_user("bureau"),
        "unverified": make_user("enterprise", verified=False),
    }


@pytest.fixture
def token(app_ctx):
    def make(user) -> dict:
        raw = create_api_token(user, "test")
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make


def signin(client, user) -> None:
    """Sign in; forget the user Flask-Login cached in `g` (tests share one app context)."""
    from flask import g

    from tests.factories import login

    g.pop("_login_user", None)
    if user is None:
        client.delete_cookie("session")
        return
    login(client, user)

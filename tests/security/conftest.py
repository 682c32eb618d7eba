"""Fixtures for the security tests: one app and database shared by a module's tests.

Most security checks only read, or are refused before they write, so a module builds its world
once (tests/security stays fast) instead of once per test like tests/test_permissions.py.
"""

import functools
import tempfile
from pathlib import Path

import pytest

from marketplace.extensions import db
from tests.conftest import PG_URL, _empty_postgres_tables, _reset_postgres_schema, make_test_app
from tests.factories import login


def _open(app) -> None:
    with app.app_context():
        if PG_URL:
            _reset_postgres_schema()
        else:
            db.create_all()


def _close(app) -> None:
    with app.app_context():
        db.session.remove()
        if PG_URL:
            _empty_postgres_tables()
        db.engine.dispose()


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory):
    """An app whose database lives for the whole test module."""
    app = make_test_app(tmp_path_factory.mktemp("security"))
    _open(app)
    yield app
    _close(app)


def client_as(app, user=None):
    """A fresh test client, signed in as the user when one is given."""
    client = app.test_client()
    if user is not None:
        with app.app_context():
            login(client, user)
    return client


def bearer(raw_token: str) -> dict:
    return {"Authorization": f"Bearer {raw_token}"}


@functools.cache
def route_table() -> tuple[tuple[str, frozenset, str], ...]:
    """(endpoint, methods, rule) of every route, read from a throwaway app at collection time."""
    with tempfile.TemporaryDirectory() as folder:
        app = make_test_app(Path(folder))
        rules = tuple(
            (rule.endpoint, frozenset(rule.methods - {"HEAD", "OPTIONS"}), rule.rule)
            for rule in app.url_map.iter_rules()
            if rule.endpoint != "static"
        )
        with app.app_context():
            db.engine.dispose()
    return rules

"""Fixtures: an app with an isolated database per test, on SQLite or PostgreSQL."""

import os

import pytest
from sqlalchemy import text

from config import TestConfig
from marketplace import create_app
from marketplace.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
_pg_schema_ready = False


def _reset_postgres_schema() -> None:
    """Create the schema once per run on PostgreSQL; tests then only empty the tables."""
    global _pg_schema_ready
    if not _pg_schema_ready:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.create_all()
        _pg_schema_ready = True


def _empty_postgres_tables() -> None:
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def make_test_app(tmp_path, **overrides):
    config = TestConfig(tmp_path / "instance")
    for key, value in overrides.items():
        setattr(config, key, value)
    return create_app(config)


@pytest.fixture
def app(tmp_path):
    app = make_test_app(tmp_path)
    with app.app_context():
        if PG_URL:
            _reset_postgres_schema()
        else:
            db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        if PG_URL:
            _empty_postgres_tables()
        db.engine.dispose()


@pytest.fixture
def app_factory(tmp_path):
    """Build extra apps with other settings; their connections are closed after the test."""
    made = []

    def build(**overrides):
        made.append(make_test_app(tmp_path / f"app{len(made)}", **overrides))
        return made[-1]

    yield build
    for extra in made:
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    """Run the test body inside an app context (for services and factories)."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()

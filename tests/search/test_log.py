"""The search log: each host follows it with its own cursor and index; /healthz reports the lag."""

import shutil
from datetime import timedelta

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import OperationalError

from marketplace.common.timeutil import utcnow
from marketplace.extensions import db
from marketplace.search import gateway
from marketplace.search import log as search_log
from marketplace.search.models import SearchHost, SearchLease, SearchOutbox
from tests.search.factories import make_result
from tests.search.helpers import found


def _entries() -> int:
    return db.session.scalar(select(func.count(SearchOutbox.id)))


def _cursor(name: str) -> int:
    return db.session.scalar(select(SearchHost.cursor).where(SearchHost.name == name))


def test_two_hosts_in_one_database_each_follow_the_log(app, app_factory, tmp_path):
    # Both hosts on one database: the run's PostgreSQL one, or a SQLite file of this test.
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    shared = (
        {}
        if url.startswith("postgresql")
        else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shared.db'}"}
    )
    host_a = app_factory(SEARCH_HOST_NAME="a", **shared)
    host_b = app_factory(SEARCH_HOST_NAME="b", **shared)
    with host_a.app_context():
        db.create_all()
        first = make_result(title="秸秆还田深松机械").id
        assert found("秸秆还田") == [("result", first)]
        assert _entries() == 0  # the only live host has passed it and its matches are stored

    with host_b.app_context():
        # A new host: the log was pruned, so it builds its index from the database.
        assert found("秸秆还田") == []
        gateway.sync()
        assert found("秸秆还田") == [("result", first)]
        assert db.session.scalar(select(SearchHost.rebuilt_at).where(SearchHost.name == "b")) is not None

    with host_a.app_context():
        second = make_result(title="秸秆颗粒燃料成型机").id
        assert _entries() == 1  # host b has not applied it yet: kept
        assert _cursor("b") < _cursor("a")

    with host_b.app_context():
        assert gateway.sync()["indexed"] == 1  # follows the log: one entry, no rebuild
        assert sorted(found("秸秆")) == [("result", first), ("result", second)]
        assert _entries() == 0

        # Silent for longer than SEARCH_HOST_TIMEOUT: no longer holds the log back...
        db.session.execute(
            update(SearchHost).where(SearchHost.name == "b").values(seen_at=utcnow() - timedelta(days=2))
        )
        db.session.commit()
    with host_a.app_context():
        third = make_result(title="秸秆生物质气化炉").id
        assert _entries() == 0
    with host_b.app_context():
        # ...and rebuilds when it comes back.
        assert ("result", third) not in found("秸秆")
        gateway.sync()
        assert ("result", third) in found("秸秆")

        # A wiped index folder is rebuilt from the database as well.
        shutil.rmtree(host_b.config["SEARCH_INDEX_DIR"])
        gateway.sync()
        assert len(found("秸秆")) == 3


def test_matches_are_stored_by_one_host_at_a_time(app_ctx):
    make_result(title="盐碱地改良微生物菌剂")
    session = db.session
    assert search_log.claim_matching(session)
    db.session.execute(
        update(SearchLease)
        .where(SearchLease.name == search_log.MATCH_LEASE)
        .values(holder="another-host", expires_at=utcnow() + timedelta(minutes=1))
    )
    assert not search_log.claim_matching(session)
    db.session.execute(insert(SearchOutbox).values(kind="result", obj_id=1, created_at=utcnow()))
    search_log.set_cursor(session, search_log.head(session))
    assert not search_log.match_pending(session)  # the other host holds the lease
    db.session.execute(update(SearchLease).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert search_log.match_pending(session)  # it expired: this host takes over
    assert search_log.claim_matching(session)


def test_healthz_reports_the_lag_without_names(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] is True
    assert body["index"]["entries"] == 0 and body["index"]["seconds"] == 0
    with app.app_context():
        assert search_log.host_name() not in response.get_data(as_text=True)
    assert app.config["SECRET_KEY"] not in response.get_data(as_text=True)


def test_healthz_fails_when_the_index_is_too_far_behind(client, app):
    with app.app_context():
        db.session.execute(
            insert(SearchOutbox).values(kind="result", obj_id=1, created_at=utcnow() - timedelta(minutes=10))
        )
        db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "lagging"
    assert body["index"]["entries"] == 1 and body["index"]["seconds"] >= 600
    app.config["SEARCH_MAX_LAG_SECONDS"] = 3600
    assert client.get("/healthz").status_code == 200


def test_healthz_fails_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(db.session, "execute", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": False}


def test_sqlite_never_hands_out_the_id_of_a_pruned_entry(tmp_path):
    """After the migrations, the log's ids come from AUTOINCREMENT: a pruned log does not restart at 1."""
    from flask_migrate import upgrade

    from tests.conftest import make_test_app

    app = make_test_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'migrated.db'}")
    with app.app_context():
        upgrade()
        ddl = db.session.scalar(
            select(text("sql")).select_from(text("sqlite_master")).where(text("name = 'search_outbox'"))
        )
        assert "AUTOINCREMENT" in ddl
        for _ in range(2):
            db.session.execute(insert(SearchOutbox).values(kind="result", obj_id=1, created_at=utcnow()))
            db.session.execute(delete(SearchOutbox))
        db.session.execute(insert(SearchOutbox).values(kind="result", obj_id=1, created_at=utcnow()))
        assert db.session.scalar(select(SearchOutbox.id)) == 3
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def test_an_index_only_worker_follows_the_log_and_leaves_the_rest(app, app_factory):
    from marketplace.common.maintenance import MaintenanceRun
    from marketplace.search.tasks import sync_forever

    host = app_factory(SEARCH_AUTO_DRAIN=False)
    with host.app_context():
        db.create_all()
        result_id = make_result(title="秸秆还田深松机械").id
        sync_forever(0, rounds=1, echo=lambda _line: None, index_only=True)
        assert found("秸秆还田") == [("result", result_id)]
        assert db.session.scalar(select(SearchOutbox.matched_at)) is None  # matches left to the full worker
        assert db.session.get(MaintenanceRun, "expire_demands") is None
        sync_forever(0, rounds=1, echo=lambda _line: None)
        assert _entries() == 0

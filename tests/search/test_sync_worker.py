"""`flask search sync --watch`: the background worker beside the web workers."""

import time
from datetime import timedelta

from sqlalchemy import func, select

from marketplace.common.maintenance import MaintenanceRun
from marketplace.common.timeutil import beijing_today
from marketplace.extensions import db
from marketplace.listings.models import Demand
from marketplace.search.models import SearchMatch, SearchOutbox
from marketplace.search.tasks import sync_forever
from tests.search.factories import make_demand, make_result
from tests.search.helpers import found


def test_a_round_runs_the_daily_maintenance_and_applies_the_outbox(app, app_factory):
    # `app` too: on PostgreSQL its teardown empties the tables this test shares.
    app = app_factory(SEARCH_AUTO_DRAIN=False)  # web workers left the outbox to the worker
    with app.app_context():
        db.create_all()
        result_id = make_result(title="秸秆还田深松机械").id
        overdue_id = make_demand(deadline=beijing_today() - timedelta(days=2)).id
        assert found("秸秆还田") == []
        lines, sleeps = [], []
        sync_forever(0.5, rounds=2, echo=lines.append, sleep=sleeps.append)

        assert found("秸秆还田") == [("result", result_id)]
        assert db.session.get(Demand, overdue_id).status == "expired"
        assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
        assert db.session.get(MaintenanceRun, "expire_demands").last_run_on == beijing_today()
    assert sleeps == [0.5]  # two rounds, one pause between them
    assert lines[0] == "maintenance expire_demands: expired 1 demand(s)"
    assert lines.count("maintenance expire_demands: expired 1 demand(s)") == 1  # once a day only
    assert any(line.startswith("indexed ") for line in lines)


def test_a_failing_round_is_logged_and_the_worker_goes_on(app_ctx, monkeypatch, caplog):
    calls = []

    def flaky_drain(**_options):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        return {"indexed": 0, "matched": 0}

    monkeypatch.setattr("marketplace.search.tasks.drain", flaky_drain)
    sync_forever(0, rounds=2, echo=lambda _line: None, sleep=lambda _s: None)
    assert len(calls) == 2
    assert "search sync round failed" in caplog.text


def test_the_watch_command_stops_cleanly_on_ctrl_c(app, monkeypatch):
    def interrupt(_seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", interrupt)
    result = app.test_cli_runner().invoke(args=["search", "sync", "--watch", "--interval", "1"])
    assert result.exit_code == 0, result.output
    assert "watching the search outbox every 1 s" in result.output
    with app.app_context():
        assert db.session.get(MaintenanceRun, "expire_demands") is not None  # the first round ran


def test_web_processes_may_leave_the_match_stage_to_the_worker(app, app_factory):
    app = app_factory(SEARCH_AUTO_DRAIN="index")
    with app.app_context():
        db.create_all()
        demand_id = make_demand(title="秸秆还田机械改进", keywords=["秸秆还田"]).id
        result_id = make_result(title="秸秆还田深松机械", keywords=["秸秆还田"]).id
        # Searchable at once, from the commit's own drain...
        assert ("result", result_id) in found("秸秆还田")
        # ...while the matches wait in the outbox for the worker.
        pending = db.session.scalars(select(SearchOutbox.indexed_at)).all()
        assert pending and all(indexed_at is not None for indexed_at in pending)
        assert db.session.scalar(select(func.count(SearchMatch.id))) == 0

        sync_forever(0, rounds=1, echo=lambda _line: None)
        assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
        targets = db.session.scalars(
            select(SearchMatch.target_id).where(
                SearchMatch.source_kind == "demand", SearchMatch.source_id == demand_id
            )
        ).all()
        assert result_id in targets


def test_the_drain_mode_is_read_from_the_environment(monkeypatch, tmp_path):
    from config import Config

    for raw, expected in (("index", "index"), ("OFF", False), ("all", True), ("nonsense", True)):
        monkeypatch.setenv("SEARCH_AUTO_DRAIN", raw)
        assert Config(tmp_path).SEARCH_AUTO_DRAIN == expected


def test_the_worker_rebuilds_an_index_of_an_older_schema(app_ctx):
    from marketplace.search.store import VERSION_FILE, current_directory, index_is_current, index_root

    result_id = make_result(title="玉米秸秆生物质颗粒燃料").id
    (current_directory(index_root()) / VERSION_FILE).unlink()  # as left by a version before this one
    assert not index_is_current()
    lines = []
    sync_forever(0, rounds=1, echo=lines.append, sleep=lambda _s: None)

    assert index_is_current()
    assert lines[0].startswith("the search index was built by an older version")
    assert lines[1].startswith("rebuilt: 1 listing(s) indexed")
    assert found("生物质颗粒") == [("result", result_id)]
    lines.clear()
    sync_forever(0, rounds=1, echo=lines.append, sleep=lambda _s: None)
    assert not any("older version" in line for line in lines)  # once, not every start


def test_the_worker_started_while_the_database_restarts_goes_on(app_ctx, monkeypatch, caplog):
    from sqlalchemy.exc import OperationalError

    from marketplace.search import tasks

    result_id = make_result(title="秸秆还田深松机械").id
    calls = []

    def database_restarting():
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("SELECT 1", {}, Exception("the database system is starting up"))
        return True

    def rollback_on_a_dead_connection():
        raise OperationalError("ROLLBACK", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(tasks, "index_is_current", database_restarting)
    real_rollback = db.session.rollback
    monkeypatch.setattr(db.session, "rollback", rollback_on_a_dead_connection)
    sync_forever(0, rounds=2, echo=lambda _line: None, sleep=lambda _s: None)
    monkeypatch.setattr(db.session, "rollback", real_rollback)
    assert len(calls) == 2
    assert "search sync round failed" in caplog.text
    assert found("秸秆还田") == [("result", result_id)]


def test_a_long_match_backlog_does_not_hold_up_the_rounds_other_duties(app_ctx, monkeypatch):
    from datetime import datetime

    from marketplace.listings.models import ImportJob
    from marketplace.search.matching import queue_refresh
    from marketplace.search.models import SearchMatchRefresh
    from tests.factories import make_user

    user = make_user("university")
    # A job whose process died long ago, and 60 lists queued for recomputation.
    dead = ImportJob(
        kind="patent",
        organisation_id=user.org.id,
        created_by_id=user.id,
        filename="p.csv",
        stored_path="imports/p.csv",
        state="running",
        heartbeat_at=datetime(2026, 1, 1),
    )
    db.session.add(dead)
    queue_refresh(db.session, [("demand", n) for n in range(1, 61)])
    db.session.commit()
    monkeypatch.setattr("marketplace.search.tasks.ROUND_BUDGET", 0.0)

    def queued():
        return db.session.scalar(select(func.count()).select_from(SearchMatchRefresh))

    lines, sleeps = [], []
    sync_forever(5, rounds=1, echo=lines.append, sleep=sleeps.append)
    assert queued() == 10  # one batch of 50, then the round went on to its other duties
    assert db.session.get(ImportJob, dead.id).state == "failed"
    sync_forever(5, rounds=2, echo=lines.append, sleep=sleeps.append)
    assert queued() == 0
    assert sleeps == [5]  # no pause while work was left; a pause once the queue was empty

"""`flask search sync --watch`: the background worker beside the web workers."""

import time
from datetime import timedelta

from sqlalchemy import func, select

from marketplace.common.maintenance import MaintenanceRun
from marketplace.common.timeutil import beijing_today
from marketplace.extensions import db
from marketplace.listings.models import Demand
from marketplace.search.models import SearchOutbox
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

    def flaky_drain():
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

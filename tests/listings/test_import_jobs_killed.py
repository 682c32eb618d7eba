"""An import job whose process is killed ends failed with a message, never 'running' for ever."""

import multiprocessing
import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.listings import importer
from marketplace.listings.models import ImportJob, Patent
from marketplace.search.tasks import sync_forever
from tests.factories import make_user

pytestmark = pytest.mark.committing


def _run_job_forever(db_url: str, instance: str, index_dir: str, job_id: int) -> None:
    """A web worker running the job; its import never ends, until the process is killed."""
    from config import TestConfig
    from marketplace import create_app

    config = TestConfig(Path(instance))
    config.SQLALCHEMY_DATABASE_URI = db_url
    config.SEARCH_INDEX_DIR = index_dir
    app = create_app(config)

    def slow_import(*args, on_total=None, **kwargs):
        on_total(1000)
        time.sleep(120)

    importer.import_file = slow_import
    with app.app_context():
        importer.run_job(job_id)


def test_a_job_whose_process_is_killed_is_marked_failed_by_the_worker(app, tmp_path, monkeypatch):
    with app.app_context():
        user = make_user("university")
        stored = Path(app.config["UPLOAD_DIR"]) / "imports" / "p.csv"
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text("title\n一种锂电池\n", encoding="utf-8")
        job = ImportJob(
            kind="patent",
            organisation_id=user.org.id,
            created_by_id=user.id,
            filename="p.csv",
            stored_path="imports/p.csv",
            state="queued",
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(
        target=_run_job_forever,
        args=(
            app.config["SQLALCHEMY_DATABASE_URI"],
            app.config["INSTANCE_DIR"],
            app.config["SEARCH_INDEX_DIR"],
            job_id,
        ),
    )
    proc.start()
    try:
        deadline = time.monotonic() + 60
        with app.app_context():
            while time.monotonic() < deadline:
                job = db.session.get(ImportJob, job_id)
                if job.state == "running" and job.total_rows == 1000:
                    break
                db.session.rollback()
                time.sleep(0.1)
            assert job.state == "running", job.errors
            db.session.rollback()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(30)
    # The worker's next round, once the job's heartbeat is older than the limit.
    monkeypatch.setattr(importer, "STALE_AFTER", timedelta(seconds=1), raising=False)
    time.sleep(1.5)
    with app.app_context():
        lines = []
        sync_forever(0, rounds=1, echo=lines.append, sleep=lambda _s: None)
        job = db.session.get(ImportJob, job_id)
        assert job.state == "failed" and job.finished_at is not None
        assert job.errors == [
            {"line": 0, "message": "导入进程意外中断（如服务器重启），未导入任何数据，请重新导入"}
        ]
        assert db.session.scalar(select(func.count(Patent.id))) == 0
        assert "marked 1 import job(s) whose process died as failed" in lines

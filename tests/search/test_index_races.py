"""Readers never fail because another process committed, merged or rebuilt the index under them.

A commit writes a new table of contents and deletes the old one and the segments it no longer
uses; a rebuild swaps `current` to a new directory and removes the one before last. A reader
that lists the directory, then opens a file the writer has just deleted, used to fail with
FileNotFoundError (issue 19: a search API request answered 500).
"""

import multiprocessing
import time
import traceback
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.search import index as search_index
from marketplace.search.matching import refresh_many
from marketplace.search.services import parse_search_args, search
from tests.factories import make_org
from tests.search.factories import make_demand, make_result

pytestmark = pytest.mark.committing

READ_SECONDS = 8.0
MIN_ROUNDS = 20


def _committer(db_url: str, instance: str, index_dir: str, started, stop) -> None:
    """Another process: commit single updates, merge segments and rebuild, as fast as it can."""
    from config import TestConfig
    from marketplace import create_app
    from marketplace.listings.models import ResearchResult
    from marketplace.search.documents import listing_document
    from marketplace.search.pipeline import merge_segments, reindex
    from marketplace.search.store import INDEX_LOCK, flock, index_root, open_index

    config = TestConfig(Path(instance))
    config.SQLALCHEMY_DATABASE_URI = db_url
    config.SEARCH_INDEX_DIR = index_dir
    app = create_app(config)
    with app.app_context():
        results = db.session.scalars(select(ResearchResult)).all()
        docs = [listing_document(r) for r in results]
        root = index_root()
        commits = 0
        deadline = time.monotonic() + 60  # bounded even if the parent never says stop
        while not stop.is_set() and time.monotonic() < deadline:
            with flock(root / INDEX_LOCK, blocking=True):
                writer = open_index().writer(timeout=30.0)
                writer.update_document(**docs[commits % len(docs)])
                writer.commit(merge=False)
            commits += 1
            if commits == 3:
                started.set()
            if commits % 4 == 0:
                merge_segments(min_segments=2)
            if commits % 60 == 0:
                reindex()
        db.session.remove()
        db.engine.dispose()


def test_searches_schema_reads_counts_status_and_matching_survive_concurrent_commits(app, tmp_path):
    with app.app_context():
        org = make_org("university", name="河北竞态大学")
        titles = ["锂离子电池正极材料", "钙钛矿太阳能电池", "光纤光栅应变传感", "矿井通风智能调控"]
        for title in titles:
            make_result(org, title=title, abstract=f"{title}的制备方法与应用研究。", commit=False)
        db.session.commit()
        demand = make_demand(
            title="求购锂离子电池正极材料技术", description="需要锂离子电池正极材料的制备技术。"
        )
        search_index.drain()
        demand_id = demand.id
        assert search_index.index_status()["documents"] == 5

    ctx = multiprocessing.get_context("spawn")
    started, stop = ctx.Event(), ctx.Event()
    committer = ctx.Process(
        target=_committer,
        args=(
            app.config["SQLALCHEMY_DATABASE_URI"],
            str(tmp_path / "committer"),
            app.config["SEARCH_INDEX_DIR"],
            started,
            stop,
        ),
    )
    committer.start()
    failures: list[str] = []
    rounds = 0
    try:
        assert started.wait(60), "the committing process did not start"
        with app.app_context():
            # Read for READ_SECONDS, longer on a busy machine until enough rounds overlapped the
            # commits (the committer stops by itself after 60 s).
            deadline = time.monotonic() + READ_SECONDS
            last_chance = time.monotonic() + 45
            while committer.is_alive() and time.monotonic() < last_chance:
                if time.monotonic() >= deadline and rounds > MIN_ROUNDS:
                    break
                try:
                    outcome = search(parse_search_args({"q": "锂离子电池"}), None)
                    assert outcome.page.total >= 1
                    analyzer = search_index.query_analyzer(search_index.open_index())
                    assert [t.text for t in analyzer("钙钛矿", mode="query")]
                    status = search_index.index_status()
                    assert status["documents"] == 5
                    refresh_many(db.session, [("demand", demand_id)], notify=False)
                    db.session.rollback()
                except Exception:  # noqa: BLE001 - any failure of a reader is the defect
                    db.session.rollback()
                    failures.append(traceback.format_exc())
                rounds += 1
    finally:
        stop.set()
        committer.join(120)
    assert committer.exitcode == 0
    assert rounds > MIN_ROUNDS
    distinct = sorted({f.strip().splitlines()[-1] for f in failures})
    assert not failures, f"{len(failures)} of {rounds} rounds failed: {distinct}\nfirst:\n{failures[0]}"

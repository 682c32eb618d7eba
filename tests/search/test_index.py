"""The index service: outbox durability, one writer across processes, rebuilds, latency."""

import multiprocessing
import os
import time

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.search import index as search_index
from marketplace.search.models import SearchOutbox
from marketplace.search.outbox import after_bulk_import, enqueue
from tests.factories import make_org
from tests.search.factories import make_result
from tests.search.helpers import found


def _outbox_count() -> int:
    return db.session.scalar(select(func.count(SearchOutbox.id)))


def test_outbox_row_is_written_in_the_listing_transaction_and_survives_a_crash(app, app_factory):
    # `app` too: on PostgreSQL its teardown empties the tables this test shares.
    # SEARCH_AUTO_DRAIN off: the process "dies" between commit and indexing.
    app = app_factory(SEARCH_AUTO_DRAIN=False)
    with app.app_context():
        db.create_all()
        result = make_result(title="秸秆还田深松机械")
        result_id = result.id
        assert _outbox_count() == 1
        assert found("秸秆还田") == []
        # A rolled-back change leaves no outbox row behind.
        result.title = "不会保存的标题"
        db.session.flush()
        db.session.rollback()
        assert _outbox_count() == 1
    output = app.test_cli_runner().invoke(args=["search", "sync"])
    assert output.exit_code == 0, output.output
    assert "indexed 1" in output.output
    with app.app_context():
        assert found("秸秆还田") == [("result", result_id)]
        assert _outbox_count() == 0


def test_bulk_enqueue_indexes_rows_written_without_the_orm(app_ctx):
    org = make_org("university")
    db.session.execute(
        db.insert(db.metadata.tables["results"]).values(
            organisation_id=org.id,
            title="高炉煤气余热发电",
            status="published",
            abstract="",
            takedown_reason="",
            transfer_modes=[],
            private_details="",
            keywords=[],
            technical_level="",
            completers=[],
            contact_name="",
            contact_phone="",
            created_at=db.func.now(),
            updated_at=db.func.now(),
        )
    )
    new_id = db.session.scalar(select(func.max(db.metadata.tables["results"].c.id)))
    db.session.commit()
    assert found("高炉煤气") == []
    assert enqueue("result", [new_id, new_id]) == 1
    db.session.commit()
    assert found("高炉煤气") == [("result", new_id)]
    db.session.execute(db.update(db.metadata.tables["results"]).values(status="withdrawn"))
    db.session.commit()
    assert after_bulk_import("result", [new_id]) == 1
    assert found("高炉煤气") == []


def test_reindex_swaps_in_a_fresh_directory_while_searches_keep_working(app, runner):
    with app.app_context():
        result = make_result(title="光纤光栅应变传感")
        root = search_index.index_root()
        before = os.readlink(root / "current")
        ix_before = search_index.open_index()
        old_searcher = ix_before.searcher()
    output = runner.invoke(args=["search", "reindex"])
    assert output.exit_code == 0, output.output
    with app.app_context():
        assert os.readlink(root / "current") != before
        assert (root / "current").is_symlink()
        # A reader opened before the swap still answers; a new search uses the new directory.
        assert old_searcher.doc_count() >= 1
        old_searcher.close()
        assert found("光纤光栅") == [("result", result.id)]
        assert search_index.open_index() is not ix_before


def test_bureau_terms_go_into_the_rebuilt_index(app, client):
    from marketplace.search.models import SearchTerm
    from marketplace.search.store import open_index, query_analyzer
    from tests.factories import login, make_user

    with app.app_context():
        bureau = make_user("bureau")
        login(client, bureau)
    response = client.post("/search/terms", data={"term": "超声滚压强化"}, follow_redirects=True)
    assert "已添加“超声滚压强化”" in response.get_data(as_text=True)
    response = client.post("/search/terms", data={"term": "a b"}, follow_redirects=True)
    assert "不能作为词典词条" in response.get_data(as_text=True)
    assert 'value="a b"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(SearchTerm.id))) == 1
    client.post("/search/reindex", follow_redirects=True)
    with app.app_context():
        analyzer = query_analyzer(open_index())
        assert "超声滚压强化" in [t.text for t in analyzer("采用超声滚压强化工艺", mode="query")]


def _publisher(db_url: str, instance: str, index_dir: str, n: int, tag: str) -> None:
    """One web worker: publishes listings one by one; each commit drains in a thread."""
    from config import TestConfig
    from marketplace import create_app
    from marketplace.extensions import db
    from tests.factories import make_org, valid_credit_code
    from tests.search.factories import make_result

    config = TestConfig(__import__("pathlib").Path(instance))
    config.SQLALCHEMY_DATABASE_URI = db_url
    config.SEARCH_INDEX_DIR = index_dir
    config.TASKS_EAGER = False  # like production: the drain runs in a background thread
    app = create_app(config)
    threads = []
    with app.app_context():
        org = make_org("university", name=f"并发大学{tag}", credit_code=valid_credit_code(9000 + ord(tag)))
        db.session.commit()
        import marketplace.common.tasks as tasks

        real = tasks.run_in_background

        def keep(func, *args, **kwargs):
            thread = real(func, *args, **kwargs)
            threads.append(thread)
            return thread

        tasks.run_in_background = keep
        for i in range(n):
            make_result(org, title=f"并发写入测试{tag}号{i}", abstract="多进程同时发布。")
    for thread in threads:
        if thread is not None:
            thread.join(60)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.committing
def test_concurrent_writers_in_several_processes_lose_nothing(app, tmp_path):
    db_url = app.config["SQLALCHEMY_DATABASE_URI"]
    index_dir = app.config["SEARCH_INDEX_DIR"]
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_publisher, args=(db_url, str(tmp_path / f"w{i}"), index_dir, 8, chr(65 + i)))
        for i in range(3)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
        assert p.exitcode == 0
    with app.app_context():
        # No sync here: the workers' own drains must have indexed every listing.
        assert _outbox_count() == 0
        params = {"q": "并发写入测试", "per_page": "50"}
        from marketplace.search.services import parse_search_args, search

        assert search(parse_search_args(params), None).page.total == 24


def test_a_published_listing_is_searchable_within_two_seconds(app, app_factory, monkeypatch):
    import marketplace.common.tasks as tasks

    app = app_factory(TASKS_EAGER=False)
    threads = []
    real = tasks.run_in_background

    def keep(func, *args, **kwargs):
        threads.append(real(func, *args, **kwargs))
        return threads[-1]

    monkeypatch.setattr(tasks, "run_in_background", keep)
    with app.app_context():
        db.create_all()
        make_result(title="预热")  # loads jieba and creates the index, as a running site has
        deadline = time.monotonic() + 30
        while _outbox_count() and time.monotonic() < deadline:
            time.sleep(0.05)
        start = time.monotonic()
        result = make_result(title="盐碱地改良微生物菌剂")
        while time.monotonic() - start < 2.0:
            if found("盐碱地改良") == [("result", result.id)]:
                break
            time.sleep(0.05)
        assert found("盐碱地改良") == [("result", result.id)]
    # let the background drains finish before the test tears the database down
    for thread in threads:
        thread.join(60)


def test_status_and_rematch_commands(app, runner):
    with app.app_context():
        make_result(title="矿井通风智能调控")
    output = runner.invoke(args=["search", "status"])
    assert output.exit_code == 0 and "documents: 1" in output.output and "pending: 0" in output.output
    output = runner.invoke(args=["search", "rematch"])
    assert output.exit_code == 0 and "stored matches of 1 listing(s)" in output.output


def test_a_listing_that_cannot_be_indexed_does_not_block_the_outbox(app_ctx, monkeypatch):
    from marketplace.search import documents

    real = documents._listing_document

    def broken(obj):
        if obj.title.startswith("坏"):
            raise ValueError("bad data")
        return real(obj)

    monkeypatch.setattr(documents, "_listing_document", broken)
    bad = make_result(title="坏数据成果")
    good = make_result(title="好数据成果")
    assert _outbox_count() == 0
    assert found("数据成果") == [("result", good.id)]
    assert bad.id

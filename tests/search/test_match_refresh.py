"""The other side's stored lists a change touches are recomputed once per listing, from a queue."""

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.search.models import SearchMatch, SearchMatchRefresh
from marketplace.search.pipeline import _index_batch, _match_batch, drain
from marketplace.search.status import index_status
from tests.factories import make_org
from tests.search.conftest import real_papers
from tests.search.factories import make_demand, make_patent, make_result

DEMAND = dict(
    title="寻求锂离子电池低温电解液技术",
    description="我公司锂离子电池在零下二十度容量衰减严重，需要新的低温电解液配方和添加剂。",
    keywords=["低温电解液", "锂离子电池"],
)


def _list_of(kind, obj_id):
    rows = db.session.execute(
        select(SearchMatch.target_kind, SearchMatch.target_id, SearchMatch.snippet)
        .where(SearchMatch.source_kind == kind, SearchMatch.source_id == obj_id)
        .order_by(SearchMatch.rank)
    ).all()
    return {(k, i): snip for k, i, snip in rows}


def _quiet_app(app_factory):
    """An app whose commits leave the outbox alone, with 25 real abstracts published."""
    app = app_factory(SEARCH_AUTO_DRAIN=False)
    with app.app_context():
        db.create_all()
        org = make_org("university", name="河北示例大学")
        for paper in real_papers(25):
            make_result(org, title=paper["title"], abstract=paper["abstract"], commit=False)
        db.session.commit()
    return app


def _queued():
    return set(db.session.execute(select(SearchMatchRefresh.kind, SearchMatchRefresh.obj_id)).all())


def test_a_burst_of_patents_queues_the_demand_they_match_once(app, app_factory):
    # `app` too: on PostgreSQL its teardown empties the tables this test shares.
    app = _quiet_app(app_factory)
    with app.app_context():
        demand = make_demand(**DEMAND)
        drain()
        uni = make_org("university", name="河北电池研究大学")
        titles = ["一种锂离子电池低温电解液", "锂离子电池低温电解液添加剂", "低温电解液的制备方法"]
        patents = [
            make_patent(uni, title=t, abstract=f"{t}，使锂离子电池在零下二十度保持容量。", commit=False)
            for t in titles
        ]
        db.session.commit()
        ids = {("patent", p.id) for p in patents}
        assert not ids & set(_list_of("demand", demand.id))

        _index_batch(db.session)
        assert _match_batch(db.session) == 3  # the three changed patents, each computed at once
        assert _queued() == {("demand", demand.id)}  # touched by all three, queued once
        assert index_status()["refresh_pending"] == 1

        drain()
        assert ids <= set(_list_of("demand", demand.id))
        assert _queued() == set()
        assert db.session.scalar(select(func.count()).select_from(SearchMatchRefresh)) == 0


def test_an_edited_listing_gets_a_fresh_excerpt_in_the_lists_that_hold_it(app, app_factory):
    # `app` too: on PostgreSQL its teardown empties the tables this test shares.
    app = _quiet_app(app_factory)
    with app.app_context():
        demand = make_demand(**DEMAND)
        patent = make_patent(
            title="一种锂离子电池低温电解液", abstract="含氟添加剂使低温电解液在零下二十度可用。"
        )
        drain()
        before = _list_of("demand", demand.id)[("patent", patent.id)]
        assert "含氟" in before

        patent.abstract = "磷酸酯添加剂使低温电解液在零下二十度可用。"
        db.session.commit()
        _index_batch(db.session)
        _match_batch(db.session)
        # Until the demand's list is recomputed the old excerpt is withdrawn, never reused.
        assert _list_of("demand", demand.id)[("patent", patent.id)] == ""
        assert ("demand", demand.id) in _queued()

        drain()
        after = _list_of("demand", demand.id)[("patent", patent.id)]
        assert "磷酸酯" in after and "含氟" not in after


def test_a_withdrawn_patent_leaves_the_lists_that_held_it(app, app_factory):
    # `app` too: on PostgreSQL its teardown empties the tables this test shares.
    app = _quiet_app(app_factory)
    with app.app_context():
        demand = make_demand(**DEMAND)
        patent = make_patent(title="一种锂离子电池低温电解液", abstract="低温电解液在零下二十度可用。")
        drain()
        assert ("patent", patent.id) in _list_of("demand", demand.id)

        patent.status = "withdrawn"
        db.session.commit()
        drain()
        assert ("patent", patent.id) not in _list_of("demand", demand.id)
        assert _queued() == set()

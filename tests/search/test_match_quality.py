"""Issue 15: one calibrated score in list order, a cut-off, 不相关, reasons in words, duplicates
collapsed, a fast rebuild that derives the supply lists, and 匹配计算中 while pending."""

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.search.models import MatchDismissal, SearchMatch, SearchOutbox
from marketplace.search.reasons import identity, phrase_reasons, structured_reasons
from tests.factories import login
from tests.search.factories import make_demand, make_patent, make_result
from tests.search.test_matching import _world


def _rows(kind, obj_id):
    return db.session.scalars(
        select(SearchMatch)
        .where(SearchMatch.source_kind == kind, SearchMatch.source_id == obj_id)
        .order_by(SearchMatch.rank)
    ).all()


def test_stored_lists_are_ordered_by_their_one_score(corpus):
    owner, uni, demand, result, patent = _world()
    rows = _rows("demand", demand.id)
    scores = [r.score for r in rows]
    assert len(rows) >= 3 and scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)
    # The pair scores the same from the result's side (the supply side's calibration).
    reverse = _rows("result", result.id)
    assert reverse and reverse[0].target_id == demand.id


def test_only_matches_above_the_cut_off_show_and_fewer_are_said(app, client, corpus):
    app.config["MATCH_THRESHOLD"] = None  # the calibrated cut-offs, as in production
    owner, uni, demand, result, patent = _world()
    for row in _rows("demand", demand.id):
        row.score = 0.9 if (row.target_kind, row.target_id) == ("result", result.id) else 0.1
    db.session.commit()
    login(client, owner)
    html = client.get(f"/search/matches/demand/{demand.id}").get_data(as_text=True)
    assert f"/results/{result.id}" in html and f"/patents/{patent.id}" not in html
    assert "仅找到 1 条较相关的成果或专利" in html and "匹配度 90" in html


def test_a_match_marked_irrelevant_disappears_for_the_organisation(app, client, corpus):
    owner, uni, demand, result, patent = _world()
    login(client, owner)
    page = f"/search/matches/demand/{demand.id}"
    assert f"/results/{result.id}" in client.get(page).get_data(as_text=True)
    response = client.post(
        f"/search/matches/demand/{demand.id}/dismiss",
        data={"target_kind": "result", "target_id": str(result.id), "next": page},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "已标记为不相关" in html and f"/results/{result.id}" not in html
    marks = db.session.scalars(select(MatchDismissal)).all()
    assert [(m.organisation_id, m.target_kind, m.target_id) for m in marks] == [
        (owner.organisation.id, "result", result.id)
    ]
    assert marks[0].score is not None
    # A match that is not in the list cannot be marked.
    client.post(
        f"/search/matches/demand/{demand.id}/dismiss", data={"target_kind": "result", "target_id": "999999"}
    )
    assert db.session.scalar(select(func.count(MatchDismissal.id))) == 1


def test_reasons_are_phrases_people_write(app_ctx):
    demand = make_demand(
        title="UL94 阻燃锂离子电池外壳",
        description="需要阻燃等级 UL94 V-0 的锂离子电池外壳，重量 2 kg 以内，热管理良好。",
        keywords=["阻燃外壳"],
        technology_field="新材料",
        budget_fen=50_000_000,
        hide_name=True,
    )
    result = make_result(
        title="UL94 V-0 阻燃外壳材料",
        abstract="阻燃外壳材料通过 UL94 V-0，用于锂离子电池，热稳定，管理方便，2 kg。",
        keywords=["阻燃外壳"],
        technology_field="新材料",
        maturity=3,
        price_fen=30_000_000,
    )
    words = phrase_reasons(
        ["ul94", "kg", "2", "热", "管理", "锂离子电池", "电池", "阻燃外壳"], demand, result
    )
    assert words == ["UL94", "锂离子电池", "阻燃外壳"]
    reasons = [r["text"] for r in structured_reasons(demand, result)]
    assert "同属技术领域“新材料”" in reasons
    assert any(t.startswith("成熟度：") for t in reasons)
    assert "价格 30.00 万元，需求预算 50.00 万元（在预算内）" in reasons
    # Nothing about who the hidden owner is or where.
    text = " ".join(reasons + words)
    assert demand.organisation.name not in text and "区" not in text
    patent = make_patent(title="阻燃外壳", ipc_codes=["C08L 23/12"])
    demand.ipc_codes = ["C08L 23/00"]  # demands rarely have IPC codes; when one does, it counts
    assert "同一 IPC 小类 C08L" in [r["text"] for r in structured_reasons(demand, patent)]


def test_the_same_patent_or_result_appears_once(app_ctx):
    a = make_patent(title="一种锂电池", application_number=None, publication_number="CN112345678A")
    b = make_patent(title="一种锂电池", application_number=None, publication_number="CN112345678B")
    c = make_patent(title="一种锂电池", application_number="CN202110000001.5")
    d = make_patent(title="一种锂电池", application_number="CN202110000001.5")
    assert identity(a) == identity(b) and identity(c) == identity(d) and identity(a) != identity(c)
    r1 = make_result(title="低温电解液 配方")
    r2 = make_result(r1.organisation, title="低温电解液配方")
    r3 = make_result(title="低温电解液配方")
    assert identity(r1) == identity(r2) != identity(r3)


def test_duplicates_collapse_in_a_match_list(app, client, corpus):
    owner, uni, demand, result, patent = _world()
    twin = make_result(
        uni.organisation, title=result.title, abstract=result.abstract, keywords=result.keywords
    )
    rows = _rows("demand", demand.id)
    assert ("result", twin.id) in {(r.target_kind, r.target_id) for r in rows}
    login(client, owner)
    html = client.get(f"/search/matches/demand/{demand.id}").get_data(as_text=True)
    assert html.count(result.title) == 1


def test_rebuild_replaces_lists_and_derives_supply_lists(app, corpus):
    from marketplace.search.rebuild import refresh_all

    owner, uni, demand, result, patent = _world()
    before = {(r.target_kind, r.target_id) for r in _rows("demand", demand.id)}
    done = refresh_all(db.session)
    assert done >= 28
    assert {(r.target_kind, r.target_id) for r in _rows("demand", demand.id)} == before
    reverse = _rows("result", result.id)
    assert [(r.target_kind, r.target_id) for r in reverse][:1] == [("demand", demand.id)]
    assert reverse[0].snippet  # the demand's excerpt, made by the rebuild
    scores = {r.target_id: r.score for r in _rows("demand", demand.id) if r.target_kind == "result"}
    assert abs(reverse[0].score - scores[result.id]) < 1e-9


def test_a_listing_whose_matches_are_pending_says_so(app, client, corpus):
    owner, uni, demand, result, patent = _world()
    db.session.execute(SearchMatch.__table__.delete().where(SearchMatch.source_id == demand.id))
    db.session.add(SearchOutbox(kind="demand", obj_id=demand.id))
    db.session.commit()
    login(client, owner)
    html = client.get(f"/search/matches/demand/{demand.id}").get_data(as_text=True)
    assert "匹配计算中" in html and "暂未找到" not in html


def test_duplicates_collapse_in_search(app_ctx):
    from marketplace.search.services import parse_search_args, search

    a = make_patent(title="一种盐碱地改良剂", application_number=None, publication_number="CN119999999A")
    b = make_patent(title="一种盐碱地改良剂", application_number=None, publication_number="CN119999999B")
    outcome = search(parse_search_args({"q": "盐碱地改良剂"}), None)
    ids = [i["id"] for i in outcome.page.items]
    assert len({a.id, b.id} & set(ids)) == 1

"""Stored matches: computed in the background, read by pages and the API, told once in a digest."""

from datetime import timedelta

from sqlalchemy import func, select

from marketplace.accounts.services import create_api_token
from marketplace.extensions import db
from marketplace.notices.models import Notice
from marketplace.search.models import SearchMatch
from tests.factories import login, make_org, make_user
from tests.search.factories import make_demand, make_patent, make_result

DEMAND_TEXT = dict(
    title="寻求锂离子电池低温电解液技术",
    description="我公司锂离子电池在零下二十度容量衰减严重，需要新的低温电解液配方和添加剂。",
    keywords=["低温电解液", "锂离子电池"],
)


def _world(corpus_org=None, hide=True):
    owner = make_user("enterprise")
    owner.organisation.name = "保密电池制造有限公司"
    uni = make_user("university")
    demand = make_demand(owner.organisation, hide_name=hide, **DEMAND_TEXT)
    result = make_result(
        uni.organisation,
        title="锂离子电池低温电解液添加剂",
        abstract="新型添加剂使锂离子电池在零下二十度保持较高容量，电解液配方已中试。",
        keywords=["低温电解液", "添加剂"],
    )
    patent = make_patent(
        uni.organisation, title="一种锂离子电池低温电解液", abstract="含氟添加剂的低温电解液。"
    )
    return owner, uni, demand, result, patent


def _tokens(*users):
    tokens = [create_api_token(u, "t") for u in users]
    db.session.commit()
    return tokens


def test_matches_are_stored_both_ways_and_explained(corpus):
    owner, uni, demand, result, patent = _world()
    rows = db.session.scalars(
        select(SearchMatch).where(SearchMatch.source_kind == "demand", SearchMatch.source_id == demand.id)
    ).all()
    targets = [(r.target_kind, r.target_id) for r in sorted(rows, key=lambda r: r.rank)]
    assert ("result", result.id) in targets[:3] and ("patent", patent.id) in targets[:3]
    top = next(r for r in rows if r.target_id == result.id and r.target_kind == "result")
    assert 0 < top.score <= 1
    assert any(m["term"] == "低温电解液" or m["term"] == "电解液" for m in top.matched)
    reverse = db.session.scalars(
        select(SearchMatch).where(SearchMatch.source_kind == "result", SearchMatch.source_id == result.id)
    ).all()
    assert [(r.target_kind, r.target_id) for r in reverse][:1] == [("demand", demand.id)]


def test_pages_and_api_read_the_stored_list(app, client, corpus):
    with app.app_context():
        owner, uni, demand, result, patent = _world()
        # Change the stored row: the API must show it, which proves it is read, not recomputed.
        row = db.session.scalar(
            select(SearchMatch).where(
                SearchMatch.source_id == demand.id,
                SearchMatch.source_kind == "demand",
                SearchMatch.target_kind == "result",
                SearchMatch.target_id == result.id,
            )
        )
        row.score = 0.987
        row.matched = [{"term": "锂离子电池", "fields": ["title"]}]
        assert "<mark>" in row.snippet  # made when the match was computed
        row.snippet = "存储的<mark>片段</mark>"
        db.session.commit()
        (token,) = _tokens(owner)
        login(client, owner)
        ids = (demand.id, result.id)
    data = client.get(f"/api/v1/demands/{ids[0]}/matches", headers={"Authorization": f"Bearer {token}"}).json
    item = next(i for i in data["items"] if i["type"] == "result" and i["id"] == ids[1])
    assert item["score"] == 0.987 and item["matched_terms"] == [{"term": "锂离子电池", "fields": ["title"]}]
    assert item["snippet"] == "存储的<mark>片段</mark>"
    assert set(item) >= {"type", "id", "title", "score", "snippet", "matched_terms", "organisation", "url"}
    patent_item = next(i for i in data["items"] if i["type"] == "patent")
    assert patent_item["publication_number"].startswith("CN")
    html = client.get(f"/search/matches/demand/{ids[0]}").get_data(as_text=True)
    assert "匹配度 99" in html and "锂离子电池</span>" in html


def test_hidden_demand_owner_never_leaks_through_matches(app, client, corpus):
    with app.app_context():
        owner, uni, demand, result, patent = _world(hide=True)
        broker = make_user("broker")
        uni_token, broker_token = _tokens(uni, broker)
        login(client, uni)
        result_id, patent_id, demand_id = result.id, patent.id, demand.id
    for url in (f"/api/v1/results/{result_id}/matches", f"/api/v1/patents/{patent_id}/matches"):
        data = client.get(url, headers={"Authorization": f"Bearer {uni_token}"}).json
        item = next(i for i in data["items"] if i["id"] == demand_id)
        assert item["organisation"] == {"id": None, "name": "某企业"}
        assert "保密电池" not in str(data)
    html = client.get(f"/search/matches/result/{result_id}").get_data(as_text=True)
    assert "某企业" in html and "保密电池" not in html
    # The digest to the university names the demand by its title only.
    with app.app_context():
        from marketplace.common.timeutil import beijing_today
        from marketplace.search.digest import send_digests

        send_digests(beijing_today())
        texts = [n.title + n.body for n in db.session.scalars(select(Notice)).all()]
        assert texts and not any("保密电池" in t for t in texts)
        # Brokers may see the demand's own match list (and the name, as the listings rules say).
    data = client.get(
        f"/api/v1/demands/{demand_id}/matches", headers={"Authorization": f"Bearer {broker_token}"}
    )
    assert data.status_code == 200 and data.json["items"]


def test_match_permissions(app, client, corpus):
    with app.app_context():
        owner, uni, demand, result, patent = _world()
        other_enterprise = make_user("enterprise")
        other_uni = make_user("university")
        bureau = make_user("bureau")
        t_owner, t_other_ent, t_other_uni, t_bureau, t_uni = _tokens(
            owner, other_enterprise, other_uni, bureau, uni
        )
        ids = {"demand": demand.id, "result": result.id, "patent": patent.id}

    def get(url, token):
        return client.get(url, headers={"Authorization": f"Bearer {token}"} if token else {})

    assert get(f"/api/v1/demands/{ids['demand']}/matches", None).status_code == 401
    assert get(f"/api/v1/demands/{ids['demand']}/matches", t_other_ent).json["error"]["code"] == "forbidden"
    assert get(f"/api/v1/demands/{ids['demand']}/matches", t_uni).status_code == 403
    assert get(f"/api/v1/demands/{ids['demand']}/matches", t_bureau).status_code == 200
    assert get(f"/api/v1/results/{ids['result']}/matches", t_other_uni).status_code == 403
    assert get(f"/api/v1/results/{ids['result']}/matches", t_bureau).status_code == 403
    assert get(f"/api/v1/patents/{ids['patent']}/matches", t_owner).status_code == 403
    assert get(f"/api/v1/patents/{ids['patent']}/matches?limit=abc", t_uni).status_code == 200
    assert get("/api/v1/demands/999999/matches", t_bureau).json["error"]["code"] == "not_found"
    with app.app_context():
        login(client, other_uni)
    assert client.get(f"/search/matches/result/{ids['result']}").status_code == 403
    assert client.get("/search/matches/nonsense/1").status_code == 404


def test_partials_render_only_for_allowed_viewers(app, corpus):
    from flask import render_template_string
    from flask_login import login_user

    with app.app_context():
        owner, uni, demand, result, patent = _world()
        stranger = make_user("enterprise")
        for user, demand_visible, listing_visible in (
            (owner, True, False),
            (uni, False, True),
            (stranger, False, False),
        ):
            with app.test_request_context():
                login_user(user)
                html = render_template_string('{% include "search/_demand_matches.html" %}', demand=demand)
                assert ("匹配的科技成果与专利" in html) is demand_visible
                html = render_template_string('{% include "search/_listing_matches.html" %}', listing=result)
                assert ("与之匹配的企业技术需求" in html) is listing_visible


def test_new_matches_are_told_once_in_the_daily_digest(app, corpus):
    # Issue 15: no notice per match any more; the 08:00 digest reports each new pair once.
    from marketplace.common.timeutil import beijing_today
    from marketplace.search.digest import send_digests

    with app.app_context():
        owner, uni, demand, result, patent = _world(hide=False)
        assert db.session.scalar(select(func.count(Notice.id))) == 0
        send_digests(beijing_today())
        (digest,) = db.session.scalars(select(Notice).where(Notice.user_id == owner.id)).all()
        assert digest.kind == "match" and result.title in digest.body and patent.title in digest.body
        # An edit recomputes the matches but the next digest does not repeat them.
        result.abstract += "已在北方某电池厂试用。"
        db.session.commit()
        send_digests(beijing_today() + timedelta(days=1))
        assert db.session.scalar(select(func.count(Notice.id)).where(Notice.user_id == owner.id)) == 1
        # A new demand reaches the university's next digest.
        second = make_demand(make_org("enterprise"), **{**DEMAND_TEXT, "title": "寻求低温电解液添加剂"})
        send_digests(beijing_today() + timedelta(days=2))
        bodies = db.session.scalars(select(Notice.body).where(Notice.user_id == uni.id)).all()
        assert any(second.title in b for b in bodies)


def test_withdrawn_listing_leaves_the_stored_lists(app, corpus):
    with app.app_context():
        owner, uni, demand, result, patent = _world()
        result.status = "withdrawn"
        db.session.commit()
        assert not db.session.scalar(
            select(func.count(SearchMatch.id)).where(
                SearchMatch.target_kind == "result", SearchMatch.target_id == result.id
            )
        )
        demand.status = "withdrawn"
        db.session.commit()
        assert not db.session.scalar(
            select(func.count(SearchMatch.id)).where(
                SearchMatch.source_kind == "demand", SearchMatch.source_id == demand.id
            )
        )


def _row(source, target):
    return db.session.scalar(
        select(SearchMatch).where(
            SearchMatch.source_kind == source.kind,
            SearchMatch.source_id == source.id,
            SearchMatch.target_kind == target.kind,
            SearchMatch.target_id == target.id,
        )
    )


def _unmarked(html):
    return html.replace("<mark>", "").replace("</mark>", "")


def test_recomputed_lists_keep_unchanged_snippets_and_remake_changed_ones(corpus):
    owner, uni, demand, result, patent = _world()
    kept = _row(demand, result)
    kept.snippet = "保留的<mark>片段</mark>"
    _row(demand, patent).snippet = "旧的<mark>专利</mark>片段"
    db.session.commit()
    # The patent's text changes: the demand's list is recomputed because it holds the patent.
    patent.abstract = "含氟添加剂的低温电解液，零下二十度容量保持率高。"
    db.session.commit()
    db.session.expire_all()
    assert _row(demand, result).snippet == "保留的<mark>片段</mark>"  # same target, same terms
    remade = _row(demand, patent).snippet
    assert "旧的" not in remade and "<mark>" in remade and "零下二十度" in _unmarked(remade)
    # The result's own text changes: its snippet in the demand's list is made again.
    result.abstract = "新型含氟添加剂使锂离子电池低温电解液在零下二十度保持容量，已中试。"
    db.session.commit()
    db.session.expire_all()
    remade = _row(demand, result).snippet
    assert "保留的" not in remade and "<mark>" in remade and "已中试" in _unmarked(remade)

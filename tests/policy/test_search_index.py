"""Articles in the index: a rebuild keeps published ones only; the API's search lists listings only."""

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.search import gateway
from marketplace.search.models import SearchOutbox
from tests.policy.factories import make_article
from tests.search.factories import make_result
from tests.search.helpers import found


def test_a_rebuild_indexes_published_articles_and_leaves_out_the_rest(app_ctx):
    published = make_article(title="科技型中小企业研发费用加计扣除政策解读", body="研发费用加计扣除")
    make_article(status="draft", title="研发费用加计扣除草稿", body="研发费用加计扣除")
    make_article(status="withdrawn", title="研发费用加计扣除旧文", body="研发费用加计扣除")
    db.session.commit()
    gateway.rebuild()
    assert found("加计扣除") == [("article", published.id)]


def test_the_outbox_is_emptied_of_articles_without_matching_them(app_ctx):
    make_article(title="关于开展专利转化专项行动的通知")
    db.session.commit()
    gateway.sync()
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0


def test_the_api_search_lists_listings_only(app, client):
    with app.app_context():
        article = make_article(title="新型储能产业扶持政策", body="新型储能电站")
        result = make_result(title="新型储能电池管理系统", abstract="新型储能电站的电池管理")
        db.session.commit()
        ids = article.id, result.id
        site = found("新型储能")
    assert ("article", ids[0]) in site and ("result", ids[1]) in site
    body = client.get("/api/v1/search?q=新型储能").get_json()
    assert [(i["type"], i["id"]) for i in body["items"]] == [("result", ids[1])]
    assert "article" not in body["counts"] and body["counts"]["all"] == 1
    assert client.get("/api/v1/search?q=新型储能&type=article").get_json()["total"] == 1

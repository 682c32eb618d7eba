"""The demo articles: loaded once, with sources named, an attachment and links to listings."""

from sqlalchemy import func, select

from marketplace.demo.seed import DEMO_PASSWORD  # noqa: F401  (the demo's bureau login exists)
from marketplace.extensions import db
from marketplace.policy.demo import seed_demo_policy
from marketplace.policy.models import Article, ArticleAttachment
from tests.factories import make_user
from tests.search.factories import make_demand, make_result


def test_demo_articles_are_published_once(app_ctx):
    make_user("bureau", email="bureau@demo.sjz.cn")
    make_result(technology_field="新材料及其应用")
    make_demand(technology_field="生物、医药和医疗器械")
    assert seed_demo_policy(progress=lambda _m: None) == 6
    assert seed_demo_policy(progress=lambda _m: None) == 0
    articles = {a.title: a for a in db.session.scalars(select(Article))}
    assert len(articles) == 6 and all(a.is_public for a in articles.values())
    numbers = {a.document_number for a in articles.values()}
    assert {"国科发政字〔2000〕063号", "国科发政字〔2001〕253号", "石政发〔2016〕47号"} <= numbers
    assert {a.category for a in articles.values()} == {"regulation", "notice", "interpretation"}
    roadshow = next(a for a in articles.values() if "路演" in a.title)
    assert {link.kind for link in roadshow.links} == {"result", "demand"}
    assert db.session.scalar(select(func.count(ArticleAttachment.id))) == 1

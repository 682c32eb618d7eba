"""Articles: drafts, publication, edits and withdrawal, with the audit trail and the search index."""

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.common.audit import AuditLog
from marketplace.common.errors import PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.policy import services
from marketplace.policy.markdown import plain_text, render_markdown
from marketplace.policy.models import Article
from marketplace.policy.services import ArticleInput
from marketplace.search.models import SearchMatch
from tests.factories import make_user
from tests.search.factories import make_demand, make_result
from tests.search.helpers import found


def _input(**kw) -> ArticleInput:
    values = {
        "category": "notice",
        "title": "关于征集氢燃料电池示范项目的通知",
        "issuer": "石家庄市科学技术局",
        "published_on": date(2026, 12, 1),
        "body": "请各单位申报**氢燃料电池**示范项目。",
    }
    return ArticleInput(**{**values, **kw})


def test_a_draft_is_not_searchable_until_published_and_leaves_on_withdrawal(app_ctx):
    bureau = make_user("bureau")
    article = services.create_article(bureau, _input())
    db.session.commit()
    assert article.status == "draft"
    assert ("article", article.id) not in found("氢燃料电池")

    services.publish_article(bureau, article)
    db.session.commit()
    assert ("article", article.id) in found("氢燃料电池")
    assert ("article", article.id) in found("氢燃料电池", type="article")
    assert found("氢燃料电池", type="result") == []

    services.update_article(bureau, article, _input(title="关于知识产权质押融资的通知", body="质押融资"))
    db.session.commit()
    assert ("article", article.id) in found("质押融资")
    assert ("article", article.id) not in found("氢燃料电池")

    services.withdraw_article(bureau, article)
    db.session.commit()
    assert ("article", article.id) not in found("质押融资")
    actions = db.session.scalars(
        select(AuditLog.action).where(
            AuditLog.object_type == "policy_articles", AuditLog.object_id == article.id
        )
    ).all()
    assert actions == ["policy.create", "policy.publish", "policy.update", "policy.withdraw"]


def test_articles_never_become_match_candidates(app_ctx):
    """An article sharing every word of a demand is found by the search but never matched."""
    bureau = make_user("bureau")
    text = "高镍三元正极材料包覆改性技术，提高锂离子电池循环寿命"
    article = services.create_article(
        bureau, _input(title="高镍三元正极材料包覆改性技术支持政策", body=text), publish=True
    )
    db.session.commit()
    result = make_result(title="高镍三元正极材料包覆改性", abstract=text)
    demand = make_demand(title="寻求高镍三元正极材料包覆改性技术", description=text)
    targets = db.session.execute(
        select(SearchMatch.target_kind, SearchMatch.target_id).where(
            SearchMatch.source_kind == "demand", SearchMatch.source_id == demand.id
        )
    ).all()
    assert ("result", result.id) in targets  # matching works for the demand…
    assert all(kind != "article" for kind, _ in targets)  # …and ignores the article
    assert db.session.scalar(select(SearchMatch.id).where(SearchMatch.source_kind == "article")) is None
    assert ("article", article.id) in found("高镍三元正极材料")


def test_only_the_bureau_writes_articles(app_ctx):
    enterprise = make_user("enterprise")
    with pytest.raises(PermissionDenied):
        services.create_article(enterprise, _input())
    article = services.create_article(make_user("bureau"), _input(), publish=True)
    with pytest.raises(PermissionDenied):
        services.withdraw_article(enterprise, article)


def test_withdrawing_twice_and_publishing_twice_are_refused(app_ctx):
    bureau = make_user("bureau")
    article = services.create_article(bureau, _input(), publish=True)
    with pytest.raises(ValidationError):
        services.publish_article(bureau, article)
    services.withdraw_article(bureau, article)
    with pytest.raises(ValidationError):
        services.withdraw_article(bureau, article)


def test_links_must_point_at_public_listings(app_ctx):
    bureau = make_user("bureau")
    draft = make_result(status="draft")
    with pytest.raises(ValidationError, match="不存在或未公开"):
        services.create_article(bureau, _input(links=[("result", draft.id)]))
    with pytest.raises(ValidationError):
        services.parse_link_text("https://example.com/somewhere")
    result = make_result()
    assert services.parse_link_text(f"https://x.cn/results/{result.id}\n/results/{result.id}") == [
        ("result", result.id)
    ]


def test_a_linked_demand_keeps_its_hidden_name(app_ctx):
    bureau = make_user("bureau")
    owner = make_user("enterprise")
    owner.organisation.name = "保密制药有限公司"
    demand = make_demand(owner.organisation, hide_name=True)
    article = services.create_article(bureau, _input(links=[("demand", demand.id)]), publish=True)
    public = services.linked_listings(article, make_user("university"))
    assert [item["org_name"] for item in public] == ["某企业"]
    assert [item["org_name"] for item in services.linked_listings(article, bureau)] == ["保密制药有限公司"]
    demand.status = "withdrawn"
    assert services.linked_listings(article, bureau) == []


def test_markdown_keeps_structure_and_drops_html_images_and_script_links():
    html = str(
        render_markdown(
            "# 总则\n\n- 第一条 **重点**\n\n| 类别 | 说明 |\n|---|---|\n| 技术开发 | 委托、合作 |\n\n"
            "[依据](https://www.most.gov.cn/) [坏](javascript:alert(1)) ![图](https://x.cn/a.png)\n\n"
            '<script>alert(1)</script><img src=x onerror="alert(1)"><a href="javascript:alert(2)">x</a>'
        )
    )
    assert "<h2>总则</h2>" in html and "<li>" in html and "<strong>重点</strong>" in html
    assert "<table>" in html and "<td>技术开发</td>" in html
    assert '<a href="https://www.most.gov.cn/" rel="noopener noreferrer nofollow">依据</a>' in html
    assert "<script" not in html and "<img" not in html and '<a href="javascript' not in html
    assert "&lt;script&gt;" in html  # raw HTML is shown as text, never rendered
    assert plain_text("## 标题\n\n**加粗** 正文") == "标题\n加粗 正文"


def test_public_list_filters_by_category_and_validity(app_ctx):
    bureau = make_user("bureau")
    services.create_article(
        bureau, _input(category="regulation", validity="repealed", title="旧办法"), publish=True
    )
    services.create_article(bureau, _input(category="regulation", title="新办法"), publish=True)
    services.create_article(bureau, _input(title="未发布的通知"))
    titles = lambda **kw: [a.title for a in db.session.scalars(services.public_articles(**kw))]  # noqa: E731
    assert sorted(titles(category="regulation")) == ["新办法", "旧办法"]
    assert titles(category="regulation", validity="repealed") == ["旧办法"]
    assert "未发布的通知" not in titles()
    assert db.session.scalar(select(Article).where(Article.title == "未发布的通知")).status == "draft"

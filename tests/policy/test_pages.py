"""The public pages, the home page block, the search page and the bureau's editor."""

from datetime import date

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.policy.models import Article
from tests.factories import login, make_user
from tests.policy.factories import make_article


def test_list_filters_paginates_and_says_when_empty(app, client):
    assert "暂无政策通知" in client.get("/policy/").get_data(as_text=True)
    with app.app_context():
        for n in range(17):
            make_article(title=f"通知第{n}号", published_on=date(2026, 1, 1 + n))
        make_article(category="regulation", validity="repealed", title="已废止的办法")
        make_article(status="draft", title="还没发布的草稿")
        db.session.commit()
    first = client.get("/policy/").get_data(as_text=True)
    assert "通知第16号" in first and "还没发布的草稿" not in first
    assert "通知第0号" not in first and "下一页" in first
    assert "通知第0号" in client.get("/policy/?page=2").get_data(as_text=True)
    repealed = client.get("/policy/?category=regulation&validity=repealed").get_data(as_text=True)
    assert "已废止的办法" in repealed and "通知第1号" not in repealed
    empty = client.get("/policy/?category=interpretation").get_data(as_text=True)
    assert "没有符合条件的文章" in empty


def test_article_page_renders_markdown_and_hides_drafts(app, client):
    with app.app_context():
        article = make_article(
            document_number="石政发〔2016〕47号", body="# 第一章 总则\n\n<script>alert(1)</script>"
        )
        draft = make_article(status="draft", title="内部草稿")
        bureau = make_user("bureau")
        db.session.commit()
        ids = article.id, draft.id
    page = client.get(f"/policy/{ids[0]}").get_data(as_text=True)
    assert "<h2>第一章 总则</h2>" in page and "石政发〔2016〕47号" in page
    assert "<script>alert(1)</script>" not in page
    assert client.get(f"/policy/{ids[1]}").status_code == 404
    with app.app_context():
        login(client, bureau)
    assert "只有科技局可以看到" in client.get(f"/policy/{ids[1]}").get_data(as_text=True)


def test_home_page_shows_the_latest_notices(app, client):
    with app.app_context():
        make_article(title="关于2026年度技术合同登记工作的通知")
        make_article(status="withdrawn", title="撤回的通知")
        db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert "关于2026年度技术合同登记工作的通知" in home and "撤回的通知" not in home


def test_search_page_has_an_article_tab(app, client):
    with app.app_context():
        bureau = make_user("bureau")
        db.session.commit()
        login(client, bureau)
    client.post(
        "/bureau/policy/new",
        data={
            "category": "interpretation",
            "title": "技术合同认定规则解读",
            "issuer": "石家庄市科学技术局",
            "published_on": "2026-11-30",
            "validity": "current",
            "body": "技术交易额的核定方法",
            "action": "publish",
        },
    )
    with app.app_context():
        article_id = db.session.scalar(select(Article.id))
    page = client.get("/search/?q=技术交易额&type=article").get_data(as_text=True)
    assert f'href="/policy/{article_id}"' in page
    assert "政策解读 · 石家庄市科学技术局" in page  # the article's own line, not a listing's
    results_tab = client.get("/search/?q=技术交易额&type=result").get_data(as_text=True)
    assert f'href="/policy/{article_id}"' not in results_tab


def test_the_form_keeps_what_was_typed_and_says_what_to_fix(app, client):
    with app.app_context():
        bureau = make_user("bureau")
        db.session.commit()
        login(client, bureau)
    response = client.post(
        "/bureau/policy/new",
        data={
            "category": "notice",
            "title": "我写了一半的标题",
            "issuer": "",
            "published_on": "昨天",
            "body": "正文",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "我写了一半的标题" in page and "请填写发布机关" in page and "请修改以下内容" in page
    with app.app_context():
        assert db.session.scalar(select(Article.id)) is None


def test_bureau_publishes_edits_and_withdraws(app, client):
    with app.app_context():
        bureau = make_user("bureau")
        db.session.commit()
        login(client, bureau)
    created = client.post(
        "/bureau/policy/new",
        data={
            "category": "notice",
            "title": "关于开展科技成果路演的通知",
            "issuer": "石家庄市科学技术局",
            "published_on": "2026-12-01",
            "validity": "current",
            "body": "报名方式见附件。",
            "action": "save",
        },
    )
    assert created.status_code == 302
    with app.app_context():
        article_id = db.session.scalar(select(Article.id))
    assert client.get(f"/policy/{article_id}").status_code == 200  # the bureau sees its draft
    client.post(f"/bureau/policy/{article_id}/publish", follow_redirects=True)
    anon = app.test_client()
    assert anon.get(f"/policy/{article_id}").status_code == 200
    client.post(f"/bureau/policy/{article_id}/withdraw", data={"next": "manage"})
    assert anon.get(f"/policy/{article_id}").status_code == 404
    manage = client.get("/bureau/policy").get_data(as_text=True)
    assert "已撤回" in manage and "关于开展科技成果路演的通知" in manage


def test_withdrawal_asks_first_and_bad_links_are_explained(app, client):
    with app.app_context():
        bureau = make_user("bureau")
        article = make_article()
        db.session.commit()
        login(client, bureau)
        article_id = article.id
    edit = client.get(f"/bureau/policy/{article_id}/edit").get_data(as_text=True)
    assert f'action="/bureau/policy/{article_id}/withdraw"' in edit and "data-confirm=" in edit
    response = client.post(
        f"/bureau/policy/{article_id}/edit",
        data={
            "category": "notice",
            "title": "改过的标题",
            "issuer": "石家庄市科学技术局",
            "published_on": "2026-11-20",
            "validity": "current",
            "links": "/results/999999\n随便写的",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "无法识别的关联地址：随便写的" in page and "改过的标题" in page
    with app.app_context():
        assert db.session.get(Article, article_id).title != "改过的标题"

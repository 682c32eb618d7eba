"""Policy and notices with English chosen: the list, an article, the bureau's editor, its messages."""

import io
from datetime import date

from marketplace.extensions import db
from marketplace.policy.models import Article
from tests.english import assert_english
from tests.english import choose_english as english
from tests.factories import login, make_org, make_user
from tests.policy.factories import PDF, make_article


def _bureau():
    return make_user(org=make_org("bureau", name="Municipal Bureau"), name="Bureau Officer")


def _article(**kw) -> Article:
    values = {
        "title": "Notice on Technology Contract Registration",
        "issuer": "Municipal Bureau of Science and Technology",
        "document_number": "SB [2026] No. 7",
        "published_on": date(2026, 11, 20),
        "body": "## Goals\n\nRegister every **technology contract**.",
        **kw,
    }
    article = make_article(**values)
    db.session.commit()
    return article


def test_the_policy_list_and_an_article_are_english(app, client):
    with app.app_context():
        article_id = _article().id
        _article(title="Draft Rules", status="draft")
    english(client)
    listing = client.get("/policy/").get_data(as_text=True)
    assert "Notice on Technology Contract Registration" in listing and "Draft Rules" not in listing
    assert "In force" in listing and "Notices" in listing and "All sections" in listing
    assert_english(listing)
    assert_english(client.get("/policy/?category=regulation").get_data(as_text=True))
    page = client.get(f"/policy/{article_id}").get_data(as_text=True)
    assert "Issued by" in page and "Document number" in page and "<h3>Goals</h3>" in page
    assert_english(page)


def test_the_bureaus_editor_and_its_messages_are_english(app, client):
    with app.app_context():
        bureau = _bureau()
        article_id = _article().id
        draft_id = _article(title="Draft Rules", status="draft").id
        login(client, bureau)
    english(client)
    assert_english(client.get("/bureau/policy").get_data(as_text=True))
    assert_english(client.get("/bureau/policy/new").get_data(as_text=True))
    form = client.get(f"/bureau/policy/{article_id}/edit").get_data(as_text=True)
    assert "Attachments" in form and "Withdraw article" in form and "Published" in form
    assert_english(form)
    refused = client.post(
        f"/bureau/policy/{article_id}/edit",
        data={
            "category": "notice",
            "title": "",
            "issuer": "Municipal Bureau of Science and Technology",
            "published_on": "2026-11-20",
            "validity": "current",
            "links": "not-an-address",
        },
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Enter a title" in page and "Unrecognised address: not-an-address" in page
    assert "Municipal Bureau of Science and Technology" in page  # what was typed is kept
    assert_english(page)
    upload = client.post(
        f"/bureau/policy/{article_id}/files",
        data={"file": (io.BytesIO(b"not a pdf"), "rules.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "The file is not a PDF, DOCX or XLSX document" in upload.get_data(as_text=True)
    assert_english(upload.get_data(as_text=True))
    done = client.post(
        f"/bureau/policy/{article_id}/files",
        data={"file": (io.BytesIO(PDF), "rules.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Attachment uploaded" in done.get_data(as_text=True)
    assert_english(done.get_data(as_text=True))
    published = client.post(f"/bureau/policy/{draft_id}/publish", follow_redirects=True)
    assert "Published; the public can now see it" in published.get_data(as_text=True)
    assert_english(published.get_data(as_text=True))


def test_chinese_pages_are_unchanged(app, client):
    with app.app_context():
        article_id = _article(title="关于开展技术合同登记工作的通知", issuer="石家庄市科学技术局").id
    page = client.get(f"/policy/{article_id}").get_data(as_text=True)
    assert "发布机关" in page and "现行有效" in page and "通知公告" in page
    listing = client.get("/policy/").get_data(as_text=True)
    assert "政策法规 · 通知公告 · 政策解读" in listing and "全部栏目" in listing

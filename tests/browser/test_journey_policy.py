"""Journey: the bureau publishes a notice with an attachment; the public page shows it, the file
downloads, and the site search finds it. Screenshots (1280 and 390 wide) go to POLICY_SCREENSHOTS
when set; the phone pages must not scroll sideways.
"""

import os
from pathlib import Path

import pytest

from tests.browser.helpers import follow, horizontal_overflow, login, open_session
from tests.factories import make_user
from tests.policy.factories import docx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.committing]
SHOTS = os.environ.get("POLICY_SCREENSHOTS")


def _shot(page, browser, name) -> int:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}-1280.png", full_page=True)
    phone = open_session(browser, width=390, height=844, mobile=True)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(page.url)
    if SHOTS:
        phone.screenshot(path=f"{SHOTS}/{name}-390.png", full_page=True)
    overflow = horizontal_overflow(phone)
    phone.context.close()
    return overflow


def test_bureau_publishes_a_notice_that_the_public_reads_downloads_and_finds(
    app, live_server, browser, tmp_path
):
    with app.app_context():
        make_user("bureau", email="policy@example.cn")
        from marketplace.extensions import db

        db.session.commit()
    guide = tmp_path / "申报指南.docx"
    guide.write_bytes(docx_bytes())
    fake = tmp_path / "伪装.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")

    bureau = open_session(browser)
    login(bureau, live_server, "policy@example.cn")
    follow(bureau, "nav >> text=政策")
    follow(bureau, "text=发布管理")
    follow(bureau, "text=新建文章")
    bureau.select_option("#category", "notice")
    bureau.fill("#title", "关于征集氢能装备首台套示范项目的通知")
    bureau.fill("#issuer", "石家庄市科学技术局")
    bureau.fill("#published_on", "2026-12-03")
    bureau.fill(
        "#body", "## 申报条件\n\n- 在石家庄市注册的企业\n- 具有**氢能装备**自主知识产权\n\n详见附件。"
    )
    assert _shot(bureau, browser, "1-form") <= 0
    follow(bureau, "button:has-text('保存草稿')")
    bureau.wait_for_selector("text=草稿已保存")

    bureau.set_input_files("#file", str(fake))
    follow(bureau, "#attachments button:has-text('上传')")
    assert "不是 PDF、DOCX 或 XLSX" in bureau.content()
    bureau.set_input_files("#file", str(guide))
    follow(bureau, "#attachments button:has-text('上传')")
    bureau.wait_for_selector("text=附件已上传")
    assert _shot(bureau, browser, "2-edit") <= 0
    follow(bureau, "button:has-text('发布文章')")  # the confirmation dialog is accepted
    bureau.wait_for_selector("text=已发布")
    article_url = bureau.locator("a:has-text('查看公开页面')").get_attribute("href")
    assert bureau.js_errors == []

    public = open_session(browser)
    public.goto(f"{live_server}/policy/")
    assert _shot(public, browser, "3-list") <= 0
    follow(public, "text=关于征集氢能装备首台套示范项目的通知")
    assert public.url.endswith(article_url)
    assert public.locator(".article-body h3").inner_text() == "申报条件"
    assert _shot(public, browser, "4-article") <= 0
    with public.expect_download() as info:
        public.click("#attachments a:has-text('申报指南.docx')")
    download = info.value
    assert download.suggested_filename == "申报指南.docx"
    assert Path(download.path()).read_bytes()[:4] == b"PK\x03\x04"

    public.goto(f"{live_server}/")
    assert "关于征集氢能装备首台套示范项目的通知" in public.locator("#home-policy").inner_text()
    public.goto(f"{live_server}/search/?q=氢能装备")
    hit = public.locator("main article", has=public.locator(f"a[href='{article_url}']"))
    assert hit.count() == 1
    assert "政策通知" in hit.inner_text()
    assert _shot(public, browser, "5-search") <= 0
    assert public.js_errors == []

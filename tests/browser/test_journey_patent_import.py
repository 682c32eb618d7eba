"""Journey of issue 16: a transfer office uploads its CNIPA export, fixes one column, sees full patent pages.

The export has a title row above the header and a column named in a way no table knows (专利题目);
the preview says the title is missing, the user maps that column to 专利名称, re-previews, imports,
and opens a patent page with its type, dates, legal status, remaining term, people and IPC codes.
Set PATENT_SHOTS=/some/dir to keep desktop and phone screenshots of the preview and patent page.
"""

import os
import re
from pathlib import Path

import pytest

from tests.browser.helpers import follow, horizontal_overflow, login, open_session
from tests.factories import make_org, make_user
from tests.listings import patent_exports as ex

pytestmark = [pytest.mark.browser, pytest.mark.committing]
SHOTS = os.environ.get("PATENT_SHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_upload_cnipa_export_change_a_mapping_import_and_open_a_patent(app, live_server, browser, tmp_path):
    with app.app_context():
        make_user(org=make_org("university", name="河北科技大学"), email="tto@hebust.example.cn")
    rows = ex.cnipa_rows()
    rows[2][5] = "专利题目"  # the 发明名称 column, under a name the header table does not know
    upload = tmp_path / "专利检索结果.xlsx"
    upload.write_bytes(ex.as_xlsx(rows))

    page = open_session(browser)
    login(page, live_server, "tto@hebust.example.cn")
    page.goto(f"{live_server}/my/listings/import")
    page.select_option("#kind", "patent")
    page.set_input_files("#file", str(upload))
    follow(page, "main button[type=submit]")
    assert re.search(r"/my/listings/import/\d+/preview$", page.url)
    assert "国家知识产权局" in page.inner_text("#detected-layout")
    assert "名称" in page.inner_text("#preview-errors") and page.is_disabled("#do-import")
    # The user maps the unknown column to the title and re-previews.
    page.select_option("select[data-header='专利题目']", "title")
    follow(page, "button[name=action][value=preview] >> nth=0")
    assert page.inner_text("#error-count") == "0" and not page.is_disabled("#do-import")
    assert page.locator("select[data-header='专利题目']").input_value() == "title"
    assert "一种高镍三元锂离子电池正极材料的制备方法" in page.inner_text("#preview-rows")
    _shot(page, "preview-desktop")
    phone = open_session(browser, width=390, height=844, mobile=True)
    login(phone, live_server, "tto@hebust.example.cn")
    phone.goto(page.url)
    assert horizontal_overflow(phone) <= 0
    _shot(phone, "preview-phone")

    follow(page, "#do-import")
    page.wait_for_selector("#import-job[data-finished=true]", timeout=60_000)
    assert "已导入 4 条" in page.inner_text("#import-job")

    page.goto(f"{live_server}/my/listings?kind=patent")
    follow(page, "a:has-text('一种高镍三元锂离子电池正极材料的制备方法')")
    facts = page.inner_text(".patent-facts")
    for expected in (
        "发明（发明授权）",
        "CN110098765B",
        "2019-05-08",
        "有效（授权）",
        "剩余约",
        "河北科技大学；石家庄新能电池有限公司",
        "王建国；李晓明；张丽",
        "H01M 4/505",
        "H01M 10/0525",
    ):
        assert expected in facts, expected
    assert "本发明公开了一种高镍三元正极材料" in page.inner_text("main")
    assert page.js_errors == []
    _shot(page, "patent-desktop")
    phone.goto(page.url)
    assert horizontal_overflow(phone) <= 0
    _shot(phone, "patent-phone")
    assert phone.js_errors == []
    phone.context.close()
    page.context.close()

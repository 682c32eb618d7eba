"""Checking a page is English: no Han character inside <main id="main"> (the shared chrome is checked
by its owners). Used by the events and the policy tests."""

import re

from marketplace.common.domain import TECHNOLOGY_FIELDS
from marketplace.common.i18n import TRANSLATIONS_DIR, load_catalogues

HAN = re.compile(r"[\u4e00-\u9fff]")
# Text of the shared macros (templates/macros, owned by the core helper) that is still Chinese in this
# branch: the pager's count, the form error summary's heading and the flash message's close button
# (base.html). Remove once the core area is merged.
SHARED_MACROS = (
    re.compile(r"共 \d+ 条(，第 \d+/\d+ 页)?"),
    re.compile("请修改以下内容后重新提交："),
    re.compile('aria-label="关闭"'),
)
ENGLISH = load_catalogues(TRANSLATIONS_DIR, "en")._catalog


def untranslated_elsewhere() -> list[str]:
    """Code-list labels another area owns (technology fields), while they still lack English.

    Once their owner translates them, they are checked like everything else.
    """
    return [label for label in TECHNOLOGY_FIELDS if label not in ENGLISH]


def main_of(page: str) -> str:
    """The <main id="main"> element of a page (markup and attributes), without the shared macros' text.

    Form values (`value="..."`) are codes sent back to the server, not interface text.
    """
    found = re.search(r'<main id="main".*?</main>', page, re.S)
    assert found, "no <main id=main> on the page"
    text = re.sub(r'value="[^"]*"', "", found.group(0))
    for pattern in SHARED_MACROS:
        text = pattern.sub("", text)
    for label in untranslated_elsewhere():
        text = text.replace(f">{label}<", "><")
    return text


def assert_english(page: str) -> None:
    """No Han character in the page's <main> element, its attributes included."""
    main = main_of(page)
    left = sorted({m.group(0) for m in re.finditer(r"[^<>]{0,20}[\u4e00-\u9fff]+[^<>]{0,20}", main)})
    assert not left, f"Chinese left inside <main>: {left[:10]}"


def english(client) -> None:
    """Choose English, as the switch in the top bar does."""
    response = client.post("/language", data={"language": "en"})
    assert response.status_code == 302

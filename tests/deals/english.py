"""Helpers for the English-interface tests of deals and brokers: the page's <main>, and its Han text.

Text from other areas' shared partials and code lists (the pager, the form-error summary, region,
technology-field and organisation-type labels) is still Chinese in this branch until those areas'
catalogues are merged, so it is left out of the check; everything this area renders is checked.
"""

import re

from marketplace.common.domain import ORG_TYPES, REGIONS, TECHNOLOGY_FIELDS
from marketplace.organisations.models import VERIFICATION_STATES

HAN = re.compile(r"[\u4e00-\u9fff]")
MAIN = re.compile(r'<main id="main"[^>]*>(.*)</main>', re.S)

# Rendered inside <main> by partials and labels owned by other areas (see the module docstring).
OTHER_AREAS = sorted(
    {
        "请修改以下内容后重新提交",
        "上一页",
        "下一页",
        "分页",
        "关闭",
        "万元",
        "亿元",
        *TECHNOLOGY_FIELDS,
        *REGIONS.values(),
        *ORG_TYPES.values(),
        *VERIFICATION_STATES.values(),
    },
    key=len,
    reverse=True,
)
PAGER = re.compile(r"共 \d+ 条(，第 \d+/\d+ 页)?")
VALUE = re.compile(r'\svalue="[^"]*"')


def main_of(page: str) -> str:
    found = MAIN.search(page)
    assert found, "the page has no <main id=main>"
    return found.group(1)


def chinese_left(page: str) -> list[str]:
    """The Han text left in the page's <main> (markup and attributes included), other areas' aside."""
    # A value="..." is form data (codes such as 未分类, or what the user typed), not interface text.
    html = VALUE.sub("", PAGER.sub("", main_of(page)))
    for text in OTHER_AREAS:
        html = html.replace(text, "")
    return sorted({match.group(0) for match in re.finditer(r"[^<>\"]*[\u4e00-\u9fff][^<>\"]*", html)})


def choose_english(client) -> None:
    assert client.post("/language", data={"language": "en"}).status_code == 302

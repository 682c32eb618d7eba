"""Search results and stored matches in the API."""

from pydantic import Field

from marketplace.api.schemas.base import ApiModel, Id, Text, choice, integer, text

KINDS = ["patent", "result", "demand"]


class MatchedTerm(ApiModel):
    term: Text
    fields: list[choice(["title", "keywords", "body"])]


class SearchOrganisation(ApiModel):
    """隐藏名称的需求为 {"id": null, "name": "某企业"}"""

    id: Id | None
    name: Text


class SearchItem(ApiModel):
    REQUIRED = ("type", "id", "title", "score", "snippet", "matched_terms", "organisation", "url")

    type: choice(KINDS)
    id: Id
    title: Text
    score: float | None = Field(
        description="匹配度 0–1：与来源同领域的把握（校准见 bench/README.md），页面显示为其 100 倍；只返回达到阈值的匹配（检索结果为 null）"
    )
    snippet: text(None, description="已转义的摘要片段，命中的整词以 <mark> 标出")
    matched_terms: list[MatchedTerm]
    organisation: SearchOrganisation
    url: Text
    publication_number: text(None, description="仅专利") | None = None


class SearchCounts(ApiModel):
    all: integer(0)
    patent: integer(0)
    result: integer(0)
    demand: integer(0)


class SearchResults(ApiModel):
    REQUIRED = ("total", "items")

    total: integer(0)
    page: integer(1)
    per_page: integer(1)
    counts: SearchCounts
    items: list[SearchItem]


class Matches(ApiModel):
    items: list[SearchItem]


def search_query(sorts):
    """The query arguments of /search that pick from a list: a value outside it is ignored.

    Like the search page, the API answers a search with an unknown filter or sort as if it were
    not given (a link someone pasted must still give results), so the document lists the values
    it understands without refusing others.
    """

    def picked(values, what: str):
        listed = "、".join(values)
        return text(None, description=f"{what}：{listed}；其他值视为未指定") | None

    class SearchQuery(ApiModel):
        type: picked(KINDS, "类型") = None
        ipc: picked(list("ABCDEFGH"), "IPC 部") = None
        sort: picked(list(sorts), "排序") = None

    return SearchQuery

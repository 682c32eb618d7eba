"""Search and stored matches over the API (documented in the OpenAPI file)."""

from flask import jsonify, request
from flask_login import current_user

from marketplace.api.core import bp, query_args, token_required
from marketplace.api.openapi import add_paths, id_param, operation
from marketplace.api.schemas.base import dump
from marketplace.api.schemas.search import Matches, SearchResults, search_query
from marketplace.common.errors import json_error
from marketplace.common.security import accepts_any_query_text
from marketplace.common.validators import plain_int
from marketplace.search import match_lists, services

SearchQuery = search_query(services.SORTS)


@bp.route("/search")
@accepts_any_query_text
def search():
    query_args(SearchQuery)
    params = services.parse_search_args(request.args, per_page_default=20)
    # The API lists listings; articles are read on the site.
    outcome = services.search(params, current_user, kinds=services.KINDS)
    return jsonify(
        dump(
            SearchResults,
            {
                "total": outcome.page.total,
                "page": params.page,
                "per_page": params.per_page,
                "counts": outcome.counts,
                "items": [services.api_item(i) for i in outcome.page.items],
            },
        )
    )


def _limit() -> int:
    limit = plain_int(request.args.get("limit", ""))
    return 10 if limit is None else max(1, min(limit, 50))


def _matches(kind: str, obj_id: int):
    obj = services.get_listing(kind, obj_id, current_user)
    if not services.may_see_matches(current_user, obj):
        return json_error(403, "forbidden", f"只有{services.MATCH_VIEWERS[kind]}可以查看匹配结果")
    items = match_lists.stored_matches(obj, current_user, limit=_limit(), check=False)
    return jsonify(dump(Matches, {"items": [services.api_item(i) for i in items]}))


@bp.route("/demands/<int:id>/matches")
@token_required()
def demand_matches(id: int):
    return _matches("demand", id)


@bp.route("/results/<int:id>/matches")
@token_required()
def result_matches(id: int):
    return _matches("result", id)


@bp.route("/patents/<int:id>/matches")
@token_required()
def patent_matches(id: int):
    return _matches("patent", id)


def _lenient(kind: str, description: str, **limits) -> dict:
    """A number in the query; like the search page, one that is not a number is ignored."""
    return {
        "description": description,
        "schema": {
            "anyOf": [{"type": kind, **limits}, {"type": "string", "description": "其他取值不作筛选"}]
        },
    }


_TEXT = {"schema": {"type": "string"}}
_LIMIT = {"name": "limit", "in": "query", **_lenient("integer", "条数，默认 10，超出 1–50 按边界处理")}


def _match_op(summary: str) -> dict:
    return {
        "get": operation(
            summary,
            params=[id_param("id"), _LIMIT],
            response=Matches,
            response_description="已存储的匹配结果，按相关度排序",
            errors=(403, 404),
        )
    }


add_paths(
    {
        "/api/v1/search": {
            "get": operation(
                "检索已发布的专利、科技成果和技术需求",
                public=True,
                query=SearchQuery,
                params=[
                    {
                        "name": "q",
                        "in": "query",
                        "description": "检索词；超过 5000 字时只用前 5000 字",
                        "schema": {"type": "string"},
                    },
                    {"name": "page", "in": "query", **_lenient("integer", "页码", minimum=1)},
                    {
                        "name": "per_page",
                        "in": "query",
                        **_lenient("integer", "每页条数", minimum=1, maximum=50),
                    },
                    {"name": "field", "in": "query", "description": "技术领域", **_TEXT},
                    {"name": "patent_type", "in": "query", **_TEXT},
                    {"name": "legal_status", "in": "query", **_TEXT},
                    {
                        "name": "maturity",
                        "in": "query",
                        **_lenient("integer", "技术成熟度", minimum=1, maximum=9),
                    },
                    {"name": "price_min", "in": "query", **_lenient("integer", "万元")},
                    {"name": "price_max", "in": "query", **_lenient("integer", "万元")},
                    {"name": "region", "in": "query", "description": "行政区划代码", **_TEXT},
                ],
                response=SearchResults,
                response_description="检索结果",
            )
        },
        "/api/v1/demands/{id}/matches": _match_op(
            "需求匹配的科技成果和专利（需求发布单位、经认证的技术经纪机构、科技局）"
        ),
        "/api/v1/results/{id}/matches": _match_op("与科技成果匹配的技术需求（成果发布单位）"),
        "/api/v1/patents/{id}/matches": _match_op("与专利匹配的技术需求（专利发布单位）"),
    }
)

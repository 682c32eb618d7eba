"""Search and stored matches over the API (documented in the OpenAPI file)."""

from flask import jsonify, request
from flask_login import current_user

from marketplace.api.core import bp, token_required
from marketplace.api.openapi import FEATURE_PARTS, error_responses
from marketplace.common.errors import json_error
from marketplace.common.security import accepts_any_query_text
from marketplace.common.validators import plain_int
from marketplace.search import services


@bp.route("/search")
@accepts_any_query_text
def search():
    params = services.parse_search_args(request.args, per_page_default=20)
    outcome = services.search(params, current_user)
    return jsonify(
        {
            "total": outcome.page.total,
            "page": params.page,
            "per_page": params.per_page,
            "counts": outcome.counts,
            "items": [services.api_item(i) for i in outcome.page.items],
        }
    )


def _limit() -> int:
    limit = plain_int(request.args.get("limit", ""))
    return 10 if limit is None else max(1, min(limit, 50))


def _matches(kind: str, obj_id: int):
    obj = services.get_listing(kind, obj_id, current_user)
    if not services.may_see_matches(current_user, obj):
        return json_error(403, "forbidden", f"只有{services.MATCH_VIEWERS[kind]}可以查看匹配结果")
    items = services.stored_matches(obj, current_user, limit=_limit(), check=False)
    return jsonify({"items": [services.api_item(i) for i in items]})


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


_ITEM = {
    "type": "object",
    "required": ["type", "id", "title", "score", "snippet", "matched_terms", "organisation", "url"],
    "properties": {
        "type": {"type": "string", "enum": ["patent", "result", "demand"]},
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "score": {"type": "number", "nullable": True, "description": "匹配度 0–1（检索结果为 null）"},
        "snippet": {"type": "string", "description": "已转义的摘要片段，命中的整词以 <mark> 标出"},
        "matched_terms": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "term": {"type": "string"},
                    "fields": {
                        "type": "array",
                        "items": {"type": "string", "enum": ["title", "keywords", "body"]},
                    },
                },
            },
        },
        "organisation": {
            "type": "object",
            "description": '隐藏名称的需求为 {"id": null, "name": "某企业"}',
            "properties": {"id": {"type": "integer", "nullable": True}, "name": {"type": "string"}},
        },
        "url": {"type": "string"},
        "publication_number": {"type": "string", "nullable": True, "description": "仅专利"},
    },
}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_LIMIT = {
    "name": "limit",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
}
_MATCHES = {
    "200": {
        "description": "已存储的匹配结果，按相关度排序",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/SearchItem"}}
                    },
                }
            }
        },
    },
    **error_responses(401, 403, 404),
}


def _match_op(summary: str) -> dict:
    return {"get": {"summary": summary, "parameters": [_ID, _LIMIT], "responses": _MATCHES}}


FEATURE_PARTS.append(
    {
        "paths": {
            "/api/v1/search": {
                "get": {
                    "summary": "检索已发布的专利、科技成果和技术需求",
                    "security": [],
                    "parameters": [
                        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 5000}},
                        {
                            "name": "type",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["patent", "result", "demand"]},
                        },
                        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                        {
                            "name": "per_page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 50},
                        },
                        {
                            "name": "field",
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": "技术领域",
                        },
                        {
                            "name": "ipc",
                            "in": "query",
                            "schema": {"type": "string", "enum": list("ABCDEFGH")},
                        },
                        {"name": "patent_type", "in": "query", "schema": {"type": "string"}},
                        {"name": "legal_status", "in": "query", "schema": {"type": "string"}},
                        {
                            "name": "maturity",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 9},
                        },
                        {
                            "name": "price_min",
                            "in": "query",
                            "schema": {"type": "integer"},
                            "description": "万元",
                        },
                        {
                            "name": "price_max",
                            "in": "query",
                            "schema": {"type": "integer"},
                            "description": "万元",
                        },
                        {
                            "name": "region",
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": "行政区划代码",
                        },
                        {
                            "name": "sort",
                            "in": "query",
                            "schema": {"type": "string", "enum": list(services.SORTS)},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "检索结果",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["total", "items"],
                                        "properties": {
                                            "total": {"type": "integer"},
                                            "items": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/SearchItem"},
                                            },
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            },
            "/api/v1/demands/{id}/matches": _match_op(
                "需求匹配的科技成果和专利（需求发布单位、经认证的技术经纪机构、科技局）"
            ),
            "/api/v1/results/{id}/matches": _match_op("与科技成果匹配的技术需求（成果发布单位）"),
            "/api/v1/patents/{id}/matches": _match_op("与专利匹配的技术需求（专利发布单位）"),
        },
        "schemas": {"SearchItem": _ITEM},
    }
)

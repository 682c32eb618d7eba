"""`GET /api/v1/stats/summary`: the registered technology trade for a period (bureau token)."""

from flask import jsonify, request

from marketplace.api.core import bp, token_required
from marketplace.api.openapi import FEATURE_PARTS, error_responses
from marketplace.stats import queries, settings
from marketplace.stats.dashboard import parse_filters


@bp.route("/stats/summary")
@token_required("bureau")
def stats_summary():
    targets = settings.get_targets()
    filters = parse_filters(request.args, targets)
    summary = queries.summarize(
        filters.start, filters.end, filters.district, basis=targets.target_basis, parties=False
    )
    body = {
        "from": filters.start.isoformat(),
        "to": filters.end.isoformat(),
        "district": filters.district,
        "contract_amount_fen": summary.total.contract_amount_fen,
        "technical_amount_fen": summary.total.technical_amount_fen,
        "registered_contracts": summary.total.count,
        "target_fen": targets.trade_target_fen,
        "target_basis": targets.target_basis,
        "period_start": targets.period_start.isoformat(),
        "period_end": targets.period_end.isoformat(),
        "major_projects": summary.major.count,
    }
    for name, rows in summary.breakdowns.items():
        body[name] = [row.as_dict() for row in rows]
    body["by_district"] = [row.as_dict() for row in summary.by_district]
    return jsonify(body)


_BREAKDOWN_ROW = {
    "type": "object",
    "required": ["key", "label", "count", "contract_amount_fen", "technical_amount_fen"],
    "properties": {
        "key": {"type": "string"},
        "label": {"type": "string"},
        "count": {"type": "integer"},
        "contract_amount_fen": {"type": "integer", "description": "合同成交额，分"},
        "technical_amount_fen": {"type": "integer", "description": "技术交易额，分"},
    },
}
_LIST = {"type": "array", "items": {"$ref": "#/components/schemas/StatsBreakdownRow"}}

FEATURE_PARTS.append(
    {
        "paths": {
            "/api/v1/stats/summary": {
                "get": {
                    "summary": "登记技术合同汇总（仅市科技局令牌）",
                    "description": "按登记日期统计，起止日期均包含在内；只计已登记且未注销的合同，变更后按最新登记金额计。"
                    "金额为整数，单位为分。",
                    "parameters": [
                        {
                            "name": "from",
                            "in": "query",
                            "schema": {"type": "string", "format": "date"},
                            "description": "起始日期（含），默认目标期起始日",
                        },
                        {
                            "name": "to",
                            "in": "query",
                            "schema": {"type": "string", "format": "date"},
                            "description": "截止日期（含），默认目标期截止日",
                        },
                        {
                            "name": "district",
                            "in": "query",
                            "schema": {"type": "string", "pattern": "^1301[0-9]{2}$"},
                            "description": "登记方所在区县（GB/T 2260 代码），默认全市",
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "汇总",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/StatsSummary"}}
                            },
                        },
                        **error_responses(401, 403, 422),
                    },
                }
            }
        },
        "schemas": {
            "StatsBreakdownRow": _BREAKDOWN_ROW,
            "StatsSummary": {
                "type": "object",
                "required": [
                    "contract_amount_fen",
                    "technical_amount_fen",
                    "registered_contracts",
                    "target_fen",
                    "target_basis",
                    "period_start",
                    "period_end",
                    "by_type",
                    "by_field",
                    "by_seller_nature",
                    "by_buyer_region",
                    "by_district",
                ],
                "properties": {
                    "from": {"type": "string", "format": "date"},
                    "to": {"type": "string", "format": "date"},
                    "district": {"type": "string", "nullable": True},
                    "contract_amount_fen": {"type": "integer"},
                    "technical_amount_fen": {"type": "integer"},
                    "registered_contracts": {"type": "integer"},
                    "target_fen": {"type": "integer", "description": "技术交易总额目标，分"},
                    "target_basis": {"type": "string", "enum": ["contract_amount", "technical_amount"]},
                    "period_start": {"type": "string", "format": "date"},
                    "period_end": {"type": "string", "format": "date"},
                    "major_projects": {"type": "integer", "description": "期间内重大技术合作项目数"},
                    "by_type": _LIST,
                    "by_field": _LIST,
                    "by_seller_nature": _LIST,
                    "by_buyer_region": _LIST,
                    "by_district": _LIST,
                },
            },
        },
    }
)

"""`GET /api/v1/stats/summary`: the registered technology trade for a period (bureau token)."""

from flask import jsonify, request

from marketplace.api.core import bp, token_required
from marketplace.api.openapi import add_paths, operation
from marketplace.api.schemas.base import dump
from marketplace.api.schemas.stats import StatsQuery, StatsSummary
from marketplace.common.roles import Role
from marketplace.stats import queries, settings
from marketplace.stats.dashboard import parse_filters


@bp.route("/stats/summary")
@token_required(Role.BUREAU)
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
    return jsonify(dump(StatsSummary, body))


add_paths(
    {
        "/api/v1/stats/summary": {
            "get": operation(
                "登记技术合同汇总（仅市科技局令牌）",
                description="按登记日期统计，起止日期均包含在内；只计已登记且未注销的合同，变更后按最新登记金额计。"
                "金额为整数，单位为分。",
                query=StatsQuery,
                response=StatsSummary,
                response_description="汇总",
                errors=(403,),
            )
        }
    }
)

"""`GET /api/v1/brokers` and `GET /api/v1/brokers/<id>`: the public broker directory."""

from flask import jsonify, request

from marketplace.api.core import bp
from marketplace.api.openapi import add_paths, id_param, operation
from marketplace.api.schemas.base import dump
from marketplace.api.schemas.brokers import BrokerDetail, BrokerPage
from marketplace.brokers import queries
from marketplace.brokers.models import BrokerProfile
from marketplace.common.errors import NotFound
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.extensions import db


def _summary(profile: BrokerProfile) -> dict:
    return {
        "id": profile.id,
        "name": profile.name,
        "organisation": {"id": profile.organisation_id, "name": profile.organisation.name},
        "level": profile.level,
        "level_label": profile.level_label,
        "fields": profile.fields,
        "regions": profile.regions,
        "introduction": profile.introduction,
        "url": f"/brokers/{profile.id}",
    }


@bp.route("/brokers")
def list_brokers():
    filters = queries.DirectoryFilters.from_args(request.args)
    page, per_page = parse_page_args(request.args)
    result = paginate(queries.directory_select(filters), page, per_page)
    body = {
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "items": [_summary(p) for p in result.items],
    }
    return jsonify(dump(BrokerPage, body))


@bp.route("/brokers/<int:id>")
def get_broker(id: int):
    profile = db.session.get(BrokerProfile, id)
    if profile is None or not queries.is_listed(profile):
        raise NotFound("该技术经纪人不存在或未在名录中公开")
    record = queries.performance(profile.user_id)
    body = {
        **_summary(profile),
        "certificate_number": profile.certificate_number,
        "certificate_issuer": profile.certificate_issuer,
        "certificate_date": profile.certificate_date.isoformat(),
        "years": [
            {
                "year": year,
                "introductions": f.introductions,
                "deals": f.deals,
                "contracts": f.contracts,
                "technical_amount_fen": f.technical_amount_fen,
                "training_hours": f.training_hours,
            }
            for year, f in record.rows
        ],
    }
    return jsonify(dump(BrokerDetail, body))


def _lenient(kind: str, description: str, **limits) -> dict:
    """A query value that, as on the directory page, is ignored when it is not one of the choices."""
    return {
        "description": description,
        "schema": {
            "anyOf": [{"type": kind, **limits}, {"type": "string", "description": "其他取值不作筛选"}]
        },
    }


add_paths(
    {
        "/api/v1/brokers": {
            "get": operation(
                "技术经纪人名录（经市科技局审核的经纪人）",
                public=True,
                params=[
                    {
                        "name": "field",
                        "in": "query",
                        "description": "擅长的技术领域；未知取值不作筛选",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "level",
                        "in": "query",
                        "description": "资质等级 junior/intermediate/senior；未知取值不作筛选",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "district",
                        "in": "query",
                        "description": "服务区县（GB/T 2260）；未知取值不作筛选",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "q",
                        "in": "query",
                        "description": "姓名、单位或简介中的词（前 50 字）",
                        "schema": {"type": "string"},
                    },
                    {"name": "page", "in": "query", **_lenient("integer", "页码", minimum=1)},
                    {
                        "name": "per_page",
                        "in": "query",
                        **_lenient("integer", "每页条数", minimum=1, maximum=100),
                    },
                ],
                response=BrokerPage,
                response_description="名录中的经纪人，高级在前",
            )
        },
        "/api/v1/brokers/{id}": {
            "get": operation(
                "技术经纪人及其按年度统计的平台业绩",
                public=True,
                params=[id_param("id")],
                response=BrokerDetail,
                response_description="经纪人信息；业绩由平台记录计算",
                errors=(404,),
            )
        },
    }
)

"""The contracts API under /api/v1/contracts; amounts are integers in 分."""

import io

from flask import jsonify, request, send_file
from flask_login import current_user

from marketplace.api.core import bp, json_body, token_required
from marketplace.api.openapi import FEATURE_PARTS, error_responses
from marketplace.common.domain import CAN_FILE_CONTRACTS
from marketplace.common.errors import NotFound, PermissionDenied, ValidationError
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.contracts import services
from marketplace.contracts.models import (
    CONTRACT_TYPES,
    DEDUCTION_CATEGORIES,
    REFUSAL_REASONS,
    STATUSES,
    SUBTYPE_LABELS,
    ContractRevision,
    TechContract,
)
from marketplace.extensions import db

FILERS = tuple(sorted(CAN_FILE_CONTRACTS))


def _party_json(revision: ContractRevision, side: str) -> dict:
    party = revision.party(side)
    body = {
        "org_id": party.org_id,
        "name": party.name,
        "credit_code": party.credit_code,
        "region_code": party.region_code,
        "nature_code": party.nature_code,
        "country": party.country,
    }
    return body


def contract_json(contract: TechContract) -> dict:
    """A contract as the API shows it: the open revision if any, else the registered one."""
    revision = contract.current
    registered = contract.registered_revision
    return {
        "id": contract.id,
        "project_name": revision.project_name,
        "contract_type": revision.contract_type,
        "subtype": revision.subtype,
        "signed_on": revision.signed_on.isoformat(),
        "valid_from": revision.valid_from.isoformat(),
        "valid_to": revision.valid_to.isoformat(),
        "seller": _party_json(revision, "seller"),
        "buyer": _party_json(revision, "buyer"),
        "registrant": services.registrant_side(revision),
        "technology_field": revision.technology_field,
        "ip_type": revision.ip_type,
        "contract_amount_fen": revision.contract_amount_fen,
        "deductions": [
            {"category": d.category, "description": d.description, "amount_fen": d.amount_fen}
            for d in revision.deductions
        ],
        "technical_amount_fen": revision.technical_amount_fen,
        "status": contract.status,
        "revision": revision.number,
        "revision_status": revision.status,
        "registration_number": contract.registration_number,
        "registered_on": contract.registered_on.isoformat() if contract.registered_on else None,
        "registered_amounts": (
            {
                "revision": registered.number,
                "contract_amount_fen": registered.contract_amount_fen,
                "technical_amount_fen": registered.technical_amount_fen,
            }
            if registered is not None
            else None
        ),
        "broker": (
            {"id": contract.broker.id, "name": contract.broker.name, "org_id": contract.filer_org_id}
            if contract.broker is not None
            else None
        ),
        "patent_ids": [p.id for p in revision.patents],
        "result_ids": [r.id for r in revision.results],
        "demand_id": revision.demand_id,
        "deal_id": contract.deal_id,
        "amount_unit": revision.amount_unit,
        "review": {
            "due_on": revision.due_on.isoformat() if revision.due_on else None,
            "overdue": services.is_overdue(revision),
            "reasons": list(revision.refusal_reasons or []),
            "comment": revision.review_comment,
        },
        "attachments": [
            {"id": a.id, "filename": a.filename, "mimetype": a.mimetype, "size": a.size}
            for a in contract.attachments
        ],
    }


def _visible(contract_id: int) -> TechContract:
    contract = db.session.get(TechContract, contract_id)
    if contract is None:
        raise NotFound("合同不存在")
    if not services.can_view(current_user, contract):
        raise PermissionDenied("您无权查看该合同：只有合同双方、其经纪机构和科技局可以查看")
    return contract


def _editable(contract_id: int) -> TechContract:
    contract = _visible(contract_id)
    if not services.can_edit(current_user, contract):
        raise PermissionDenied("只有填报单位或登记方可以修改、提交该合同")
    return contract


@bp.route("/contracts", methods=["POST"])
@token_required(*FILERS)
def contracts_create():
    contract = services.create_contract(
        current_user, json_body("ContractInput", ignore=services.READ_ONLY_FIELDS)
    )
    db.session.commit()
    return jsonify({"id": contract.id, "status": contract.status}), 201


@bp.route("/contracts", methods=["GET"])
@token_required()
def contracts_list():
    stmt = services.visible_contracts_stmt(current_user)
    status = request.args.get("status", "")
    stmt = services.with_workflow_status(stmt, status)
    page, per_page = parse_page_args(request.args)
    result = paginate(stmt, page, per_page)
    return jsonify(
        {
            "items": [contract_json(c) for c in result.items],
            "total": result.total,
            "page": result.page,
            "per_page": result.per_page,
        }
    )


@bp.route("/contracts/<int:contract_id>", methods=["GET"])
@token_required()
def contracts_get(contract_id: int):
    return jsonify(contract_json(_visible(contract_id)))


@bp.route("/contracts/<int:contract_id>", methods=["PATCH"])
@token_required()
def contracts_update(contract_id: int):
    contract = _editable(contract_id)
    data = json_body("ContractInput", ignore=services.READ_ONLY_FIELDS)
    read_only = sorted(
        set(data) & {"technical_amount_fen", "status", "registration_number", "registered_on", "broker"}
    )
    if read_only:
        raise ValidationError(f"字段 {read_only[0]} 为只读", fields={read_only[0]: "只读"})
    services.update_contract(current_user, contract, data)
    db.session.commit()
    return jsonify(contract_json(contract))


@bp.route("/contracts/<int:contract_id>/attachments", methods=["POST"])
@token_required()
def contracts_attach(contract_id: int):
    contract = _editable(contract_id)
    attachment = services.add_attachment(current_user, contract, request.files.get("file"))
    db.session.commit()
    return jsonify(
        {
            "id": attachment.id,
            "filename": attachment.filename,
            "mimetype": attachment.mimetype,
            "size": attachment.size,
        }
    ), 201


@bp.route("/contracts/<int:contract_id>/attachments/<int:attachment_id>", methods=["GET"])
@token_required()
def contracts_attachment(contract_id: int, attachment_id: int):
    item, content = services.attachment_content(current_user, _visible(contract_id), attachment_id)
    return send_file(io.BytesIO(content), mimetype=item.mimetype, download_name=item.filename)


@bp.route("/contracts/<int:contract_id>/submit", methods=["POST"])
@token_required()
def contracts_submit(contract_id: int):
    contract = _editable(contract_id)
    services.submit_contract(current_user, contract)
    db.session.commit()
    return jsonify(contract_json(contract))


@bp.route("/contracts/<int:contract_id>/amend", methods=["POST"])
@token_required()
def contracts_amend(contract_id: int):
    contract = _editable(contract_id)
    services.open_amendment(current_user, contract)
    db.session.commit()
    return jsonify(contract_json(contract)), 201


@bp.route("/contracts/<int:contract_id>/review", methods=["POST"])
@token_required("bureau")
def contracts_review(contract_id: int):
    contract = _visible(contract_id)
    data = json_body("ContractReview")
    comment = data.get("comment") or ""
    if not isinstance(comment, str):
        raise ValidationError("comment 应为字符串", fields={"comment": "应为字符串"})
    services.review_contract(current_user, contract, data.get("action"), data.get("reasons"), comment)
    db.session.commit()
    return jsonify(contract_json(contract))


_CANCEL = {"type": "object", "properties": {"reason": {"type": "string"}, "comment": {"type": "string"}}}


@bp.route("/contracts/<int:contract_id>/cancel", methods=["POST"])
@token_required("bureau")
def contracts_cancel(contract_id: int):
    contract = _visible(contract_id)
    data = json_body(_CANCEL)
    services.cancel_contract(current_user, contract, data.get("reason") or data.get("comment") or "")
    db.session.commit()
    return jsonify(contract_json(contract))


_PARTY = {
    "type": "object",
    "description": '平台单位 {"org_id": N}，或平台外单位（国内须填 credit_code 与 region_code，境外填 country）',
    "properties": {
        "org_id": {"type": "integer", "nullable": True},
        "name": {"type": "string", "maxLength": 200},
        "credit_code": {"type": "string", "nullable": True, "description": "统一社会信用代码（国内单位）"},
        "region_code": {
            "type": "string",
            "nullable": True,
            "pattern": "^[0-9]{6}$",
            "description": "GB/T 2260 区划代码",
        },
        "nature_code": {"type": "string", "description": "主体性质代码，如 150"},
        "country": {
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "description": "ISO 3166-1 alpha-3；国内为 CHN",
        },
    },
}
_DEDUCTION = {
    "type": "object",
    "required": ["category", "description", "amount_fen"],
    "properties": {
        "category": {"type": "string", "enum": list(DEDUCTION_CATEGORIES)},
        "description": {"type": "string", "maxLength": 200},
        "amount_fen": {"type": "integer", "minimum": 1},
    },
}
_INPUT_PROPERTIES = {
    "project_name": {"type": "string", "maxLength": 200},
    "contract_type": {"type": "string", "enum": list(CONTRACT_TYPES)},
    "subtype": {"type": "string", "enum": list(SUBTYPE_LABELS)},
    "signed_on": {"type": "string", "format": "date"},
    "valid_from": {"type": "string", "format": "date"},
    "valid_to": {"type": "string", "format": "date"},
    "seller": {"$ref": "#/components/schemas/ContractParty"},
    "buyer": {"$ref": "#/components/schemas/ContractParty"},
    "technology_field": {"type": "string"},
    "ip_type": {"type": "string"},
    "contract_amount_fen": {"type": "integer", "minimum": 1, "description": "合同成交额（分）"},
    "deductions": {"type": "array", "items": {"$ref": "#/components/schemas/ContractDeduction"}},
    "patent_ids": {"type": "array", "items": {"type": "integer"}},
    "result_ids": {"type": "array", "items": {"type": "integer"}},
    "demand_id": {"type": "integer", "nullable": True},
    "deal_id": {"type": "integer", "nullable": True},
    "amount_unit": {
        "type": "string",
        "enum": ["yuan", "wan"],
        "description": "填报时使用的金额单位（仅用于网页表单回显；金额始终以分为单位）",
    },
}
_SCHEMAS = {
    "ContractParty": _PARTY,
    "ContractDeduction": _DEDUCTION,
    "ContractInput": {
        "type": "object",
        "required": [
            "project_name",
            "contract_type",
            "subtype",
            "signed_on",
            "valid_from",
            "valid_to",
            "seller",
            "buyer",
            "technology_field",
            "ip_type",
            "contract_amount_fen",
        ],
        "properties": _INPUT_PROPERTIES,
    },
    "Contract": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            **_INPUT_PROPERTIES,
            "technical_amount_fen": {
                "type": "integer",
                "readOnly": True,
                "description": "技术交易额 = 成交额 − 扣除",
            },
            "status": {"type": "string", "enum": list(STATUSES)},
            "revision": {"type": "integer"},
            "revision_status": {
                "type": "string",
                "description": "所显示版本的状态（变更办理中时为变更版本的状态）",
            },
            "registration_number": {"type": "string", "nullable": True},
            "registered_on": {"type": "string", "format": "date", "nullable": True},
            "registered_amounts": {"type": "object", "nullable": True},
            "broker": {"type": "object", "nullable": True, "readOnly": True},
            "review": {"type": "object"},
            "attachments": {"type": "array", "items": {"type": "object"}},
        },
    },
    "ContractReview": {
        "type": "object",
        "required": ["action"],
        "properties": {
            "action": {"type": "string", "enum": ["start", "approve", "request_changes", "refuse"]},
            "reasons": {"type": "array", "items": {"type": "string", "enum": list(REFUSAL_REASONS)}},
            "comment": {"type": "string"},
        },
    },
}


def _json(ref: str) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


_ID = [{"name": "contract_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
FEATURE_PARTS.append(
    {
        "schemas": _SCHEMAS,
        "paths": {
            "/api/v1/contracts": {
                "post": {
                    "summary": "填报技术合同（草稿）；经纪机构或登记方的令牌",
                    "requestBody": {"required": True, **_json("ContractInput")},
                    "responses": {"201": {"description": '{"id": N}'}, **error_responses(400, 401, 403, 422)},
                },
                "get": {
                    "summary": "调用者可查看的合同",
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {"type": "string", "enum": list(STATUSES)},
                        },
                        {"name": "page", "in": "query", "schema": {"type": "integer"}},
                        {"name": "per_page", "in": "query", "schema": {"type": "integer", "maximum": 100}},
                    ],
                    "responses": {
                        "200": {"description": "{items, total, page, per_page}"},
                        **error_responses(401),
                    },
                },
            },
            "/api/v1/contracts/{contract_id}": {
                "parameters": _ID,
                "get": {
                    "summary": "合同详情",
                    "responses": {
                        "200": _json("Contract") | {"description": "合同"},
                        **error_responses(401, 403, 404),
                    },
                },
                "patch": {
                    "summary": "修改草稿或待补正的合同（未给出的字段不变）",
                    "requestBody": {"required": True, **_json("ContractInput")},
                    "responses": {
                        "200": {"description": "合同"},
                        **error_responses(400, 401, 403, 404, 409, 422),
                    },
                },
            },
            "/api/v1/contracts/{contract_id}/attachments": {
                "parameters": _ID,
                "post": {
                    "summary": "上传合同文本（multipart，字段 file；PDF/JPG/PNG，按内容检查）",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"file": {"type": "string", "format": "binary"}},
                                }
                            }
                        },
                    },
                    "responses": {"201": {"description": "附件"}, **error_responses(401, 403, 404, 409, 422)},
                },
            },
            "/api/v1/contracts/{contract_id}/attachments/{attachment_id}": {
                "parameters": [
                    *_ID,
                    {"name": "attachment_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                ],
                "get": {
                    "summary": "下载合同附件（合同双方、其经纪机构和科技局）",
                    "responses": {
                        "200": {
                            "description": "附件文件（Content-Type 为上传时检查出的类型）",
                            "content": {
                                media: {"schema": {"type": "string", "format": "binary"}}
                                for media in ("application/pdf", "image/jpeg", "image/png")
                            },
                        },
                        **error_responses(401, 403, 404),
                    },
                },
            },
            "/api/v1/contracts/{contract_id}/submit": {
                "parameters": _ID,
                "post": {
                    "summary": "提交登记",
                    "responses": {"200": {"description": "合同"}, **error_responses(401, 403, 404, 409, 422)},
                },
            },
            "/api/v1/contracts/{contract_id}/amend": {
                "parameters": _ID,
                "post": {
                    "summary": "对已登记合同发起变更（新版本）",
                    "responses": {"201": {"description": "合同"}, **error_responses(401, 403, 404, 409)},
                },
            },
            "/api/v1/contracts/{contract_id}/review": {
                "parameters": _ID,
                "post": {
                    "summary": "科技局审核：start | approve | request_changes | refuse",
                    "requestBody": {"required": True, **_json("ContractReview")},
                    "responses": {
                        "200": {"description": "合同"},
                        **error_responses(400, 401, 403, 404, 409, 422),
                    },
                },
            },
            "/api/v1/contracts/{contract_id}/cancel": {
                "parameters": _ID,
                "post": {
                    "summary": '科技局注销已登记合同；body {"reason": "..."}',
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": {"reason": {"type": "string"}}}
                            }
                        },
                    },
                    "responses": {
                        "200": {"description": "合同"},
                        **error_responses(400, 401, 403, 404, 409, 422),
                    },
                },
            },
        },
    }
)

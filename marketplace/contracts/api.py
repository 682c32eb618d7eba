"""The contracts API under /api/v1/contracts; amounts are integers in 分."""

import io

from flask import jsonify, request, send_file
from flask_login import current_user

from marketplace.api.core import bp, json_body, query_args, token_required
from marketplace.api.openapi import add_paths, id_param, operation, page_params
from marketplace.api.schemas.base import dump
from marketplace.api.schemas.contracts import (
    READ_ONLY_FIELDS,
    Attachment,
    Contract,
    ContractCancel,
    ContractCreated,
    ContractInput,
    ContractList,
    ContractQuery,
    ContractReview,
)
from marketplace.common.domain import CAN_FILE_CONTRACTS
from marketplace.common.errors import NotFound, PermissionDenied, ValidationError
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.common.permissions import can
from marketplace.common.roles import Role
from marketplace.common.uow import unit_of_work
from marketplace.contracts import services
from marketplace.contracts.models import ContractRevision, TechContract
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
    """A contract as the API shows it (the `Contract` schema): the open revision, else the registered one."""
    return dump(Contract, _contract_values(contract))


def _contract_values(contract: TechContract) -> dict:
    revision = contract.current
    registered = contract.registered_revision
    return {
        # The content as it is filed (the input shape), then what the platform adds to it.
        **services.revision_payload(revision, contract.deal_id),
        "id": contract.id,
        "seller": _party_json(revision, "seller"),
        "buyer": _party_json(revision, "buyer"),
        "registrant": services.registrant_side(revision),
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
        "review": {
            "due_on": revision.due_on.isoformat() if revision.due_on else None,
            "overdue": services.is_overdue(revision),
            "reasons": list(revision.refusal_reasons or []),
            "comment": revision.review_comment,
        },
        "attachments": [_attachment_values(a) for a in contract.attachments],
    }


def _attachment_values(attachment) -> dict:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "mimetype": attachment.mimetype,
        "size": attachment.size,
    }


def _visible(contract_id: int) -> TechContract:
    contract = db.session.get(TechContract, contract_id)
    if contract is None:
        raise NotFound("合同不存在")
    if not can(current_user, "view", contract):
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
    data = json_body(ContractInput, ignore=READ_ONLY_FIELDS)
    with unit_of_work():
        contract = services.create_contract(current_user, data)
    return jsonify(dump(ContractCreated, {"id": contract.id, "status": contract.status})), 201


@bp.route("/contracts", methods=["GET"])
@token_required()
def contracts_list():
    stmt = services.visible_contracts_stmt(current_user)
    status = query_args(ContractQuery).get("status") or ""
    stmt = services.with_workflow_status(stmt, status)
    page, per_page = parse_page_args(request.args)
    result = paginate(stmt, page, per_page)
    return jsonify(
        dump(
            ContractList,
            {
                "items": [_contract_values(c) for c in result.items],
                "total": result.total,
                "page": result.page,
                "per_page": result.per_page,
            },
        )
    )


@bp.route("/contracts/<int:contract_id>", methods=["GET"])
@token_required()
def contracts_get(contract_id: int):
    return jsonify(contract_json(_visible(contract_id)))


@bp.route("/contracts/<int:contract_id>", methods=["PATCH"])
@token_required()
def contracts_update(contract_id: int):
    contract = _editable(contract_id)
    data = json_body(ContractInput, ignore=READ_ONLY_FIELDS)
    read_only = sorted(set(data) & (READ_ONLY_FIELDS - {"id"}))
    if read_only:
        raise ValidationError(f"字段 {read_only[0]} 为只读", fields={read_only[0]: "只读"})
    with unit_of_work():
        services.update_contract(current_user, contract, data)
    return jsonify(contract_json(contract))


@bp.route("/contracts/<int:contract_id>/attachments", methods=["POST"])
@token_required()
def contracts_attach(contract_id: int):
    contract = _editable(contract_id)
    with unit_of_work():
        attachment = services.add_attachment(current_user, contract, request.files.get("file"))
    return jsonify(dump(Attachment, _attachment_values(attachment))), 201


@bp.route("/contracts/<int:contract_id>/attachments/<int:attachment_id>", methods=["GET"])
@token_required()
def contracts_attachment(contract_id: int, attachment_id: int):
    item, content = services.attachment_content(current_user, _visible(contract_id), attachment_id)
    return send_file(io.BytesIO(content), mimetype=item.mimetype, download_name=item.filename)


@bp.route("/contracts/<int:contract_id>/submit", methods=["POST"])
@token_required()
def contracts_submit(contract_id: int):
    contract = _editable(contract_id)
    with unit_of_work():
        services.submit_contract(current_user, contract)
    return jsonify(contract_json(contract))


@bp.route("/contracts/<int:contract_id>/amend", methods=["POST"])
@token_required()
def contracts_amend(contract_id: int):
    contract = _editable(contract_id)
    with unit_of_work():
        services.open_amendment(current_user, contract)
    return jsonify(contract_json(contract)), 201


@bp.route("/contracts/<int:contract_id>/review", methods=["POST"])
@token_required(Role.BUREAU)
def contracts_review(contract_id: int):
    contract = _visible(contract_id)
    data = json_body(ContractReview)
    comment = data.get("comment") or ""
    with unit_of_work():
        services.review_contract(current_user, contract, data.get("action"), data.get("reasons"), comment)
    return jsonify(contract_json(contract))


@bp.route("/contracts/<int:contract_id>/cancel", methods=["POST"])
@token_required(Role.BUREAU)
def contracts_cancel(contract_id: int):
    contract = _visible(contract_id)
    data = json_body(ContractCancel)
    with unit_of_work():
        services.cancel_contract(current_user, contract, data.get("reason") or data.get("comment") or "")
    return jsonify(contract_json(contract))


_ID = [id_param("contract_id")]
_FILES = {
    "multipart/form-data": {
        "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
    }
}
add_paths(
    {
        "/api/v1/contracts": {
            "post": operation(
                "填报技术合同（草稿）；经纪机构或登记方的令牌",
                status=201,
                body=ContractInput,
                response=ContractCreated,
                errors=(403,),
            ),
            "get": operation(
                "调用者可查看的合同",
                query=ContractQuery,
                params=page_params(),
                response=ContractList,
                response_description="{items, total, page, per_page}",
            ),
        },
        "/api/v1/contracts/{contract_id}": {
            "get": operation("合同详情", params=_ID, response=Contract, errors=(403, 404)),
            "patch": operation(
                "修改草稿或待补正的合同（未给出的字段不变）",
                params=_ID,
                body=ContractInput,
                response=Contract,
                errors=(403, 404, 409),
            ),
        },
        "/api/v1/contracts/{contract_id}/attachments": {
            "post": operation(
                "上传合同文本（multipart，字段 file；PDF/JPG/PNG，按内容检查）",
                status=201,
                params=_ID,
                body_content=_FILES,
                response=Attachment,
                errors=(400, 403, 404, 409, 413),
            ),
        },
        "/api/v1/contracts/{contract_id}/attachments/{attachment_id}": {
            "get": operation(
                "下载合同附件（合同双方、其经纪机构和科技局）",
                params=[*_ID, id_param("attachment_id")],
                response_description="附件文件（Content-Type 为上传时检查出的类型）",
                response_content={
                    media: {"schema": {"type": "string", "format": "binary"}}
                    for media in ("application/pdf", "image/jpeg", "image/png")
                },
                errors=(403, 404),
            ),
        },
        "/api/v1/contracts/{contract_id}/submit": {
            "post": operation("提交登记", params=_ID, response=Contract, errors=(403, 404, 409)),
        },
        "/api/v1/contracts/{contract_id}/amend": {
            "post": operation(
                "对已登记合同发起变更（新版本）",
                status=201,
                params=_ID,
                response=Contract,
                errors=(403, 404, 409),
            ),
        },
        "/api/v1/contracts/{contract_id}/review": {
            "post": operation(
                "科技局审核：start | approve | request_changes | refuse",
                params=_ID,
                body=ContractReview,
                response=Contract,
                errors=(403, 404, 409),
            ),
        },
        "/api/v1/contracts/{contract_id}/cancel": {
            "post": operation(
                '科技局注销已登记合同；body {"reason": "..."}',
                params=_ID,
                body=ContractCancel,
                response=Contract,
                errors=(403, 404, 409),
            ),
        },
    }
)

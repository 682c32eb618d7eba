"""Inquiries and deals in the API: /api/v1/inquiries and /api/v1/deals."""

from flask import jsonify, request
from flask_login import current_user

from marketplace.api.core import bp, json_body, token_required
from marketplace.api.openapi import add_paths, id_param, operation, page_params
from marketplace.api.schemas.base import dump
from marketplace.api.schemas.deals import (
    Deal as DealSchema,
)
from marketplace.api.schemas.deals import (
    DealMessage,
    DealMessageInput,
    InquiryAccepted,
    InquiryDecline,
    InquiryDeclined,
    InquiryInput,
    InquiryList,
    InquiryQuery,
)
from marketplace.api.schemas.deals import (
    Inquiry as InquirySchema,
)
from marketplace.common.errors import NotFound, PermissionDenied, ValidationError
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.common.roles import Role
from marketplace.common.uow import unit_of_work
from marketplace.deals import services
from marketplace.deals.models import INQUIRY_STATUSES, Deal, Inquiry
from marketplace.extensions import db

SENDERS = (Role.ENTERPRISE, Role.BROKER, Role.UNIVERSITY, Role.INSTITUTE)


def _org_ref(inquiry: Inquiry, org) -> dict | None:
    if org is None:
        return None
    name = services.org_name_for(inquiry, org, current_user)
    return {"id": org.id if name == org.name else None, "name": name}


def _listing_ref(listing) -> dict | None:
    if listing is None:
        return None
    return {"type": listing.kind, "id": listing.id, "title": listing.title}


def inquiry_json(inquiry: Inquiry) -> dict:
    """An inquiry as the caller may see it: contacts and private details only once accepted."""
    return dump(InquirySchema, _inquiry_values(inquiry))


def _inquiry_values(inquiry: Inquiry) -> dict:
    return {
        "id": inquiry.id,
        "kind": inquiry.kind,
        "status": inquiry.status,
        "purpose": inquiry.purpose,
        "message": inquiry.message,
        "wants_private_details": inquiry.wants_private_details,
        "sender": _org_ref(inquiry, inquiry.sender_org),
        "recipient": _org_ref(inquiry, inquiry.recipient_org),
        "introducer": {"id": inquiry.introducer_org.id, "name": inquiry.introducer_org.name}
        if inquiry.introducer_org
        else None,
        "listing": _listing_ref(inquiry.listing),
        "demand": _listing_ref(inquiry.demand),
        "decline_reason": inquiry.decline_reason,
        "decline_text": inquiry.decline_text,
        "overdue": services.is_overdue(inquiry),
        "created_at": inquiry.created_at.isoformat(),
        "answered_at": inquiry.answered_at.isoformat() if inquiry.answered_at else None,
        "deal_id": inquiry.deal.id if inquiry.deal is not None else None,
        "contacts": services.contacts_for(inquiry, current_user),
        "private_details": services.private_details_for(inquiry, current_user),
    }


def deal_json(deal: Deal) -> dict:
    """A deal as one of its parties sees it, with its messages."""
    return dump(DealSchema, _deal_values(deal))


def _deal_values(deal: Deal) -> dict:
    def org(o):
        return {"id": o.id, "name": o.name} if o is not None else None

    return {
        "id": deal.id,
        "inquiry_id": deal.inquiry_id,
        "stage": deal.stage,
        "close_reason": deal.close_reason,
        "close_text": deal.close_text,
        "seller": org(deal.seller_org),
        "buyer": org(deal.buyer_org),
        "broker": org(deal.broker_org),
        "broker_source": deal.broker_source,
        "broker_credited": deal.broker_credited,
        "contract_id": deal.contract_id,
        "listing": _listing_ref(deal.listing),
        "demand": _listing_ref(deal.demand),
        "technology_field": deal.technology_field,
        "created_at": deal.created_at.isoformat(),
        "agreed_at": deal.agreed_at.isoformat() if deal.agreed_at else None,
        "contracted_at": deal.contracted_at.isoformat() if deal.contracted_at else None,
        "contacts": services.contacts_for(deal.inquiry, current_user),
        "private_details": services.private_details_for(deal.inquiry, current_user),
        "messages": [_message_values(m) for m in deal.messages],
    }


def message_json(message) -> dict:
    return dump(DealMessage, _message_values(message))


def _message_values(message) -> dict:
    return {
        "id": message.id,
        "author_org": {"id": message.author_org.id, "name": message.author_org.name},
        "body": message.body,
        "attachment": {
            "filename": message.attachment_filename,
            "mimetype": message.attachment_mimetype,
            "size": message.attachment_size,
        }
        if message.attachment_path
        else None,
        "created_at": message.created_at.isoformat(),
    }


@bp.route("/inquiries", methods=["POST"])
@token_required(*SENDERS)
def create_inquiry():
    data = json_body(InquiryInput)
    # The schema checked the types: ids are ints, texts are strings, null means not given.
    purpose, message = data.get("purpose") or "", data.get("message") or ""
    wants = bool(data.get("wants_private_details"))
    with unit_of_work():
        inquiry = _send(data, purpose, message, wants)
    return jsonify(inquiry_json(inquiry)), 201


def _send(data: dict, purpose: str, message: str, wants: bool) -> Inquiry:
    """An offer of a result to a demand (universities, institutes) or an inquiry about a listing."""
    if current_user.role in services.OFFERER_TYPES:
        demand_id = data.get("demand_id")
        result_id = data.get("result_id")
        if not demand_id or not result_id:
            raise ValidationError(
                "推荐成果须提供 demand_id 和 result_id", fields={"demand_id": "必填", "result_id": "必填"}
            )
        return services.offer_result(
            current_user,
            demand_id=demand_id,
            result_id=result_id,
            purpose=purpose,
            message=message,
            wants_private_details=wants,
        )
    patent_id, result_id = data.get("patent_id"), data.get("result_id")
    if bool(patent_id) == bool(result_id):
        raise ValidationError(
            "须提供 patent_id 或 result_id 之一", fields={"patent_id": "二选一", "result_id": "二选一"}
        )
    return services.send_inquiry(
        current_user,
        listing_kind="patent" if patent_id else "result",
        listing_id=patent_id or result_id,
        purpose=purpose,
        message=message,
        wants_private_details=wants,
        demand_id=data.get("demand_id"),
        on_behalf_of_org_id=data.get("on_behalf_of_org_id"),
    )


@bp.route("/inquiries", methods=["GET"])
@token_required()
def list_inquiries():
    org = current_user.org
    if org is None:
        raise PermissionDenied("令牌所属用户尚未加入单位")
    box = request.args.get("box", "received")
    if box not in ("received", "sent", "introduced"):
        raise ValidationError("box 须为 received、sent 或 introduced", fields={"box": "取值无效"})
    stmt = services.inquiries_stmt(org.id, box)
    status = request.args.get("status")
    if status:
        if status not in INQUIRY_STATUSES:
            raise ValidationError("status 取值无效", fields={"status": "取值无效"})
        stmt = stmt.where(Inquiry.status == status)
    page, per_page = parse_page_args(request.args)
    result = paginate(stmt, page, per_page)
    return jsonify(
        dump(InquiryList, {"total": result.total, "items": [_inquiry_values(i) for i in result.items]})
    )


def _inquiry_for_answer(inquiry_id: int) -> Inquiry:
    inquiry = db.session.get(Inquiry, inquiry_id)
    if inquiry is None:
        raise NotFound("意向不存在")
    if not services.can_view_inquiry(current_user, inquiry):
        raise PermissionDenied("只有意向双方及其技术经纪机构可以操作")
    return inquiry


@bp.route("/inquiries/<int:inquiry_id>/accept", methods=["POST"])
@token_required()
def accept_inquiry(inquiry_id: int):
    inquiry = _inquiry_for_answer(inquiry_id)
    with unit_of_work():
        deal = services.accept_inquiry(current_user, inquiry)
    return jsonify(dump(InquiryAccepted, {"inquiry": _inquiry_values(inquiry), "deal_id": deal.id}))


@bp.route("/inquiries/<int:inquiry_id>/decline", methods=["POST"])
@token_required()
def decline_inquiry(inquiry_id: int):
    inquiry = _inquiry_for_answer(inquiry_id)
    if not services.can_answer(current_user, inquiry):
        raise PermissionDenied("只有被联系的单位可以答复此意向")
    data = json_body(InquiryDecline)
    reason, text = data.get("reason") or "", data.get("text") or ""
    with unit_of_work():
        services.decline_inquiry(current_user, inquiry, reason, text)
    return jsonify(dump(InquiryDeclined, {"inquiry": _inquiry_values(inquiry)}))


@bp.route("/deals/<int:deal_id>", methods=["GET"])
@token_required()
def get_deal(deal_id: int):
    deal = services.get_deal_for(current_user, deal_id)
    return jsonify(deal_json(deal))


@bp.route("/deals/<int:deal_id>/messages", methods=["POST"])
@token_required()
def post_deal_message(deal_id: int):
    deal = services.get_deal_for(current_user, deal_id)
    if request.mimetype == "multipart/form-data":
        body, upload = request.form.get("body", ""), request.files.get("attachment")
    else:
        data = json_body(DealMessageInput)
        body, upload = data.get("body") or "", None
    with unit_of_work():
        message = services.post_message(current_user, deal, body, upload)
    return jsonify(message_json(message)), 201


_INQUIRY_ID = [id_param("inquiry_id")]
_DEAL_ID = [id_param("deal_id")]
_MESSAGE_FORM = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "properties": {
                "body": {"type": "string", "maxLength": 5000},
                "attachment": {"type": "string", "format": "binary"},
            },
        }
    }
}
add_paths(
    {
        "/api/v1/inquiries": {
            "post": operation(
                "发送对接意向（企业或受托经纪机构就专利/成果）或推荐成果（高校/院所向需求）",
                description="每个单位每天发送的意向数有上限（超出返回 429 rate_limited）；只有已认证单位可以发送；"
                "同一对象已有待答复意向时返回 409。",
                status=201,
                body=InquiryInput,
                response=InquirySchema,
                response_description="已发送",
                errors=(403, 404, 409, 429),
            ),
            "get": operation(
                "本单位收到、发出或（经纪机构）促成的意向",
                query=InquiryQuery,
                params=page_params(),
                response=InquiryList,
                response_description="意向列表",
                errors=(403,),
            ),
        },
        "/api/v1/inquiries/{inquiry_id}/accept": {
            "post": operation(
                "接受意向：双方联系方式公开，建立对接",
                params=_INQUIRY_ID,
                response=InquiryAccepted,
                response_description="已接受，返回 inquiry 与 deal_id",
                errors=(403, 404, 409),
            )
        },
        "/api/v1/inquiries/{inquiry_id}/decline": {
            "post": operation(
                "婉拒意向",
                params=_INQUIRY_ID,
                body=InquiryDecline,
                response=InquiryDeclined,
                response_description="已婉拒",
                errors=(403, 404, 409),
            )
        },
        "/api/v1/deals/{deal_id}": {
            "get": operation(
                "对接详情（仅双方及其技术经纪机构）",
                params=_DEAL_ID,
                response=DealSchema,
                response_description="对接",
                errors=(403, 404),
            )
        },
        "/api/v1/deals/{deal_id}/messages": {
            "post": operation(
                "在对接中发消息（JSON，或 multipart 附带 PDF/JPG/PNG 附件）",
                status=201,
                params=_DEAL_ID,
                body=DealMessageInput,
                body_content=_MESSAGE_FORM,
                response=DealMessage,
                response_description="已发送",
                errors=(403, 404, 409, 413),
            )
        },
    }
)

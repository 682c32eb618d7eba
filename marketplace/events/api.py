"""Events in the API: GET /api/v1/events, /events/<id>, and one's own registration."""

from flask import jsonify, request
from flask_login import current_user

from marketplace.api.core import bp, json_body, query_args, token_required
from marketplace.api.openapi import add_paths, id_param, operation, page_params
from marketplace.api.schemas.base import dump
from marketplace.api.schemas.events import (
    EventDetail,
    EventList,
    EventQuery,
    RegistrationInput,
    RegistrationOut,
)
from marketplace.common.errors import NotFound
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.common.permissions import can
from marketplace.common.uow import unit_of_work
from marketplace.events import queries, registration
from marketplace.events.models import Event
from marketplace.extensions import db


def _summary(event: Event) -> dict:
    counts = registration.counts(event.id)
    return {
        "id": event.id,
        "title": event.title,
        "type": event.event_type,
        "type_label": event.type_label,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "place": event.place,
        "online_url": queries.online_url_for(event, current_user),
        "organiser": event.organiser_name,
        "capacity": event.capacity,
        "registration_deadline": event.registration_deadline.isoformat(),
        "registration_open": event.registration_open,
        "registered": counts["registered"],
        "waiting": counts["waiting"],
    }


def _public_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not can(current_user, "view", event):
        raise NotFound("活动不存在")
    return event


@bp.route("/events", methods=["GET"])
def list_events():
    args = query_args(EventQuery)
    filters = queries.EventFilters.from_args({k: v for k, v in args.items() if v is not None})
    page, per_page = parse_page_args(request.args)
    result = paginate(queries.public_events(filters), page, per_page)
    return jsonify(dump(EventList, {"total": result.total, "items": [_summary(e) for e in result.items]}))


@bp.route("/events/<int:event_id>", methods=["GET"])
def get_event(event_id: int):
    event = _public_event(event_id)
    projects = [
        {
            "type": project.listing_kind,
            "id": project.listing_id,
            "title": project.listing.title,
            "organisation": queries.owner_name(project, current_user),
            "slot_at": project.slot_at.isoformat(),
        }
        for project in event.projects
        if project.listing is not None
    ]
    values = {
        **_summary(event),
        "agenda": event.agenda,
        "training_hours": event.training_hours,
        "projects": projects,
    }
    return jsonify(dump(EventDetail, values))


@bp.route("/events/<int:event_id>/registrations", methods=["POST"])
@token_required()
def register_for_event(event_id: int):
    event = _public_event(event_id)
    data = json_body(RegistrationInput)
    with unit_of_work():
        item = registration.register(
            current_user, event.id, consent=bool(data.get("consent")), note=data.get("note") or ""
        )
        values = {
            "id": item.id,
            "event_id": item.event_id,
            "status": item.status,
            "code": item.code,
            "name": item.name,
            "phone": item.phone,
            "consent_at": item.consent_at.isoformat(),
        }
    return jsonify(dump(RegistrationOut, values)), 201


@bp.route("/events/<int:event_id>/registrations/mine", methods=["DELETE"])
@token_required()
def cancel_my_registration(event_id: int):
    event = _public_event(event_id)
    with unit_of_work():
        registration.cancel(current_user, event.id)
    return "", 204


_EVENT_ID = [id_param("event_id")]
add_paths(
    {
        "/api/v1/events": {
            "get": operation(
                "活动列表（已发布；即将举办或往期）",
                query=EventQuery,
                params=page_params(),
                response=EventList,
                response_description="活动列表",
                optional_token=True,
            )
        },
        "/api/v1/events/{event_id}": {
            "get": operation(
                "活动详情及展示项目（隐藏名称的需求显示为“某企业”）",
                params=_EVENT_ID,
                response=EventDetail,
                response_description="活动",
                errors=(404,),
                optional_token=True,
                description="线上参会链接只给已报名（非候补）者和主办方：带上令牌才能看到。",
            )
        },
        "/api/v1/events/{event_id}/registrations": {
            "post": operation(
                "本人报名（姓名、手机号取自个人资料；须 consent=true）",
                description="名额已满时进入候补（status=waiting），有人取消时自动递补。已报名返回 409；"
                "报名已截止或活动已开始返回 422。",
                status=201,
                params=_EVENT_ID,
                body=RegistrationInput,
                response=RegistrationOut,
                response_description="已报名或候补",
                errors=(403, 404, 409),
            )
        },
        "/api/v1/events/{event_id}/registrations/mine": {
            "delete": operation(
                "取消本人报名（候补名单依次递补）",
                status=204,
                params=_EVENT_ID,
                response_description="已取消",
                errors=(404, 409),
            )
        },
    }
)

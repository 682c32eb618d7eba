"""Help requests: an enterprise asks a listed broker about one of its demands, the broker answers,
and while the request stands the broker sends inquiries for that demand as its introducer.

The inquiries go through the deals feature's `send_inquiry`, so the daily cap, duplicate checks and
notices stay the same; the inquiry records the broker as its sender (`sent_by_id`) and the broker's
organisation as introducer, which is what credits both when a deal follows.
"""

from datetime import date, datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.brokers.access import takes_mandates
from marketplace.brokers.models import BrokerProfile, BrokerRequest, BrokerRequestInquiry
from marketplace.common.audit import record_audit
from marketplace.common.errors import Conflict, PermissionDenied, ValidationError
from marketplace.common.i18n import N_
from marketplace.common.permissions import can
from marketplace.common.rows import claim
from marketplace.common.timeutil import utcnow
from marketplace.deals.services import send_inquiry
from marketplace.extensions import db
from marketplace.listings.models import Demand
from marketplace.notices.services import notify


def request_path(request_id: int) -> str:
    return f"/brokers/requests/{request_id}"


def _open_key(profile_id: int, demand_id: int) -> str:
    return f"{profile_id}:{demand_id}"


def ask_for_help(user, profile: BrokerProfile, *, demand_id: int | None, message: str) -> BrokerRequest:
    """An enterprise asks a listed broker to help with one of its published demands."""
    if not can(user, "ask", profile):
        raise PermissionDenied(gettext("已认证的企业才能请技术转移机构的已认证经纪人协助对接"))
    demand = db.session.get(Demand, demand_id) if demand_id else None
    if demand is None or demand.organisation_id != user.org.id or demand.effective_status != "published":
        raise ValidationError(
            gettext("请选择本单位正在征集中的一项需求"),
            fields={"demand_id": gettext("请选择本单位已发布的需求")},
        )
    message = (message or "").strip()
    if not message:
        raise ValidationError(
            gettext("请填写留言，说明希望经纪人协助的事项"), fields={"message": gettext("请填写留言")}
        )
    if len(message) > 1000:
        raise ValidationError(
            gettext("留言不能超过 1000 字"), fields={"message": gettext("留言不能超过 1000 字")}
        )
    key = _open_key(profile.id, demand.id)
    if db.session.scalar(select(BrokerRequest.id).where(BrokerRequest.open_key == key)):
        raise Conflict(gettext("已就该需求向这位经纪人提出过请求，请在“经纪人委托”中查看"))
    request = BrokerRequest(
        profile_id=profile.id,
        demand_id=demand.id,
        requester_org_id=user.org.id,
        requested_by_id=user.id,
        message=message,
        status="pending",
        open_key=key,
        created_at=utcnow(),
    )
    db.session.add(request)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(gettext("已就该需求向这位经纪人提出过请求，请在“经纪人委托”中查看")) from None
    record_audit(
        user, "broker_request.sent", request, after={"profile_id": profile.id, "demand_id": demand.id}
    )
    notify(
        profile.organisation_id,
        "broker",
        N_("有企业请%(name)s协助对接需求《%(title)s》"),
        body=N_("请接受或婉拒。接受后可代表该企业就此需求发送对接意向。"),
        params={"name": profile.name, "title": demand.title},
        url=request_path(request.id),
        subject_key=f"broker-request:{request.id}",
    )
    return request


def _answer(user, request: BrokerRequest, status: str, text: str) -> None:
    if not can(user, "answer", request):
        raise PermissionDenied(gettext("只有被邀请的经纪人可以答复"))
    text = (text or "").strip()
    if len(text) > 500:
        raise ValidationError(gettext("答复不能超过 500 字"), fields={"text": gettext("答复不能超过 500 字")})
    values = {"status": status, "answer_text": text, "answered_at": utcnow()}
    if status == "declined":
        values["open_key"] = None
    if not claim(request, BrokerRequest.status == "pending", **values):
        raise Conflict(gettext("该请求当前为“%(status)s”，不能再答复", status=gettext(request.status_label)))


def accept_request(user, request: BrokerRequest, text: str = "") -> BrokerRequest:
    """The broker takes the mandate: from now on it may send inquiries for the demand."""
    if not takes_mandates(request.profile):
        raise PermissionDenied(
            gettext("经纪人信息未在名录中或所在单位不是已认证的技术转移机构，不能接受委托")
        )
    _answer(user, request, "accepted", text)
    record_audit(
        user, "broker_request.accepted", request, before={"status": "pending"}, after={"status": "accepted"}
    )
    notify(
        request.requester_org_id,
        "broker",
        N_("经纪人%(name)s接受了您关于《%(title)s》的协助请求"),
        # The broker's own words are a value; without them, a fixed sentence.
        body="%(text)s" if request.answer_text else N_("经纪人将代表贵单位就此需求联系合适的成果方。"),
        params={"name": request.profile.name, "title": request.demand.title, "text": request.answer_text},
        url=request_path(request.id),
        subject_key=f"broker-request-answer:{request.id}",
    )
    return request


def decline_request(user, request: BrokerRequest, text: str = "") -> BrokerRequest:
    _answer(user, request, "declined", text)
    record_audit(
        user, "broker_request.declined", request, before={"status": "pending"}, after={"status": "declined"}
    )
    notify(
        request.requester_org_id,
        "broker",
        N_("经纪人%(name)s婉拒了您关于《%(title)s》的协助请求"),
        body="%(text)s" if request.answer_text else "",
        params={"name": request.profile.name, "title": request.demand.title, "text": request.answer_text},
        url=request_path(request.id),
        subject_key=f"broker-request-answer:{request.id}",
    )
    return request


def withdraw_request(user, request: BrokerRequest) -> BrokerRequest:
    """The enterprise takes a pending request back, or ends an accepted mandate."""
    if not can(user, "withdraw", request):
        raise PermissionDenied(gettext("只有提出请求的单位可以撤回或结束委托"))
    seen = request.status
    if seen not in ("pending", "accepted"):
        raise Conflict(gettext("该请求当前为“%(status)s”，无需撤回", status=gettext(request.status_label)))
    status = "withdrawn" if seen == "pending" else "ended"
    if not claim(request, BrokerRequest.status == seen, status=status, open_key=None, ended_at=utcnow()):
        raise Conflict(gettext("该请求的状态刚刚已被更改，请刷新页面"))
    record_audit(
        user,
        "broker_request.withdrawn" if status == "withdrawn" else "broker_request.ended",
        request,
        before={"status": seen},
        after={"status": status},
    )
    notify(
        request.profile.organisation_id,
        "broker",
        N_("企业已撤回关于《%(title)s》的协助请求")
        if status == "withdrawn"
        else N_("企业已结束关于《%(title)s》的协助请求"),
        params={"title": request.demand.title},
        url=request_path(request.id),
        subject_key=f"broker-request-end:{request.id}",
    )
    return request


def send_inquiry_for_request(
    user,
    request: BrokerRequest,
    *,
    listing_kind: str,
    listing_id: int | None,
    purpose: str,
    message: str,
    wants_private_details: bool = False,
):
    """Send an inquiry for the request's demand, as the enterprise's introducer."""
    if not can(user, "inquire", request):
        raise PermissionDenied(gettext("只有接受了委托的经纪人可以就此需求发送对接意向"))
    if not takes_mandates(request.profile):
        raise PermissionDenied(gettext("经纪人信息未在名录中或所在单位不是已认证的技术转移机构"))
    if not listing_id:
        raise ValidationError(
            gettext("请选择要联系的专利或成果"), fields={"listing": gettext("请选择专利或成果")}
        )
    inquiry = send_inquiry(
        user,
        listing_kind=listing_kind,
        listing_id=listing_id,
        purpose=purpose,
        message=message,
        wants_private_details=wants_private_details,
        demand_id=request.demand_id,
        on_behalf_of_org_id=request.requester_org_id,
    )
    db.session.add(BrokerRequestInquiry(request_id=request.id, inquiry_id=inquiry.id))
    db.session.flush()
    return inquiry


REQUEST_EXPIRY_DAYS = 30
BEIJING_OFFSET = timedelta(hours=8)


def expire_requests(today: date) -> int:
    """Close help requests a broker left unanswered for 30 days, telling both sides; the daily job.

    Only pending requests expire: an accepted one is a mandate at work, which the enterprise ends.
    An expired request is "ended" with no answer, and frees the pair for a new request.
    """
    cutoff = (
        datetime.combine(today, datetime.min.time()) - BEIJING_OFFSET - timedelta(days=REQUEST_EXPIRY_DAYS)
    )
    stale = db.session.scalars(
        select(BrokerRequest).where(BrokerRequest.status == "pending", BrokerRequest.created_at < cutoff)
    ).all()
    closed = 0
    for request in stale:
        if not claim(
            request, BrokerRequest.status == "pending", status="ended", open_key=None, ended_at=utcnow()
        ):
            continue  # answered or withdrawn a moment ago
        closed += 1
        params = {"broker": request.profile.name, "title": request.demand.title, "days": REQUEST_EXPIRY_DAYS}
        notify(
            request.requester_org_id,
            "broker",
            N_("您请%(broker)s协助对接《%(title)s》的请求 %(days)s 天未获答复，已自动关闭"),
            body=N_("可以另请其他经纪人协助，或稍后再次提出请求。"),
            url=request_path(request.id),
            params=params,
            subject_key=f"broker-request-expired:{request.id}",
        )
        notify(
            request.profile.organisation_id,
            "broker",
            N_("关于《%(title)s》的协助请求 %(days)s 天未答复，已自动关闭"),
            url=request_path(request.id),
            params=params,
            subject_key=f"broker-request-expired-broker:{request.id}",
        )
    return closed

"""Sending inquiries and offers, answering them, withdrawing them, and reminding late answerers.

An enterprise (or a broker for one) asks about a patent or result; a university or institute offers
a result to a demand. Accepting opens a deal (see `pipeline`). Services raise domain errors and
never commit: the caller's unit of work does.
"""

from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from marketplace.common import counters
from marketplace.common.audit import record_audit
from marketplace.common.errors import Conflict, NotFound, PermissionDenied, RateLimited, ValidationError
from marketplace.common.i18n import N_, tr
from marketplace.common.permissions import can
from marketplace.common.roles import Role
from marketplace.common.rows import claim
from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.deals.access import broker_org_ids
from marketplace.deals.models import DECLINE_REASONS, PURPOSES, Deal, Inquiry
from marketplace.deals.queries import deal_path, inquiry_path, overdue_after
from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent, ResearchResult
from marketplace.notices.services import notify
from marketplace.organisations.models import Organisation

# Who may start what: enterprises ask about supply (a broker may ask for one); universities and
# institutes offer their results to demands.
INQUIRER_TYPES = (Role.ENTERPRISE,)


OFFERER_TYPES = (Role.UNIVERSITY, Role.INSTITUTE)


SUPPLY_MODELS = {"patent": Patent, "result": ResearchResult}


def daily_cap() -> int:
    return int(current_app.config.get("DEALS_DAILY_INQUIRY_CAP", 20))


def _beijing_day_start_utc() -> datetime:
    """The start of today in Beijing, as the naive UTC timestamps are stored."""
    return datetime.combine(beijing_today(), time()) - timedelta(hours=8)


# ----------------------------------------------------------------- sending inquiries and offers


def _require_verified(user) -> Organisation:
    org = getattr(user, "org", None)
    if org is None:
        raise PermissionDenied(gettext("请先加入一个单位，才能发送对接意向"))
    if not org.is_verified:
        raise PermissionDenied(gettext("本单位尚未通过认证，认证通过后才能发送对接意向"))
    return org


def sent_today(org_id: int) -> int:
    """Inquiries an organisation sent today (Beijing time), itself or as an introducing broker."""
    acting = or_(
        Inquiry.introducer_org_id == org_id,
        (Inquiry.sender_org_id == org_id) & Inquiry.introducer_org_id.is_(None),
    )
    return (
        db.session.scalar(
            select(func.count(Inquiry.id)).where(acting, Inquiry.created_at >= _beijing_day_start_utc())
        )
        or 0
    )


def _check_cap(org: Organisation) -> None:
    # Taken from a counter row in one conditional UPDATE, so parallel sends cannot all pass a
    # count they read at the same moment (SQLite has no row locks); a failed send gives it back.
    if not counters.take(
        "inquiries",
        f"org:{org.id}",
        beijing_today().isoformat(),
        daily_cap(),
        already=lambda: sent_today(org.id),
    ):
        raise RateLimited(
            gettext("本单位今天已发送 %(n)s 条对接意向，已达每日上限，请明天再发送", n=daily_cap())
        )


def _clean_purpose_and_message(purpose: str, message: str) -> tuple[str, str]:
    fields = {}
    if purpose not in PURPOSES:
        fields["purpose"] = gettext("请选择合作方式：许可、转让、合作开发/实施或技术咨询")
    message = (message or "").strip()
    if not message:
        fields["message"] = gettext("请填写留言，说明您的需求或来意")
    elif len(message) > 2000:
        fields["message"] = gettext("留言不能超过 2000 字")
    if fields:
        raise ValidationError(gettext("对接意向填写有误"), fields=fields)
    return purpose, message


def _published(listing, gone: str):
    """The listing if it is public; `gone` is the message (an id) when it is not."""
    if listing is None or listing.effective_status != "published":
        raise NotFound(gettext(gone))
    return listing


def _presented_at(event_id: int | None, kind: str, listing_id: int) -> int | None:
    """The event an inquiry came from, kept only when the listing is presented there.

    The events feature builds on deals, so its table is read through the metadata, not imported.
    """
    if not event_id:
        return None
    projects = db.metadata.tables["event_projects"]
    found = db.session.scalar(
        select(projects.c.event_id).where(
            projects.c.event_id == event_id, projects.c[f"{kind}_id"] == listing_id
        )
    )
    return event_id if found else None


def _store_inquiry(inquiry: Inquiry) -> Inquiry:
    if db.session.scalar(select(Inquiry.id).where(Inquiry.open_key == inquiry.open_key)):
        raise Conflict(gettext("您已就此发送过对接意向，对方尚未答复，请耐心等待"))
    try:
        # A savepoint: losing the race to an identical inquiry undoes only this insert, and the
        # caller's unit of work decides about the rest.
        with db.session.begin_nested():
            db.session.add(inquiry)
    except IntegrityError:
        raise Conflict(gettext("您已就此发送过对接意向，对方尚未答复，请耐心等待")) from None
    return inquiry


def _refuse_live_deal(**pair) -> None:
    """One live deal per pair is enough: a new inquiry while talking would only confuse."""
    stmt = select(Deal.id).where(Deal.stage.not_in(("closed",)))
    for column, value in pair.items():
        stmt = stmt.where(getattr(Deal, column) == value)
    if db.session.scalar(stmt):
        raise Conflict(gettext("双方已就此建立对接，请在“我的对接”中继续洽谈"))


def send_inquiry(
    user,
    *,
    listing_kind: str,
    listing_id: int,
    purpose: str,
    message: str,
    wants_private_details: bool = False,
    demand_id: int | None = None,
    on_behalf_of_org_id: int | None = None,
    event_id: int | None = None,
) -> Inquiry:
    """Send an inquiry about a patent or result, as an enterprise or a broker for one."""
    acting_org = _require_verified(user)
    model = SUPPLY_MODELS.get(listing_kind)
    if model is None:
        raise ValidationError(
            gettext("只能就专利或科技成果发送对接意向"),
            fields={"listing_kind": gettext("应为 patent 或 result")},
        )
    if acting_org.org_type == Role.BROKER:
        if not on_behalf_of_org_id:
            raise ValidationError(
                gettext("技术经纪机构须代表一家企业发送意向"),
                fields={"on_behalf_of": gettext("请填写委托企业")},
            )
        sender = db.session.get(Organisation, on_behalf_of_org_id)
        if sender is None or sender.org_type not in INQUIRER_TYPES:
            raise ValidationError(
                gettext("委托单位须为平台上的企业"), fields={"on_behalf_of": gettext("找不到该企业")}
            )
        if not sender.is_verified:
            raise ValidationError(
                gettext("委托企业尚未通过认证"), fields={"on_behalf_of": gettext("该企业尚未认证")}
            )
        introducer = acting_org
    elif acting_org.org_type in INQUIRER_TYPES:
        if on_behalf_of_org_id and on_behalf_of_org_id != acting_org.id:
            raise PermissionDenied(gettext("只有技术经纪机构可以代表其他单位发送意向"))
        sender, introducer = acting_org, None
    else:
        raise PermissionDenied(
            gettext("对接意向由企业（或受托的技术经纪机构）发送；高校和院所可向需求推荐成果")
        )
    gone = N_("该专利不存在或已不再公开") if listing_kind == "patent" else N_("该成果不存在或已不再公开")
    listing = _published(db.session.get(model, listing_id), gone)
    if listing.organisation_id == sender.id:
        raise ValidationError(gettext("不能对本单位发布的内容发送对接意向"))
    demand = None
    if demand_id:
        demand = db.session.get(Demand, demand_id)
        if demand is None or demand.organisation_id != sender.id:
            raise ValidationError(
                gettext("关联的需求须为本单位发布的需求"),
                fields={"demand_id": gettext("请选择本单位的需求")},
            )
    purpose, message = _clean_purpose_and_message(purpose, message)
    _check_cap(acting_org)
    _refuse_live_deal(buyer_org_id=sender.id, **{f"{listing_kind}_id": listing.id})
    inquiry = Inquiry(
        kind="inquiry",
        sender_org_id=sender.id,
        recipient_org_id=listing.organisation_id,
        sent_by_id=user.id,
        introducer_org_id=introducer.id if introducer else None,
        demand_id=demand.id if demand else None,
        event_id=_presented_at(event_id, listing_kind, listing.id),
        purpose=purpose,
        message=message,
        wants_private_details=bool(wants_private_details),
        open_key=f"i:{sender.id}:{listing_kind}:{listing.id}",
        created_at=utcnow(),
    )
    setattr(inquiry, f"{listing_kind}_id", listing.id)
    _store_inquiry(inquiry)
    record_audit(
        user,
        "inquiry.sent",
        inquiry,
        after={"listing": f"{listing_kind}:{listing.id}", "purpose": purpose, "demand_id": inquiry.demand_id},
        summary=f"就《{listing.title}》发送对接意向",
    )
    _announce_new(inquiry, listing.title)
    return inquiry


def offer_result(
    user,
    *,
    demand_id: int,
    result_id: int,
    purpose: str,
    message: str,
    wants_private_details: bool = False,
    event_id: int | None = None,
) -> Inquiry:
    """Offer one of a university's or institute's published results to an open demand."""
    org = _require_verified(user)
    if org.org_type not in OFFERER_TYPES:
        raise PermissionDenied(gettext("只有高校和科研院所可以向需求推荐成果"))
    demand = _published(db.session.get(Demand, demand_id), N_("该需求不存在或已不再公开"))
    if demand.organisation_id == org.id:
        raise ValidationError(gettext("不能向本单位的需求推荐成果"))
    result = db.session.get(ResearchResult, result_id) if result_id else None
    if result is None or result.organisation_id != org.id or result.effective_status != "published":
        raise ValidationError(
            gettext("请选择本单位已发布的一项成果"),
            fields={"result_id": gettext("请选择本单位已发布的成果")},
        )
    purpose, message = _clean_purpose_and_message(purpose, message)
    _check_cap(org)
    _refuse_live_deal(result_id=result.id, demand_id=demand.id)
    inquiry = Inquiry(
        kind="offer",
        sender_org_id=org.id,
        recipient_org_id=demand.organisation_id,
        sent_by_id=user.id,
        result_id=result.id,
        demand_id=demand.id,
        event_id=_presented_at(event_id, "demand", demand.id),
        purpose=purpose,
        message=message,
        wants_private_details=bool(wants_private_details),
        open_key=f"o:{result.id}:{demand.id}",
        created_at=utcnow(),
    )
    _store_inquiry(inquiry)
    record_audit(
        user,
        "inquiry.offered",
        inquiry,
        after={"result_id": result.id, "demand_id": demand.id, "purpose": purpose},
        summary=f"向需求《{demand.title}》推荐成果《{result.title}》",
    )
    _announce_new(inquiry, demand.title)
    return inquiry


# Notices are stored as message ids with values (see notices.services.notify), so a label chosen
# from a list is part of the id: one sentence per code, each reader gets it in their language.
ANNOUNCE_BODIES = {
    "license": N_("合作方式：许可。请在 7 天内答复。"),
    "transfer": N_("合作方式：转让。请在 7 天内答复。"),
    "cooperation": N_("合作方式：合作开发/实施。请在 7 天内答复。"),
    "consulting": N_("合作方式：技术咨询。请在 7 天内答复。"),
}
DECLINE_BODIES = {
    "not_available": (N_("原因：该技术已转让或暂不对外"), N_("原因：该技术已转让或暂不对外，%(text)s")),
    "mismatch": (N_("原因：技术方向不匹配"), N_("原因：技术方向不匹配，%(text)s")),
    "terms": (N_("原因：合作方式或条件不合适"), N_("原因：合作方式或条件不合适，%(text)s")),
    "more_info": (N_("原因：信息不足，请补充后再联系"), N_("原因：信息不足，请补充后再联系，%(text)s")),
    "other": (N_("原因：其他"), N_("原因：其他，%(text)s")),
}


def _announce_new(inquiry: Inquiry, title: str) -> None:
    if inquiry.kind == "offer":
        heading = N_("有单位就《%(title)s》推荐了一项成果")
    else:
        heading = N_("有单位就《%(title)s》发来对接意向")
    notify(
        inquiry.recipient_org_id,
        "inquiry",
        heading,
        body=ANNOUNCE_BODIES[inquiry.purpose],
        params={"title": title},
        url=inquiry_path(inquiry.id),
        subject_key=f"inquiry:{inquiry.id}",
        email=True,
    )


# ----------------------------------------------------------------- answering


def _pending_for_answer(user, inquiry: Inquiry) -> None:
    if not can(user, "answer", inquiry):
        raise PermissionDenied(gettext("只有被联系的单位可以答复此意向"))
    if not user.org.is_verified:
        raise PermissionDenied(gettext("本单位尚未通过认证，认证通过后才能答复"))
    if inquiry.status != "pending":
        raise Conflict(gettext("该意向%(status)s，不能再答复", status=tr(inquiry.status_label)))


def _claim_answer(inquiry: Inquiry, **values) -> None:
    """Answer (or withdraw) a pending inquiry once: a concurrent second answer gets a Conflict."""
    if not claim(inquiry, Inquiry.status == "pending", open_key=None, **values):
        raise Conflict(
            gettext("该意向刚刚已被处理（%(status)s），请刷新页面查看", status=tr(inquiry.status_label))
        )


def accept_inquiry(user, inquiry: Inquiry) -> Deal:
    """Accept: contact and requested details are revealed, and a deal thread opens."""
    _pending_for_answer(user, inquiry)
    now = utcnow()
    _claim_answer(inquiry, status="accepted", answered_by_id=user.id, answered_at=now)
    if inquiry.kind == "offer":
        seller_id, buyer_id = inquiry.sender_org_id, inquiry.recipient_org_id
    else:
        seller_id, buyer_id = inquiry.recipient_org_id, inquiry.sender_org_id
    field = (inquiry.result.technology_field if inquiry.result else None) or (
        inquiry.demand.technology_field if inquiry.demand else None
    )
    deal = Deal(
        inquiry=inquiry,
        seller_org_id=seller_id,
        buyer_org_id=buyer_id,
        broker_org_id=inquiry.introducer_org_id,
        broker_source="introduced" if inquiry.introducer_org_id else None,
        patent_id=inquiry.patent_id,
        result_id=inquiry.result_id,
        demand_id=inquiry.demand_id,
        technology_field=field,
        stage="contact",
        created_at=now,
        last_activity_at=now,
    )
    db.session.add(deal)
    db.session.flush()
    record_audit(
        user,
        "inquiry.accepted",
        inquiry,
        before={"status": "pending"},
        after={"status": "accepted", "deal_id": deal.id},
    )
    record_audit(user, "deal.opened", deal, after={"stage": "contact", "broker_org_id": deal.broker_org_id})
    title = inquiry.target.title if inquiry.target else ""
    for org_id in {inquiry.sender_org_id, *broker_org_ids(inquiry)}:
        notify(
            org_id,
            "answer",
            N_("对方已接受您关于《%(title)s》的对接意向"),
            body=N_("联系方式已向双方公开，请在对接页面继续洽谈。"),
            params={"title": title},
            url=deal_path(deal.id),
            subject_key=f"inquiry-answer:{inquiry.id}",
            email=True,
        )
    return deal


def decline_inquiry(user, inquiry: Inquiry, reason: str, text: str = "") -> Inquiry:
    """Decline with a reason from the list; `other` needs a sentence of explanation."""
    _pending_for_answer(user, inquiry)
    text = (text or "").strip()
    if reason not in DECLINE_REASONS:
        raise ValidationError(gettext("请选择婉拒原因"), fields={"reason": gettext("请从列表中选择原因")})
    if reason == "other" and not text:
        raise ValidationError(gettext("选择“其他”时请填写说明"), fields={"text": gettext("请说明婉拒的原因")})
    if len(text) > 500:
        raise ValidationError(gettext("说明不能超过 500 字"), fields={"text": gettext("说明不能超过 500 字")})
    _claim_answer(
        inquiry,
        status="declined",
        decline_reason=reason,
        decline_text=text,
        answered_by_id=user.id,
        answered_at=utcnow(),
    )
    record_audit(
        user,
        "inquiry.declined",
        inquiry,
        before={"status": "pending"},
        after={"status": "declined", "reason": reason},
    )
    title = inquiry.target.title if inquiry.target else ""
    for org_id in {inquiry.sender_org_id, *broker_org_ids(inquiry)}:
        notify(
            org_id,
            "answer",
            N_("对方婉拒了您关于《%(title)s》的对接意向"),
            body=DECLINE_BODIES[reason][1 if text else 0],
            params={"title": title, "text": text},
            url=inquiry_path(inquiry.id),
            subject_key=f"inquiry-answer:{inquiry.id}",
            email=True,
        )
    return inquiry


def withdraw_inquiry(user, inquiry: Inquiry) -> Inquiry:
    """The sender (or its broker) takes back an unanswered inquiry."""
    if not can(user, "withdraw", inquiry):
        raise PermissionDenied(gettext("只有发送方可以撤回意向"))
    if inquiry.status != "pending":
        raise Conflict(gettext("该意向%(status)s，不能撤回", status=tr(inquiry.status_label)))
    _claim_answer(inquiry, status="withdrawn")
    record_audit(
        user, "inquiry.withdrawn", inquiry, before={"status": "pending"}, after={"status": "withdrawn"}
    )
    return inquiry


# ----------------------------------------------------------------- reminders


def remind_overdue() -> int:
    """Tell owners about inquiries unanswered for 7 days; each inquiry is announced once."""
    cutoff = utcnow() - overdue_after()
    overdue = db.session.scalars(
        select(Inquiry).where(
            Inquiry.status == "pending", Inquiry.created_at < cutoff, Inquiry.reminded_at.is_(None)
        )
    ).all()
    reminded = 0
    for inquiry in overdue:
        # Two reminder runs at once (two workers, or a worker and the CLI) remind each inquiry once.
        if not claim(inquiry, Inquiry.reminded_at.is_(None), reminded_at=utcnow()):
            continue
        reminded += 1
        title = inquiry.target.title if inquiry.target else ""
        notify(
            inquiry.recipient_org_id,
            "inquiry",
            N_("关于《%(title)s》的对接意向已超过 7 天未答复"),
            body=N_("对方仍在等待答复，请接受或婉拒。"),
            params={"title": title},
            url=inquiry_path(inquiry.id),
            subject_key=f"inquiry-overdue:{inquiry.id}",
            email=True,
        )
    return reminded

"""Inquiries, answers and the deal pipeline: the rules, in one place, for pages, API and CLI."""

from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from marketplace.common import counters
from marketplace.common.audit import record_audit
from marketplace.common.errors import Conflict, NotFound, PermissionDenied, RateLimited, ValidationError
from marketplace.common.rows import claim
from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.common.uploads import store_upload
from marketplace.deals.models import (
    CLOSE_REASONS,
    DECLINE_REASONS,
    PURPOSES,
    REPORT_REASONS,
    STAGE_MOVES,
    STAGES,
    Deal,
    DealMessage,
    DealReport,
    Inquiry,
)
from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent, ResearchResult
from marketplace.notices.services import notify
from marketplace.organisations.models import Organisation

# Who may start what: enterprises ask about supply (a broker may ask for one); universities and
# institutes offer their results to demands.
INQUIRER_TYPES = ("enterprise",)
OFFERER_TYPES = ("university", "institute")
MESSAGE_MAX = 5000
ATTACHMENT_KINDS = ("pdf", "png", "jpeg")

SUPPLY_MODELS = {"patent": Patent, "result": ResearchResult}


def inquiry_path(inquiry_id: int) -> str:
    # Plain paths, not url_for: notices are also made by CLI commands that have no request.
    return f"/deals/inquiries/{inquiry_id}"


def deal_path(deal_id: int) -> str:
    return f"/deals/{deal_id}"


def daily_cap() -> int:
    return int(current_app.config.get("DEALS_DAILY_INQUIRY_CAP", 20))


def overdue_after() -> timedelta:
    return timedelta(days=int(current_app.config.get("DEALS_OVERDUE_DAYS", 7)))


def _beijing_day_start_utc() -> datetime:
    """The start of today in Beijing, as the naive UTC timestamps are stored."""
    return datetime.combine(beijing_today(), time()) - timedelta(hours=8)


# ----------------------------------------------------------------- sending inquiries and offers


def _require_verified(user) -> Organisation:
    org = getattr(user, "org", None)
    if org is None:
        raise PermissionDenied("请先加入一个单位，才能发送对接意向")
    if not org.is_verified:
        raise PermissionDenied("本单位尚未通过认证，认证通过后才能发送对接意向")
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
        raise RateLimited(f"本单位今天已发送 {daily_cap()} 条对接意向，已达每日上限，请明天再发送")


def _clean_purpose_and_message(purpose: str, message: str) -> tuple[str, str]:
    fields = {}
    if purpose not in PURPOSES:
        fields["purpose"] = "请选择合作方式：许可、转让、合作开发/实施或技术咨询"
    message = (message or "").strip()
    if not message:
        fields["message"] = "请填写留言，说明您的需求或来意"
    elif len(message) > 2000:
        fields["message"] = "留言不能超过 2000 字"
    if fields:
        raise ValidationError("对接意向填写有误", fields=fields)
    return purpose, message


def _published(listing, what: str):
    if listing is None or listing.effective_status != "published":
        raise NotFound(f"该{what}不存在或已不再公开")
    return listing


def _store_inquiry(inquiry: Inquiry) -> Inquiry:
    if db.session.scalar(select(Inquiry.id).where(Inquiry.open_key == inquiry.open_key)):
        raise Conflict("您已就此发送过对接意向，对方尚未答复，请耐心等待")
    db.session.add(inquiry)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("您已就此发送过对接意向，对方尚未答复，请耐心等待") from None
    return inquiry


def _refuse_live_deal(**pair) -> None:
    """One live deal per pair is enough: a new inquiry while talking would only confuse."""
    stmt = select(Deal.id).where(Deal.stage.not_in(("closed",)))
    for column, value in pair.items():
        stmt = stmt.where(getattr(Deal, column) == value)
    if db.session.scalar(stmt):
        raise Conflict("双方已就此建立对接，请在“我的对接”中继续洽谈")


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
) -> Inquiry:
    """Send an inquiry about a patent or result, as an enterprise or a broker for one."""
    acting_org = _require_verified(user)
    model = SUPPLY_MODELS.get(listing_kind)
    if model is None:
        raise ValidationError(
            "只能就专利或科技成果发送对接意向", fields={"listing_kind": "应为 patent 或 result"}
        )
    if acting_org.org_type == "broker":
        if not on_behalf_of_org_id:
            raise ValidationError(
                "技术经纪机构须代表一家企业发送意向", fields={"on_behalf_of": "请填写委托企业"}
            )
        sender = db.session.get(Organisation, on_behalf_of_org_id)
        if sender is None or sender.org_type not in INQUIRER_TYPES:
            raise ValidationError("委托单位须为平台上的企业", fields={"on_behalf_of": "找不到该企业"})
        if not sender.is_verified:
            raise ValidationError("委托企业尚未通过认证", fields={"on_behalf_of": "该企业尚未认证"})
        introducer = acting_org
    elif acting_org.org_type in INQUIRER_TYPES:
        if on_behalf_of_org_id and on_behalf_of_org_id != acting_org.id:
            raise PermissionDenied("只有技术经纪机构可以代表其他单位发送意向")
        sender, introducer = acting_org, None
    else:
        raise PermissionDenied("对接意向由企业（或受托的技术经纪机构）发送；高校和院所可向需求推荐成果")
    listing = _published(db.session.get(model, listing_id), "专利" if listing_kind == "patent" else "成果")
    if listing.organisation_id == sender.id:
        raise ValidationError("不能对本单位发布的内容发送对接意向")
    demand = None
    if demand_id:
        demand = db.session.get(Demand, demand_id)
        if demand is None or demand.organisation_id != sender.id:
            raise ValidationError(
                "关联的需求须为本单位发布的需求", fields={"demand_id": "请选择本单位的需求"}
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
) -> Inquiry:
    """Offer one of a university's or institute's published results to an open demand."""
    org = _require_verified(user)
    if org.org_type not in OFFERER_TYPES:
        raise PermissionDenied("只有高校和科研院所可以向需求推荐成果")
    demand = _published(db.session.get(Demand, demand_id), "需求")
    if demand.organisation_id == org.id:
        raise ValidationError("不能向本单位的需求推荐成果")
    result = db.session.get(ResearchResult, result_id) if result_id else None
    if result is None or result.organisation_id != org.id or result.effective_status != "published":
        raise ValidationError(
            "请选择本单位已发布的一项成果", fields={"result_id": "请选择本单位已发布的成果"}
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


def _announce_new(inquiry: Inquiry, title: str) -> None:
    what = "推荐了一项成果" if inquiry.kind == "offer" else "发来对接意向"
    notify(
        inquiry.recipient_org_id,
        "inquiry",
        f"有单位就《{title}》{what}",
        body=f"合作方式：{inquiry.purpose_label}。请在 7 天内答复。",
        url=inquiry_path(inquiry.id),
        subject_key=f"inquiry:{inquiry.id}",
        email=True,
    )


# ----------------------------------------------------------------- who sees what


def viewer_org_id(user) -> int | None:
    org = getattr(user, "org", None) if getattr(user, "is_authenticated", False) else None
    return org.id if org is not None else None


def _broker_org_ids(inquiry: Inquiry) -> set[int]:
    ids = {inquiry.introducer_org_id} if inquiry.introducer_org_id else set()
    if inquiry.deal is not None and inquiry.deal.broker_org_id:
        ids.add(inquiry.deal.broker_org_id)
    return ids


def can_view_inquiry(user, inquiry: Inquiry) -> bool:
    org_id = viewer_org_id(user)
    if org_id is None:
        return False
    return org_id in (inquiry.sender_org_id, inquiry.recipient_org_id) or org_id in _broker_org_ids(inquiry)


def can_answer(user, inquiry: Inquiry) -> bool:
    return viewer_org_id(user) == inquiry.recipient_org_id


def org_name_for(inquiry: Inquiry, org: Organisation | None, user) -> str:
    """An organisation's name as this viewer may see it: a hidden demand owner stays 某企业.

    The demand's own rule decides (Demand.shows_name_to): an accepted inquiry makes its
    counterpart see the name, as do the owner, the bureau and verified brokers.
    """
    if org is None:
        return ""
    demand = inquiry.demand
    if demand is None or demand.organisation_id != org.id:
        return org.name
    return demand.public_org_name(user)


def contacts_for(inquiry: Inquiry, user) -> list[dict]:
    """Contact details of the other side, once the inquiry is accepted; nothing before."""
    if inquiry.status != "accepted":
        return []
    viewer = viewer_org_id(user)
    if viewer in (inquiry.sender_org_id, inquiry.recipient_org_id):
        others = [inquiry.recipient_org if viewer == inquiry.sender_org_id else inquiry.sender_org]
    elif viewer in _broker_org_ids(inquiry):
        others = [inquiry.sender_org, inquiry.recipient_org]
    else:
        return []
    contacts = []
    for org in others:
        entry = {
            "org_id": org.id,
            "organisation": org.name,
            "contact_name": org.contact_name,
            "contact_phone": org.contact_phone,
            "contact_email": org.contact_email,
        }
        result = inquiry.result
        if (
            result is not None
            and result.organisation_id == org.id
            and (result.contact_name or result.contact_phone)
        ):
            entry["result_contact_name"] = result.contact_name
            entry["result_contact_phone"] = result.contact_phone
        contacts.append(entry)
    return contacts


def private_details_for(inquiry: Inquiry, user) -> list[dict]:
    """Private details the viewer may read: only after acceptance, and only the other side's."""
    if inquiry.status != "accepted":
        return []
    viewer = viewer_org_id(user)
    brokers = _broker_org_ids(inquiry)
    shown = []
    target = inquiry.target
    # The asker sees the target's private part when it asked for it.
    if (viewer == inquiry.sender_org_id or viewer in brokers) and inquiry.wants_private_details:
        if target is not None and target.private_details:
            shown.append(
                {"kind": target.kind, "id": target.id, "title": target.title, "text": target.private_details}
            )
    # In an offer, the university chose to share its result with the demand's owner.
    if inquiry.kind == "offer" and (viewer == inquiry.recipient_org_id or viewer in brokers):
        result = inquiry.result
        if result is not None and result.private_details:
            shown.append(
                {"kind": "result", "id": result.id, "title": result.title, "text": result.private_details}
            )
    return shown


def is_overdue(inquiry: Inquiry) -> bool:
    return inquiry.status == "pending" and utcnow() - inquiry.created_at > overdue_after()


# ----------------------------------------------------------------- answering


def _pending_for_answer(user, inquiry: Inquiry) -> None:
    if not can_answer(user, inquiry):
        raise PermissionDenied("只有被联系的单位可以答复此意向")
    if not user.org.is_verified:
        raise PermissionDenied("本单位尚未通过认证，认证通过后才能答复")
    if inquiry.status != "pending":
        raise Conflict(f"该意向{inquiry.status_label}，不能再答复")


def _claim_answer(inquiry: Inquiry, **values) -> None:
    """Answer (or withdraw) a pending inquiry once: a concurrent second answer gets a Conflict."""
    if not claim(inquiry, Inquiry.status == "pending", open_key=None, **values):
        raise Conflict(f"该意向刚刚已被处理（{inquiry.status_label}），请刷新页面查看")


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
    for org_id in {inquiry.sender_org_id, *_broker_org_ids(inquiry)}:
        notify(
            org_id,
            "answer",
            f"对方已接受您关于《{title}》的对接意向",
            body="联系方式已向双方公开，请在对接页面继续洽谈。",
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
        raise ValidationError("请选择婉拒原因", fields={"reason": "请从列表中选择原因"})
    if reason == "other" and not text:
        raise ValidationError("选择“其他”时请填写说明", fields={"text": "请说明婉拒的原因"})
    if len(text) > 500:
        raise ValidationError("说明不能超过 500 字", fields={"text": "说明不能超过 500 字"})
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
    for org_id in {inquiry.sender_org_id, *_broker_org_ids(inquiry)}:
        notify(
            org_id,
            "answer",
            f"对方婉拒了您关于《{title}》的对接意向",
            body=f"原因：{inquiry.decline_reason_label}{('，' + text) if text else ''}",
            url=inquiry_path(inquiry.id),
            subject_key=f"inquiry-answer:{inquiry.id}",
            email=True,
        )
    return inquiry


def withdraw_inquiry(user, inquiry: Inquiry) -> Inquiry:
    """The sender (or its broker) takes back an unanswered inquiry."""
    org_id = viewer_org_id(user)
    if org_id not in (inquiry.sender_org_id, inquiry.introducer_org_id):
        raise PermissionDenied("只有发送方可以撤回意向")
    if inquiry.status != "pending":
        raise Conflict(f"该意向{inquiry.status_label}，不能撤回")
    _claim_answer(inquiry, status="withdrawn")
    record_audit(
        user, "inquiry.withdrawn", inquiry, before={"status": "pending"}, after={"status": "withdrawn"}
    )
    return inquiry


# ----------------------------------------------------------------- deals


def get_deal_for(user, deal_id: int) -> Deal:
    deal = db.session.get(Deal, deal_id)
    if deal is None:
        raise NotFound("对接不存在")
    if not deal.can_view(user):
        raise PermissionDenied("只有对接双方及其技术经纪机构可以查看")
    return deal


def _others(deal: Deal, author_org_id: int | None) -> set[int]:
    ids = {deal.seller_org_id, deal.buyer_org_id}
    if deal.broker_org_id:
        ids.add(deal.broker_org_id)
    ids.discard(author_org_id)
    return ids


def _deal_title(deal: Deal) -> str:
    target = deal.inquiry.target if deal.inquiry else None
    return target.title if target is not None else f"对接 #{deal.id}"


def post_message(user, deal: Deal, body: str, upload=None) -> DealMessage:
    """Add a message (and optionally one attachment) to a deal thread and tell the others."""
    if not deal.can_view(user):
        raise PermissionDenied("只有对接双方及其技术经纪机构可以发消息")
    body = (body or "").strip()
    if len(body) > MESSAGE_MAX:
        raise ValidationError(
            f"消息不能超过 {MESSAGE_MAX} 字", fields={"body": f"消息不能超过 {MESSAGE_MAX} 字"}
        )
    has_file = upload is not None and getattr(upload, "filename", "")
    if not body and not has_file:
        raise ValidationError("请填写消息内容或选择附件", fields={"body": "消息内容不能为空"})
    message = DealMessage(
        deal=deal, author_id=user.id, author_org_id=user.org.id, body=body, created_at=utcnow()
    )
    if has_file:
        stored = store_upload(
            upload,
            f"deals/{deal.id}",
            max_bytes=current_app.config.get("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024),
            kinds=ATTACHMENT_KINDS,
        )
        message.attachment_path = stored["path"]
        message.attachment_filename = stored["filename"]
        message.attachment_mimetype = stored["mimetype"]
        message.attachment_size = stored["size"]
    db.session.add(message)
    deal.last_activity_at = message.created_at
    db.session.flush()
    for org_id in _others(deal, user.org.id):
        notify(
            org_id,
            "message",
            f"《{_deal_title(deal)}》有新消息",
            body=(body[:100] if body else f"附件：{message.attachment_filename}"),
            url=deal_path(deal.id) + f"#m{message.id}",
            email=True,
        )
    return message


def _stage_notice(deal: Deal, actor_org_id: int | None, text: str) -> None:
    for org_id in _others(deal, actor_org_id):
        notify(
            org_id,
            "stage",
            f"《{_deal_title(deal)}》{text}",
            url=deal_path(deal.id),
            email=True,
        )


def change_stage(user, deal: Deal, stage: str, reason: str | None = None, text: str = "") -> Deal:
    """Move a deal along contact → negotiating → agreed, or close it with a reason."""
    if not deal.is_party(user):
        raise PermissionDenied("只有对接双方可以更新进展")
    if stage not in STAGES:
        raise ValidationError("未知的进展阶段", fields={"stage": "请选择进展阶段"})
    if stage == "contracted":
        raise ValidationError(
            "“已签合同并登记”在技术合同登记后自动更新", fields={"stage": "请先登记技术合同"}
        )
    if stage not in STAGE_MOVES.get(deal.stage, ()):
        raise Conflict(f"当前阶段“{deal.stage_label}”不能改为“{STAGES[stage]}”")
    text = (text or "").strip()
    if len(text) > 500:
        raise ValidationError("说明不能超过 500 字", fields={"text": "说明不能超过 500 字"})
    before = {"stage": deal.stage}
    now = utcnow()
    values = {"stage": stage, "last_activity_at": now}
    if stage == "closed":
        if reason not in CLOSE_REASONS:
            raise ValidationError("终止对接须选择原因", fields={"reason": "请从列表中选择终止原因"})
        if reason == "other" and not text:
            raise ValidationError("选择“其他”时请填写说明", fields={"text": "请说明终止的原因"})
        values.update(close_reason=reason, close_text=text, closed_at=now)
    if stage == "agreed" and deal.agreed_at is None:
        values["agreed_at"] = now
    # The move was checked against the stage read above; it applies only if that is still stored.
    if not claim(deal, Deal.stage == before["stage"], **values):
        raise Conflict(f"对方刚刚已将进展更新为“{deal.stage_label}”，请刷新页面后再操作")
    after = {"stage": stage}
    if stage == "closed":
        after.update(reason=reason, text=text)
    record_audit(
        user, "deal.stage_changed", deal, before=before, after=after, summary=f"进展改为“{STAGES[stage]}”"
    )
    _stage_notice(deal, user.org.id, f"进展改为“{STAGES[stage]}”")
    return deal


def broker_choices() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.org_type == "broker", Organisation.verification_status == "verified")
            .order_by(Organisation.name)
        )
    )


def invite_broker(user, deal: Deal, broker_org_id: int) -> Deal:
    """A party asks a verified broker to join the deal; there is one broker per deal."""
    if not deal.is_party(user):
        raise PermissionDenied("只有对接双方可以邀请技术经纪机构")
    if deal.broker_org_id:
        raise Conflict("该对接已有技术经纪机构参与")
    if deal.stage in ("contracted", "closed"):
        raise Conflict("对接已结束，不能再邀请技术经纪机构")
    broker = db.session.get(Organisation, broker_org_id) if broker_org_id else None
    if broker is None or broker.org_type != "broker" or not broker.is_verified:
        raise ValidationError(
            "请选择已认证的技术经纪机构", fields={"broker_org_id": "请选择已认证的技术经纪机构"}
        )
    # One broker per deal, even when both parties invite one at the same moment.
    if not claim(
        deal,
        Deal.broker_org_id.is_(None),
        Deal.stage.not_in(("contracted", "closed")),
        broker_org_id=broker.id,
        broker_source="invited",
    ):
        raise Conflict("该对接刚刚已有技术经纪机构参与或已结束，请刷新页面查看")
    record_audit(
        user, "deal.broker_invited", deal, before={"broker_org_id": None}, after={"broker_org_id": broker.id}
    )
    notify(
        broker.id,
        "stage",
        f"您被邀请参与对接《{_deal_title(deal)}》",
        url=deal_path(deal.id),
        email=True,
    )
    _stage_notice(deal, user.org.id, f"邀请了技术经纪机构“{broker.name}”")
    return deal


def on_contract_registered(deal_id: int, contract_id: int) -> Deal:
    """A registered contract cites the deal: mark it contracted and credit its broker.

    Called by the contracts feature inside its own transaction (it commits). A contract is the
    outcome that counts, so even a deal closed by hand becomes `contracted`; calling it again for
    the same contract changes nothing.
    """
    deal = db.session.get(Deal, deal_id)
    if deal is None:
        raise NotFound("合同引用的对接不存在")
    if deal.stage == "contracted" and deal.contract_id == contract_id:
        return deal
    before = {"stage": deal.stage, "contract_id": deal.contract_id}
    now = utcnow()
    deal.stage = "contracted"
    deal.contract_id = contract_id
    deal.contracted_at = deal.contracted_at or now
    deal.broker_credited = deal.broker_org_id is not None
    deal.last_activity_at = now
    record_audit(
        None,
        "deal.contracted",
        deal,
        before=before,
        after={"stage": "contracted", "contract_id": contract_id, "broker_credited": deal.broker_credited},
        summary="技术合同登记，对接完成",
    )
    _stage_notice(deal, None, "的技术合同已登记")
    return deal


def stage_history(deal: Deal) -> list:
    from marketplace.common.audit import AuditLog

    return list(
        db.session.scalars(
            select(AuditLog)
            .where(AuditLog.object_type == "deals", AuditLog.object_id == deal.id)
            .order_by(AuditLog.id)
        )
    )


# ----------------------------------------------------------------- reminders and reports


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
            f"关于《{title}》的对接意向已超过 7 天未答复",
            body="对方仍在等待答复，请接受或婉拒。",
            url=inquiry_path(inquiry.id),
            subject_key=f"inquiry-overdue:{inquiry.id}",
            email=True,
        )
    return reminded


def report_inquiry(user, inquiry: Inquiry, reason: str, text: str = "") -> DealReport:
    """Report spam or abuse in an inquiry or its deal to the bureau."""
    if not can_view_inquiry(user, inquiry):
        raise PermissionDenied("只能举报与本单位相关的意向或对接")
    text = (text or "").strip()
    if reason not in REPORT_REASONS:
        raise ValidationError("请选择举报原因", fields={"reason": "请从列表中选择举报原因"})
    if len(text) > 1000:
        raise ValidationError("说明不能超过 1000 字", fields={"text": "说明不能超过 1000 字"})
    report = DealReport(
        inquiry_id=inquiry.id, reporter_org_id=user.org.id, reporter_id=user.id, reason=reason, text=text
    )
    db.session.add(report)
    record_audit(user, "deal_report.filed", report, after={"inquiry_id": inquiry.id, "reason": reason})
    bureaus = db.session.scalars(
        select(Organisation.id).where(
            Organisation.org_type == "bureau", Organisation.verification_status == "verified"
        )
    ).all()
    for bureau_id in bureaus:
        notify(
            bureau_id,
            "system",
            f"收到对接举报：{report.reason_label}",
            body=text[:200],
            url="/bureau/deal-reports",
        )
    return report


def open_report_count() -> int:
    return db.session.scalar(select(func.count(DealReport.id)).where(DealReport.status == "open")) or 0


def resolve_report(user, report: DealReport, resolution: str) -> DealReport:
    if user.role != "bureau":
        raise PermissionDenied("只有科技管理部门可以处理举报")
    if report.status != "open":
        raise Conflict("该举报已处理")
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError("请填写处理结果", fields={"resolution": "请填写处理结果"})
    if not claim(
        report,
        DealReport.status == "open",
        status="resolved",
        resolution=resolution[:500],
        resolved_by_id=user.id,
        resolved_at=utcnow(),
    ):
        raise Conflict("该举报刚刚已由其他人处理")
    record_audit(
        user, "deal_report.resolved", report, before={"status": "open"}, after={"status": "resolved"}
    )
    return report


# ----------------------------------------------------------------- lists


def inquiries_stmt(org_id: int, box: str):
    """Inquiries received, sent, or introduced (as a broker) by an organisation, newest first."""
    if box == "received":
        where = Inquiry.recipient_org_id == org_id
    elif box == "introduced":
        where = Inquiry.introducer_org_id == org_id
    else:
        where = or_(Inquiry.sender_org_id == org_id, Inquiry.introducer_org_id == org_id)
    return select(Inquiry).where(where).order_by(Inquiry.id.desc())


def deals_stmt(org_id: int):
    return (
        select(Deal)
        .where(or_(Deal.seller_org_id == org_id, Deal.buyer_org_id == org_id, Deal.broker_org_id == org_id))
        .order_by(Deal.last_activity_at.desc(), Deal.id.desc())
    )


def pending_counts(org_id: int) -> tuple[int, int]:
    """(pending inquiries to answer, of which overdue)."""
    base = select(func.count(Inquiry.id)).where(
        Inquiry.recipient_org_id == org_id, Inquiry.status == "pending"
    )
    pending = db.session.scalar(base) or 0
    overdue = db.session.scalar(base.where(Inquiry.created_at < utcnow() - overdue_after())) or 0
    return pending, overdue


def existing_inquiry(org_id: int, listing) -> Inquiry | None:
    """The viewer's latest inquiry about (or offer to) this listing, to show its state."""
    column = {"patent": Inquiry.patent_id, "result": Inquiry.result_id, "demand": Inquiry.demand_id}[
        listing.kind
    ]
    party = or_(Inquiry.sender_org_id == org_id, Inquiry.introducer_org_id == org_id)
    return db.session.scalar(
        select(Inquiry).where(party, column == listing.id).order_by(Inquiry.id.desc()).limit(1)
    )

"""The deal after an accepted inquiry: its messages, its stages, its broker, and its contract.

A deal moves contact → negotiating → agreed by hand, or closes with a reason; it becomes
`contracted` only when a registered technical contract cites it. Services never commit.
"""

from flask import current_app
from flask_babel import gettext

from marketplace.common.audit import record_audit
from marketplace.common.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.common.i18n import N_, tr
from marketplace.common.permissions import can
from marketplace.common.roles import Role
from marketplace.common.rows import claim
from marketplace.common.timeutil import utcnow
from marketplace.common.uploads import store_upload
from marketplace.deals.models import CLOSE_REASONS, STAGE_MOVES, STAGES, Deal, DealMessage
from marketplace.deals.queries import deal_path
from marketplace.extensions import db
from marketplace.notices.services import notify
from marketplace.organisations.models import Organisation

MESSAGE_MAX = 5000


ATTACHMENT_KINDS = ("pdf", "png", "jpeg")


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
    if not can(user, "view", deal):
        raise PermissionDenied(gettext("只有对接双方及其技术经纪机构可以发消息"))
    body = (body or "").strip()
    if len(body) > MESSAGE_MAX:
        too_long = gettext("消息不能超过 %(n)s 字", n=MESSAGE_MAX)
        raise ValidationError(too_long, fields={"body": too_long})
    has_file = upload is not None and getattr(upload, "filename", "")
    if not body and not has_file:
        raise ValidationError(
            gettext("请填写消息内容或选择附件"), fields={"body": gettext("消息内容不能为空")}
        )
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
            N_("《%(title)s》有新消息"),
            # What the author wrote is a value, not a message: the body id only places it.
            body="%(text)s" if body else N_("附件：%(filename)s"),
            params={
                "title": _deal_title(deal),
                "text": body[:100],
                "filename": message.attachment_filename or "",
            },
            url=deal_path(deal.id) + f"#m{message.id}",
            email=True,
        )
    return message


# One sentence per stage (a message id), so each reader gets the stage in their own language.
STAGE_NOTICES = {
    "contact": N_("《%(title)s》进展改为“初步接洽”"),
    "negotiating": N_("《%(title)s》进展改为“洽谈中”"),
    "agreed": N_("《%(title)s》进展改为“达成一致”"),
    "contracted": N_("《%(title)s》进展改为“已签合同并登记”"),
    "closed": N_("《%(title)s》进展改为“已终止”"),
}


def _stage_notice(deal: Deal, actor_org_id: int | None, title: str, **params) -> None:
    for org_id in _others(deal, actor_org_id):
        notify(
            org_id,
            "stage",
            title,
            params={"title": _deal_title(deal), **params},
            url=deal_path(deal.id),
            email=True,
        )


def change_stage(user, deal: Deal, stage: str, reason: str | None = None, text: str = "") -> Deal:
    """Move a deal along contact → negotiating → agreed, or close it with a reason."""
    if not can(user, "update", deal):
        raise PermissionDenied(gettext("只有对接双方可以更新进展"))
    if stage not in STAGES:
        raise ValidationError(gettext("未知的进展阶段"), fields={"stage": gettext("请选择进展阶段")})
    if stage == "contracted":
        raise ValidationError(
            gettext("“已签合同并登记”在技术合同登记后自动更新"),
            fields={"stage": gettext("请先登记技术合同")},
        )
    if stage not in STAGE_MOVES.get(deal.stage, ()):
        raise Conflict(
            gettext("当前阶段“%(now)s”不能改为“%(next)s”", now=tr(deal.stage_label), next=tr(STAGES[stage]))
        )
    text = (text or "").strip()
    if len(text) > 500:
        raise ValidationError(gettext("说明不能超过 500 字"), fields={"text": gettext("说明不能超过 500 字")})
    before = {"stage": deal.stage}
    now = utcnow()
    values = {"stage": stage, "last_activity_at": now}
    if stage == "closed":
        if reason not in CLOSE_REASONS:
            raise ValidationError(
                gettext("终止对接须选择原因"), fields={"reason": gettext("请从列表中选择终止原因")}
            )
        if reason == "other" and not text:
            raise ValidationError(
                gettext("选择“其他”时请填写说明"), fields={"text": gettext("请说明终止的原因")}
            )
        values.update(close_reason=reason, close_text=text, closed_at=now)
    if stage == "agreed" and deal.agreed_at is None:
        values["agreed_at"] = now
    # The move was checked against the stage read above; it applies only if that is still stored.
    if not claim(deal, Deal.stage == before["stage"], **values):
        raise Conflict(
            gettext("对方刚刚已将进展更新为“%(stage)s”，请刷新页面后再操作", stage=tr(deal.stage_label))
        )
    after = {"stage": stage}
    if stage == "closed":
        after.update(reason=reason, text=text)
    record_audit(
        user, "deal.stage_changed", deal, before=before, after=after, summary=f"进展改为“{STAGES[stage]}”"
    )
    _stage_notice(deal, user.org.id, STAGE_NOTICES[stage])
    return deal


def invite_broker(user, deal: Deal, broker_org_id: int) -> Deal:
    """A party asks a verified broker to join the deal; there is one broker per deal."""
    if not can(user, "update", deal):
        raise PermissionDenied(gettext("只有对接双方可以邀请技术经纪机构"))
    if deal.broker_org_id:
        raise Conflict(gettext("该对接已有技术经纪机构参与"))
    if deal.stage in ("contracted", "closed"):
        raise Conflict(gettext("对接已结束，不能再邀请技术经纪机构"))
    broker = db.session.get(Organisation, broker_org_id) if broker_org_id else None
    if broker is None or broker.org_type != Role.BROKER or not broker.is_verified:
        raise ValidationError(
            gettext("请选择已认证的技术经纪机构"),
            fields={"broker_org_id": gettext("请选择已认证的技术经纪机构")},
        )
    # One broker per deal, even when both parties invite one at the same moment.
    if not claim(
        deal,
        Deal.broker_org_id.is_(None),
        Deal.stage.not_in(("contracted", "closed")),
        broker_org_id=broker.id,
        broker_source="invited",
    ):
        raise Conflict(gettext("该对接刚刚已有技术经纪机构参与或已结束，请刷新页面查看"))
    record_audit(
        user, "deal.broker_invited", deal, before={"broker_org_id": None}, after={"broker_org_id": broker.id}
    )
    notify(
        broker.id,
        "stage",
        N_("您被邀请参与对接《%(title)s》"),
        params={"title": _deal_title(deal)},
        url=deal_path(deal.id),
        email=True,
    )
    _stage_notice(deal, user.org.id, N_("《%(title)s》邀请了技术经纪机构“%(broker)s”"), broker=broker.name)
    return deal


def on_contract_registered(deal_id: int, contract_id: int) -> Deal:
    """A registered contract cites the deal: mark it contracted and credit its broker.

    Called by the contracts feature inside its own transaction (it commits). A contract is the
    outcome that counts, so even a deal closed by hand becomes `contracted`; calling it again for
    the same contract changes nothing.
    """
    deal = db.session.get(Deal, deal_id)
    if deal is None:
        raise NotFound(gettext("合同引用的对接不存在"))
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
    _stage_notice(deal, None, N_("《%(title)s》的技术合同已登记"))
    return deal

"""Reports of spam or abuse in an inquiry or deal, and the bureau's handling of them."""

from flask_babel import gettext
from sqlalchemy import func, select

from marketplace.common.audit import record_audit
from marketplace.common.errors import Conflict, PermissionDenied, ValidationError
from marketplace.common.i18n import N_
from marketplace.common.permissions import can
from marketplace.common.roles import Role, is_bureau
from marketplace.common.rows import claim
from marketplace.common.timeutil import utcnow
from marketplace.deals.models import REPORT_REASONS, DealReport, Inquiry
from marketplace.extensions import db
from marketplace.notices.services import notify
from marketplace.organisations.models import Organisation

# One title per reason (a message id), so each reader of the bureau gets it in their language.
REPORT_NOTICES = {
    "spam": N_("收到对接举报：垃圾或广告信息"),
    "fraud": N_("收到对接举报：虚假信息或诈骗"),
    "abuse": N_("收到对接举报：骚扰或不当言论"),
    "other": N_("收到对接举报：其他"),
}


def report_inquiry(user, inquiry: Inquiry, reason: str, text: str = "") -> DealReport:
    """Report spam or abuse in an inquiry or its deal to the bureau."""
    if not can(user, "view", inquiry):
        raise PermissionDenied(gettext("只能举报与本单位相关的意向或对接"))
    text = (text or "").strip()
    if reason not in REPORT_REASONS:
        raise ValidationError(gettext("请选择举报原因"), fields={"reason": gettext("请从列表中选择举报原因")})
    if len(text) > 1000:
        raise ValidationError(
            gettext("说明不能超过 1000 字"), fields={"text": gettext("说明不能超过 1000 字")}
        )
    report = DealReport(
        inquiry_id=inquiry.id, reporter_org_id=user.org.id, reporter_id=user.id, reason=reason, text=text
    )
    db.session.add(report)
    record_audit(user, "deal_report.filed", report, after={"inquiry_id": inquiry.id, "reason": reason})
    bureaus = db.session.scalars(
        select(Organisation.id).where(
            Organisation.org_type == Role.BUREAU, Organisation.verification_status == "verified"
        )
    ).all()
    for bureau_id in bureaus:
        notify(
            bureau_id,
            "system",
            REPORT_NOTICES[reason],
            body="%(text)s",  # what the reporter wrote, a value
            params={"text": text[:200]},
            url="/bureau/deal-reports",
        )
    return report


def open_report_count() -> int:
    return db.session.scalar(select(func.count(DealReport.id)).where(DealReport.status == "open")) or 0


def resolve_report(user, report: DealReport, resolution: str) -> DealReport:
    if not is_bureau(user):
        raise PermissionDenied(gettext("只有科技管理部门可以处理举报"))
    if report.status != "open":
        raise Conflict(gettext("该举报已处理"))
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError(gettext("请填写处理结果"), fields={"resolution": gettext("请填写处理结果")})
    if not claim(
        report,
        DealReport.status == "open",
        status="resolved",
        resolution=resolution[:500],
        resolved_by_id=user.id,
        resolved_at=utcnow(),
    ):
        raise Conflict(gettext("该举报刚刚已由其他人处理"))
    record_audit(
        user, "deal_report.resolved", report, before={"status": "open"}, after={"status": "resolved"}
    )
    return report

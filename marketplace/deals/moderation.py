"""Reports of spam or abuse in an inquiry or deal, and the bureau's handling of them."""

from sqlalchemy import func, select

from marketplace.common.audit import record_audit
from marketplace.common.errors import Conflict, PermissionDenied, ValidationError
from marketplace.common.permissions import can
from marketplace.common.roles import Role, is_bureau
from marketplace.common.rows import claim
from marketplace.common.timeutil import utcnow
from marketplace.deals.models import REPORT_REASONS, DealReport, Inquiry
from marketplace.extensions import db
from marketplace.notices.services import notify
from marketplace.organisations.models import Organisation


def report_inquiry(user, inquiry: Inquiry, reason: str, text: str = "") -> DealReport:
    """Report spam or abuse in an inquiry or its deal to the bureau."""
    if not can(user, "view", inquiry):
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
            Organisation.org_type == Role.BUREAU, Organisation.verification_status == "verified"
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
    if not is_bureau(user):
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

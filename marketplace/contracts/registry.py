"""Reference data the bureau maintains: registration points, who reviews at which point, and the
calendar of holidays and make-up working days that review deadlines count in."""

import re
from datetime import date
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.common.audit import record_audit
from marketplace.common.domain import DISTRICTS
from marketplace.common.errors import Conflict, NotFound, ValidationError
from marketplace.common.roles import Role
from marketplace.common.timeutil import utcnow
from marketplace.contracts.access import require_reviewer
from marketplace.contracts.models import (
    CALENDAR_KINDS,
    CalendarDay,
    RegistrationPoint,
    RegistrationReviewer,
    TechContract,
)
from marketplace.extensions import db
from marketplace.organisations.models import Organisation


def save_point(actor, data: dict[str, Any], point: RegistrationPoint | None = None) -> RegistrationPoint:
    """Create or change a registration point; codes are unique together."""
    require_reviewer(actor)
    errors = {}
    name = str(data.get("name") or "").strip()
    region = str(data.get("region_code") or "").strip()
    code = str(data.get("point_code") or "").strip()
    if not name:
        errors["name"] = gettext("请填写登记点名称")
    if region not in DISTRICTS:
        errors["region_code"] = gettext("请选择石家庄市辖区的 6 位行政区划代码")
    if not re.fullmatch(r"[0-9]{2}", code):
        errors["point_code"] = gettext("登记点代码应为 2 位数字，如 01")
    org_id = data.get("organisation_id") or None
    if org_id is not None and db.session.get(Organisation, org_id) is None:
        errors["organisation_id"] = gettext("单位不存在")
    clash = db.session.scalar(
        select(RegistrationPoint.id).where(
            RegistrationPoint.region_code == region,
            RegistrationPoint.point_code == code,
            RegistrationPoint.id != (point.id if point else -1),
        )
    )
    if clash:
        errors["point_code"] = gettext(
            "区划 %(region)s 下已有代码为 %(code)s 的登记点", region=region, code=code
        )
    if errors:
        raise ValidationError(gettext("登记点信息有误"), fields=errors)
    if point is not None and point.region_code + point.point_code != region + code:
        issued = db.session.scalar(
            select(func.count()).select_from(TechContract).where(TechContract.point_id == point.id)
        )
        if issued:
            raise Conflict(gettext("该登记点已发出登记号，不能再修改区划代码或登记点代码"))
    before = None
    if point is None:
        point = RegistrationPoint()
        db.session.add(point)
    else:
        before = {
            "name": point.name,
            "region_code": point.region_code,
            "point_code": point.point_code,
            "active": point.active,
        }
    point.name = name[:200]
    point.region_code = region
    point.point_code = code
    point.organisation_id = org_id
    point.active = bool(data.get("active", True))
    db.session.flush()
    record_audit(
        actor,
        "registration_point.saved",
        point,
        before=before,
        after={"name": point.name, "region_code": region, "point_code": code, "active": point.active},
        summary=f"登记点：{point.label}",
    )
    return point


def assign_reviewer(actor, user_id: int, point_id: int | None) -> None:
    """Assign a bureau user to a registration point, or remove the assignment."""
    require_reviewer(actor)
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.BUREAU:
        raise ValidationError(
            gettext("只能分配科技管理部门的用户作为审核人员"), fields={"user_id": gettext("无效")}
        )
    assignment = db.session.get(RegistrationReviewer, user.id)
    before = {"point_id": assignment.point_id if assignment else None}
    if point_id is None:
        if assignment is not None:
            db.session.delete(assignment)
    else:
        point = db.session.get(RegistrationPoint, point_id)
        if point is None:
            raise NotFound(gettext("登记点不存在"))
        if assignment is None:
            db.session.add(RegistrationReviewer(user_id=user.id, point_id=point.id))
        else:
            assignment.point_id = point.id
            assignment.assigned_at = utcnow()
    record_audit(
        actor,
        "registration_reviewer.assigned",
        user,
        before=before,
        after={"point_id": point_id},
        summary=f"审核人员 {user.name} 分配登记点",
    )


def add_calendar_day(actor, day: date, kind: str, note: str = "") -> CalendarDay:
    """Mark a date as a holiday or a make-up working day (replacing an earlier entry)."""
    require_reviewer(actor)
    if kind not in CALENDAR_KINDS:
        raise ValidationError(gettext("类型应为节假日或调休上班日"), fields={"kind": gettext("无效")})
    entry = db.session.get(CalendarDay, day)
    before = {"kind": entry.kind} if entry else None
    if entry is None:
        entry = CalendarDay(day=day)
        db.session.add(entry)
    entry.kind = kind
    entry.note = (note or "").strip()[:100]
    record_audit(
        actor,
        "contract_calendar.saved",
        object_type="contract_calendar_days",
        before=before,
        after={"day": day, "kind": kind},
        summary=f"{day.isoformat()} 设为{CALENDAR_KINDS[kind]}",
    )
    return entry


def remove_calendar_day(actor, day: date) -> None:
    require_reviewer(actor)
    entry = db.session.get(CalendarDay, day)
    if entry is None:
        raise NotFound(gettext("该日期不在日历中"))
    db.session.delete(entry)
    record_audit(
        actor,
        "contract_calendar.removed",
        object_type="contract_calendar_days",
        before={"day": day, "kind": entry.kind},
        summary=f"移除 {day.isoformat()}",
    )

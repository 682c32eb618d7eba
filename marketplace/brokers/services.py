"""Broker profiles: filing and editing them, and the bureau's review of the qualification.

Services take the acting user and plain values, raise domain errors and never commit.
"""

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from marketplace.brokers.access import may_keep_profile
from marketplace.brokers.models import KEY_FIELDS, LEVELS, BrokerField, BrokerProfile, BrokerRegion
from marketplace.common.audit import record_audit
from marketplace.common.domain import DISTRICTS, TECHNOLOGY_FIELDS
from marketplace.common.errors import Conflict, PermissionDenied, ValidationError
from marketplace.common.i18n import N_
from marketplace.common.permissions import can
from marketplace.common.rows import claim
from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.common.uploads import store_upload
from marketplace.extensions import db
from marketplace.notices.services import notify


@dataclass
class ProfileData:
    """What a person types into their broker profile."""

    name: str
    level: str
    certificate_number: str
    certificate_issuer: str
    certificate_date: date | None
    fields: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    introduction: str = ""


def profile_of(user) -> BrokerProfile | None:
    """The user's own profile, if they filed one."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(BrokerProfile).where(BrokerProfile.user_id == user.id))


def _clean(data: ProfileData) -> ProfileData:
    errors = {}
    data.name = (data.name or "").strip()
    data.certificate_number = (data.certificate_number or "").strip()
    data.certificate_issuer = (data.certificate_issuer or "").strip()
    data.introduction = (data.introduction or "").strip()
    if not data.name or len(data.name) > 50:
        errors["name"] = gettext("请填写姓名（不超过 50 字）")
    if data.level not in LEVELS:
        errors["level"] = gettext("请选择资质等级：初级、中级或高级")
    if not data.certificate_number or len(data.certificate_number) > 50:
        errors["certificate_number"] = gettext("请填写证书编号（不超过 50 个字符）")
    if not data.certificate_issuer or len(data.certificate_issuer) > 100:
        errors["certificate_issuer"] = gettext("请填写发证机构（不超过 100 字）")
    if data.certificate_date is None:
        errors["certificate_date"] = gettext("请填写发证日期")
    elif data.certificate_date > beijing_today():
        errors["certificate_date"] = gettext("发证日期不能晚于今天")
    data.fields = [f for f in TECHNOLOGY_FIELDS if f in set(data.fields or [])]
    if not data.fields:
        errors["fields"] = gettext("请至少选择一个擅长的技术领域")
    data.regions = [code for code in DISTRICTS if code in set(data.regions or [])]
    if not data.regions:
        errors["regions"] = gettext("请至少选择一个服务的区县")
    if len(data.introduction) > 500:
        errors["introduction"] = gettext("个人简介不能超过 500 字")
    if errors:
        raise ValidationError(gettext("经纪人信息填写有误，请按提示修改"), fields=errors)
    return data


def _sync(rows: list, attribute: str, wanted: list[str], model) -> None:
    """Make a child collection hold exactly `wanted`, keeping the rows that stay (their keys)."""
    for row in [row for row in rows if getattr(row, attribute) not in wanted]:
        rows.remove(row)
    present = {getattr(row, attribute) for row in rows}
    rows.extend(model(**{attribute: value}) for value in wanted if value not in present)


def _key_values(profile: BrokerProfile) -> dict:
    return {name: getattr(profile, name) for name in KEY_FIELDS}


def save_profile(user, data: ProfileData, evidence=None) -> BrokerProfile:
    """File or edit the user's own profile; a changed qualification goes back to the bureau."""
    if not may_keep_profile(user):
        raise PermissionDenied(
            gettext("须为已认证单位（高校、院所、企业或技术转移机构）的成员，才能登记经纪人信息")
        )
    data = _clean(data)
    profile = profile_of(user)
    has_file = evidence is not None and getattr(evidence, "filename", "")
    if profile is None and not has_file:
        raise ValidationError(
            gettext("请上传资质证书的扫描件或照片"), fields={"evidence": gettext("请上传证书扫描件")}
        )
    stored = (
        store_upload(evidence, "brokers", max_bytes=current_app.config["EVIDENCE_MAX_BYTES"])
        if has_file
        else None
    )
    created = profile is None
    if created:
        profile = BrokerProfile(user_id=user.id, status="pending", submitted_at=utcnow())
        db.session.add(profile)
    before = {} if created else {**_key_values(profile), "status": profile.status}
    profile.organisation_id = user.org.id
    profile.name = data.name
    profile.level = data.level
    profile.certificate_number = data.certificate_number
    profile.certificate_issuer = data.certificate_issuer
    profile.certificate_date = data.certificate_date
    profile.introduction = data.introduction
    if stored:
        profile.evidence_path = stored["path"]
        profile.evidence_filename = stored["filename"]
        profile.evidence_mimetype = stored["mimetype"]
    _sync(profile.field_rows, "field", data.fields, BrokerField)
    _sync(profile.region_rows, "region_code", data.regions, BrokerRegion)
    key_changed = created or any(before.get(k) != v for k, v in _key_values(profile).items())
    if created or profile.status == "rejected" or (profile.status == "verified" and key_changed):
        # The qualification is what the bureau checked: a new one is checked again.
        profile.status = "pending"
        profile.review_reason = ""
        profile.submitted_at = utcnow()
    db.session.flush()
    record_audit(
        user,
        "broker.filed" if created else "broker.edited",
        profile,
        before=before or None,
        after={**_key_values(profile), "status": profile.status},
        summary=f"技术经纪人信息：{profile.name}（{profile.level_label}）",
    )
    return profile


def _decide(profile: BrokerProfile, status: str, actor, reason: str = "") -> None:
    if not claim(
        profile,
        BrokerProfile.status == "pending",
        status=status,
        review_reason=reason,
        reviewed_by_id=actor.id,
        reviewed_at=utcnow(),
    ):
        raise Conflict(
            gettext(
                "该经纪人信息当前为“%(status)s”，不在待审核状态，请刷新后再处理",
                status=gettext(profile.status_label),
            )
        )


def verify_profile(actor, profile: BrokerProfile) -> BrokerProfile:
    """The bureau confirms the qualification: the profile is listed in the directory."""
    if not can(actor, "review", profile):
        raise PermissionDenied(gettext("只有科技管理部门可以审核经纪人资质"))
    if not profile.evidence_path:
        raise ValidationError(gettext("未上传资质证书扫描件，无法核对，请退回并说明理由"))
    _decide(profile, "verified", actor)
    record_audit(
        actor, "broker.verified", profile, before={"status": "pending"}, after={"status": "verified"}
    )
    notify(
        profile.organisation_id,
        "broker",
        N_("%(name)s的技术经纪人资质已通过审核"),
        body=N_("经纪人信息已在“技术经纪人”名录中公开。"),
        params={"name": profile.name},
        url=f"/brokers/{profile.id}",
    )
    return profile


def reject_profile(actor, profile: BrokerProfile, reason: str) -> BrokerProfile:
    """The bureau refuses the qualification with a reason the person sees."""
    if not can(actor, "review", profile):
        raise PermissionDenied(gettext("只有科技管理部门可以审核经纪人资质"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            gettext("请填写不予通过的理由"), fields={"reason": gettext("请填写理由，申请人将看到它")}
        )
    _decide(profile, "rejected", actor, reason[:500])
    record_audit(
        actor,
        "broker.rejected",
        profile,
        before={"status": "pending"},
        after={"status": "rejected", "reason": profile.review_reason},
    )
    notify(
        profile.organisation_id,
        "broker",
        N_("%(name)s的技术经纪人资质未通过审核"),
        body=N_("理由：%(reason)s。修改后可重新提交。"),
        params={"name": profile.name, "reason": profile.review_reason},
        url="/my/broker-profile",
    )
    return profile

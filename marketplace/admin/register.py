"""The audit log read as a register: who (name, organisation), did what (in Chinese), to which
object (its title and a link), and which fields changed from what to what.

Entries are stored as codes and JSON (`common.audit`); this module only reads them. Every action
the code records has a label in `ACTION_LABELS` (a test finds the recorded actions in the source
and fails on one without a label). Money fields (`*_fen`) are shown in 万元 with the exact 元.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import url_for
from flask_babel import gettext
from sqlalchemy import Select, select

from marketplace.accounts.models import User
from marketplace.common.audit import ACTION_LABELS, GROUP_LABELS, SUBJECTS, AuditLog, Subject, describe_audit
from marketplace.common.i18n import N_, tr
from marketplace.common.kinds import KIND_LABELS, SEGMENTS
from marketplace.common.money import format_wan_exact
from marketplace.common.validators import parse_id
from marketplace.contracts.models import STATUSES as CONTRACT_STATUSES
from marketplace.contracts.models import TechContract
from marketplace.deals.models import INQUIRY_STATUSES, REPORT_STATUSES, Deal
from marketplace.extensions import db
from marketplace.listings.fields import FIELD_BY_NAME
from marketplace.listings.models import LISTING_MODELS
from marketplace.listings.models import STATUSES as LISTING_STATUSES
from marketplace.organisations.models import VERIFICATION_STATES, Organisation


class _ObjectLabels:
    """The label of each audited object type, read from the features' descriptions."""

    def get(self, key: str, default: str = "") -> str:
        subject = SUBJECTS.get(key)
        return subject.label if subject else default


_LISTING_VERBS = {
    "create": N_("新建"),
    "import": N_("批量导入"),
    "update": N_("修改"),
    "publish": N_("发布"),
    "withdraw": N_("撤回"),
    "confirm": N_("确认信息仍有效"),
    "take_down": N_("下架"),
    "expire": N_("到期下线"),
}
describe_audit(
    actions={
        **{
            f"{kind}.{verb}": f"{label}{KIND_LABELS[kind]}"
            for kind in KIND_LABELS
            for verb, label in _LISTING_VERBS.items()
        },
        "api_token.created": N_("创建 API 令牌"),
        "api_token.revoked": N_("吊销 API 令牌"),
        "contract.created": N_("新建合同草稿"),
        "contract.updated": N_("修改合同"),
        "contract.submitted": N_("提交合同登记"),
        "contract.review_started": N_("开始审核合同"),
        "contract.approved": N_("准予登记合同"),
        "contract.changes_requested": N_("退回合同补正"),
        "contract.refused": N_("不予登记合同"),
        "contract.cancelled": N_("撤销合同登记"),
        "contract.amendment_opened": N_("申请变更合同"),
        "contract.amendment_approved": N_("准予合同变更"),
        "contract.amendment_refused": N_("不予合同变更"),
        "contract.attachment_added": N_("上传合同附件"),
        "contract.attachment_removed": N_("删除合同附件"),
        "contract_calendar.saved": N_("设置办结日历"),
        "contract_calendar.removed": N_("删除办结日历日期"),
        "registration_point.saved": N_("保存登记点"),
        "registration_reviewer.assigned": N_("指派登记审核人"),
        "deal.opened": N_("开始对接"),
        "deal.stage_changed": N_("更新对接进展"),
        "deal.broker_invited": N_("邀请技术经纪人"),
        "deal.contracted": N_("对接签约"),
        "deal_report.filed": N_("举报对接"),
        "deal_report.resolved": N_("处理对接举报"),
        "inquiry.sent": N_("发送对接意向"),
        "inquiry.offered": N_("推荐成果"),
        "inquiry.accepted": N_("接受对接意向"),
        "inquiry.declined": N_("婉拒对接意向"),
        "inquiry.withdrawn": N_("撤回对接意向"),
        "member.approved": N_("批准成员加入"),
        "member.removed": N_("移出成员"),
        "organisation.registered": N_("注册单位"),
        "organisation.updated": N_("修改单位信息"),
        "organisation.evidence_uploaded": N_("上传认证材料"),
        "organisation.verified": N_("认证单位"),
        "organisation.rejected": N_("驳回单位认证"),
        "organisation.recognition_changed": N_("变更单位认定"),
        "search.reindex": N_("重建检索索引"),
        "search.term_add": N_("添加检索词条"),
        "search.term_delete": N_("删除检索词条"),
        "stats.indicator_entered": N_("录入统计指标"),
        "stats.targets_updated": N_("修改年度目标"),
        "user.registered": N_("注册账户"),
        "user.join_requested": N_("申请加入单位"),
        "user.login": N_("登录"),
        "user.logout": N_("退出登录"),
        "user.password_changed": N_("修改密码"),
        "user.password_reset": N_("重置密码"),
        "user.reset_sent": N_("发送重置密码邮件"),
        "user.profile_updated": N_("修改个人资料"),
        "user.disabled": N_("停用账户"),
        "user.enabled": N_("启用账户"),
    },
    subjects={
        **{model.__tablename__: Subject(KIND_LABELS[kind]) for kind, model in LISTING_MODELS.items()},
        "tech_contracts": Subject(N_("技术合同")),
        "deals": Subject(N_("对接")),
        "deal_reports": Subject(N_("对接举报")),
        "inquiries": Subject(N_("对接意向")),
        "organisations": Subject(N_("单位")),
        "users": Subject(N_("用户")),
        "api_tokens": Subject(N_("API 令牌")),
        "search_terms": Subject(N_("检索词条")),
        "search_index": Subject(N_("检索索引")),
        "registration_points": Subject(N_("登记点")),
        "registration_reviewers": Subject(N_("登记审核人")),
        "contract_calendar_days": Subject(N_("办结日历")),
        "stat_settings": Subject(N_("统计设置")),
        "stat_indicators": Subject(N_("统计指标")),
    },
)
OBJECT_LABELS = _ObjectLabels()
_LISTING_LABELS = {name: spec.label for fields in FIELD_BY_NAME.values() for name, spec in fields.items()}
FIELD_LABELS = {
    **_LISTING_LABELS,
    "price_fen": N_("参考价格"),
    "budget_fen": N_("拟投入资金"),
    "contract_amount_fen": N_("合同成交额"),
    "technical_amount_fen": N_("技术交易额"),
    "project_name": N_("项目名称"),
    "status": N_("状态"),
    "revision": N_("版本"),
    "due_on": N_("办结期限"),
    "comment": N_("意见"),
    "reasons": N_("理由"),
    "reason": N_("理由"),
    "filename": N_("文件名"),
    "name": N_("名称"),
    "email": N_("邮箱"),
    "organisation": N_("单位"),
    "organisation_id": N_("单位编号"),
    "membership": N_("成员关系"),
    "prefix": N_("令牌前缀"),
    "listing": N_("对接的信息"),
    "purpose": N_("目的"),
    "demand_id": N_("需求编号"),
    "result_id": N_("成果编号"),
    "deal_id": N_("对接编号"),
    "stage": N_("进展"),
    "key": N_("指标"),
    "value": N_("数值"),
    "source": N_("来源"),
    "as_of": N_("截至日期"),
    "term": N_("词条"),
    "verification_status": N_("认证状态"),
    "registration_number": N_("登记号"),
    "role": N_("角色"),
    "phone": N_("电话"),
}
_STATUS_LABELS = {
    **{table.__tablename__: LISTING_STATUSES for table in LISTING_MODELS.values()},
    "tech_contracts": CONTRACT_STATUSES,
    "inquiries": INQUIRY_STATUSES,
    "deal_reports": REPORT_STATUSES,
    "organisations": VERIFICATION_STATES,
}


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Entry:
    log: AuditLog
    when: datetime
    operator: str
    organisation: str
    action: str
    object_label: str
    object_title: str
    object_url: str | None
    changes: list[Change] = field(default_factory=list)


def action_label(code: str) -> str:
    """The name of a recorded action in the interface language; an unknown code is shown as it is."""
    kind, _, verb = code.partition(".")
    if kind in KIND_LABELS and verb in _LISTING_VERBS:
        return gettext(
            "%(verb)s%(kind)s", verb=gettext(_LISTING_VERBS[verb]), kind=gettext(KIND_LABELS[kind])
        )
    return tr(ACTION_LABELS.get(code, code))


def field_label(key: str, object_type: str = "") -> str:
    subject = SUBJECTS.get(object_type)
    if subject is not None and key in subject.fields:
        return tr(subject.fields[key])
    if key in FIELD_LABELS:
        return tr(FIELD_LABELS[key])
    return key.removesuffix("_fen") if key.endswith("_fen") else key


def show_value(key: str, value, object_type: str = "") -> str:
    """One recorded value as a person reads it: labels for codes, 万元 for money, 是/否."""
    if value is None or value == "" or value == []:
        return gettext("（空）")
    if key.endswith("_fen") and isinstance(value, int) and not isinstance(value, bool):
        return format_wan_exact(value)
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    subject = SUBJECTS.get(object_type)
    if subject is not None and key in subject.values and not isinstance(value, list | dict):
        return tr(subject.values[key].get(value, str(value)))
    if key == "status":
        return tr(_STATUS_LABELS.get(object_type, {}).get(value)) or _any_status(value)
    if isinstance(value, list):
        return gettext("、").join(show_value(key, item, object_type) for item in value) or gettext("（空）")
    if isinstance(value, dict):
        return gettext("；").join(
            gettext(
                "%(field)s：%(value)s", field=field_label(k, object_type), value=show_value(k, v, object_type)
            )
            for k, v in value.items()
        )
    for fields in FIELD_BY_NAME.values():
        spec = fields.get(key)
        if spec is not None and spec.choices and value in spec.choices:
            return tr(spec.choices[value])
    return str(value)


def _any_status(value) -> str:
    for table in _STATUS_LABELS.values():
        if value in table:
            return tr(table[value])
    return str(value)


def changes(log: AuditLog) -> list[Change]:
    """Field by field: the label, the value before and the value after (only what was recorded and
    changed: a field recorded with the same value on both sides is left out)."""
    before, after = log.before_data, log.after_data
    keys = [
        k
        for k in dict.fromkeys([*before, *after])
        if not (k in before and k in after and before[k] == after[k])
    ]
    return [
        Change(
            field_label(key, log.object_type),
            show_value(key, before[key], log.object_type) if key in before else "",
            show_value(key, after[key], log.object_type) if key in after else "",
        )
        for key in keys
    ]


def _objects(logs: list[AuditLog], link_users: bool) -> dict[tuple[str, int], tuple[str, str | None]]:
    """(title, url) of the objects the entries name, loaded one query per type."""
    ids: dict[str, set[int]] = defaultdict(set)
    for log in logs:
        if log.object_id is not None:
            ids[log.object_type].add(log.object_id)
    found: dict[tuple[str, int], tuple[str, str | None]] = {}
    for kind, model in LISTING_MODELS.items():
        for obj in db.session.scalars(select(model).where(model.id.in_(ids.get(model.__tablename__, ())))):
            url = url_for("listings.show", segment=SEGMENTS[kind], listing_id=obj.id)
            found[(model.__tablename__, obj.id)] = (obj.title, url)
    for org in db.session.scalars(
        select(Organisation).where(Organisation.id.in_(ids.get("organisations", ())))
    ):
        found[("organisations", org.id)] = (org.name, url_for("organisations.show", org_id=org.id))
    for user in db.session.scalars(select(User).where(User.id.in_(ids.get("users", ())))):
        # The user list is for admins only; the bureau sees the name without a link.
        url = url_for("admin.users", q=user.email) if link_users else None
        found[("users", user.id)] = (gettext("%(name)s（%(email)s）", name=user.name, email=user.email), url)
    for contract in db.session.scalars(
        select(TechContract).where(TechContract.id.in_(ids.get("tech_contracts", ())))
    ):
        title = contract.current.project_name if contract.current else gettext("合同 #%(id)s", id=contract.id)
        found[("tech_contracts", contract.id)] = (title, url_for("contracts.show", contract_id=contract.id))
    for deal in db.session.scalars(select(Deal).where(Deal.id.in_(ids.get("deals", ())))):
        target = deal.inquiry.target if deal.inquiry else None
        title = target.title if target is not None else gettext("对接 #%(id)s", id=deal.id)
        found[("deals", deal.id)] = (title, url_for("deals.deal", deal_id=deal.id))
    # Objects of the features that describe how to find them (events, brokers, articles, ...).
    for table, subject in SUBJECTS.items():
        if subject.model is None or not ids.get(table):
            continue
        for obj in db.session.scalars(select(subject.model).where(subject.model.id.in_(ids[table]))):
            title = subject.title(obj) if subject.title else f"#{obj.id}"
            found[(table, obj.id)] = (title, subject.url(obj) if subject.url else None)
    return found


def describe(logs: list[AuditLog], *, link_users: bool = False) -> list[Entry]:
    """The register rows for a page of entries (operators, organisations and objects in bulk)."""
    user_ids = {log.actor_id for log in logs if log.actor_id}
    org_ids = {log.actor_org_id for log in logs if log.actor_org_id}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    orgs = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))}
    objects = _objects(logs, link_users)
    entries = []
    for log in logs:
        user = users.get(log.actor_id)
        org = orgs.get(log.actor_org_id)
        label = OBJECT_LABELS.get(log.object_type, log.object_type or "")
        title, url = objects.get((log.object_type, log.object_id), ("", None))
        if not title and log.object_id is not None:
            linked = log.object_type in _LINKED or getattr(SUBJECTS.get(log.object_type), "model", None)
            title = gettext("#%(id)s（已删除）", id=log.object_id) if linked else f"#{log.object_id}"
        entries.append(
            Entry(
                log=log,
                when=log.created_at.replace(tzinfo=None),
                operator=user.name
                if user
                else (
                    gettext("系统")
                    if log.actor_id is None
                    else gettext("已删除的用户 #%(id)s", id=log.actor_id)
                ),
                organisation=org.name if org else "",
                action=action_label(log.action),
                object_label=tr(label),
                object_title=title,
                object_url=url,
                changes=changes(log),
            )
        )
    return entries


BEIJING_OFFSET = timedelta(hours=8)
_LINKED = {
    *(m.__tablename__ for m in LISTING_MODELS.values()),
    "organisations",
    "users",
    "tech_contracts",
    "deals",
}


@dataclass
class AuditFilters:
    org_id: int | None = None
    action: str = ""
    start: date | None = None
    end: date | None = None

    def args(self) -> dict:
        return {
            k: v
            for k, v in {
                "org": self.org_id,
                "action": self.action,
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None,
            }.items()
            if v
        }


def _date(text: str | None) -> date | None:
    try:
        day = date.fromisoformat((text or "").strip()[:10]) if text else None
    except ValueError:
        return None
    # Far dates (0001-01-01, 9999-12-31) would overflow when turned into UTC bounds.
    return day if day is not None and 1900 <= day.year <= 2999 else None


def parse_filters(args) -> AuditFilters:
    """Filters from the query string; a malformed value is ignored, never an error page."""
    action = (args.get("action") or "").strip()[:64]
    return AuditFilters(
        org_id=parse_id((args.get("org") or "").strip()),
        action=action,
        start=_date(args.get("start")),
        end=_date(args.get("end")),
    )


def _utc_bound(day: date) -> datetime:
    # A Beijing calendar day starts at 16:00 UTC the day before (UTC+8, no summer time).
    return datetime.combine(day, time()) - BEIJING_OFFSET


def query(filters: AuditFilters) -> Select:
    """Entries matching the filters, newest first."""
    stmt = select(AuditLog).order_by(AuditLog.id.desc())
    if filters.org_id:
        stmt = stmt.where(AuditLog.actor_org_id == filters.org_id)
    if filters.action:
        # A full code, or a prefix such as "contract." for every contract action.
        if filters.action.endswith("."):
            stmt = stmt.where(AuditLog.action.startswith(filters.action, autoescape=True))
        else:
            stmt = stmt.where(AuditLog.action == filters.action)
    if filters.start:
        stmt = stmt.where(AuditLog.created_at >= _utc_bound(filters.start))
    if filters.end:
        stmt = stmt.where(AuditLog.created_at < _utc_bound(filters.end + timedelta(days=1)))
    return stmt


def filter_choices() -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
    """The organisations and actions that occur in the log, for the filter lists."""
    org_ids = db.session.scalars(
        select(AuditLog.actor_org_id).where(AuditLog.actor_org_id.isnot(None)).distinct()
    )
    orgs = db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(list(org_ids)))
        .order_by(Organisation.name)
    ).all()
    actions = sorted(db.session.scalars(select(AuditLog.action).distinct()))
    return [(o.id, o.name) for o in orgs], [(code, action_label(code)) for code in actions]


describe_audit(
    groups={
        **{f"{kind}.": KIND_LABELS[kind] for kind in KIND_LABELS},
        "contract.": N_("技术合同"),
        "deal.": N_("对接"),
        "inquiry.": N_("对接意向"),
        "organisation.": N_("单位"),
        "user.": N_("账户"),
        "member.": N_("单位成员"),
        "stats.": N_("统计"),
        "search.": N_("检索"),
    }
)


def action_groups(actions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Prefix filters ("contract." = every contract action) for the groups present in the log."""
    present = {code.partition(".")[0] + "." for code, _label in actions}
    return [
        (prefix, gettext("全部%(group)s操作", group=tr(label)))
        for prefix, label in GROUP_LABELS.items()
        if prefix in present
    ]

"""Targets from the city's plan, which the bureau may edit, and its hand-entered indicators."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from sqlalchemy import select

from marketplace.common.audit import record_audit
from marketplace.common.errors import ValidationError
from marketplace.common.i18n import N_, tr
from marketplace.common.money import format_wan
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db
from marketplace.stats import threshold
from marketplace.stats.facts import rebuild_rollups
from marketplace.stats.models import ManualIndicator, StatSetting, StatSettingChange

BASES = {"contract_amount": N_("合同成交额"), "technical_amount": N_("技术交易额")}


@dataclass(frozen=True)
class TargetSpec:
    key: str
    label: str
    kind: str  # fen | int | date | basis | decimal
    default: str


# Defaults are the city's plan for the 科技成果转化服务广场: 100亿元 over 2024–2027 and the other goals;
# the bureau edits them (and their period) as settings.
TARGET_SPECS = [
    TargetSpec("trade_target_fen", N_("技术交易总额目标"), "fen", str(10_000_000_000 * 100)),
    TargetSpec("target_basis", N_("目标口径"), "basis", "contract_amount"),
    TargetSpec("period_start", N_("目标期起始日"), "date", "2024-01-01"),
    TargetSpec("period_end", N_("目标期截止日"), "date", "2027-12-31"),
    TargetSpec("major_projects_target", N_("重大技术合作项目目标（项）"), "int", "100"),
    TargetSpec(threshold.KEY, N_("重大项目认定标准（合同成交额不低于）"), "fen", str(threshold.DEFAULT_FEN)),
    TargetSpec("institutions_target", N_("省级以上技术转移机构、技术合同登记机构目标（家）"), "int", "38"),
    TargetSpec("jjj_platform_target", N_("京津冀技术交易平台目标（个）"), "int", "1"),
    TargetSpec("jj_base_target", N_("京津科技成果转化基地目标（个）"), "int", "2"),
    TargetSpec("talent_base_target", N_("技术转移人才培养基地目标（个）"), "int", "1"),
    TargetSpec("patents_per_10k_target", N_("万人发明专利拥有量目标（件）"), "decimal", "8"),
]
SPECS = {spec.key: spec for spec in TARGET_SPECS}

# Indicators the platform cannot measure; the bureau enters them with a source and a date.
INDICATORS = {
    "patents_per_10k": (N_("万人发明专利拥有量"), N_("件"), "patents_per_10k_target"),
    "jjj_platform": (N_("京津冀技术交易平台"), N_("个"), "jjj_platform_target"),
    "jj_base": (N_("京津科技成果转化基地"), N_("个"), "jj_base_target"),
    "talent_base": (N_("技术转移人才培养基地"), N_("个"), "talent_base_target"),
}


@dataclass(frozen=True)
class Targets:
    trade_target_fen: int
    target_basis: str
    period_start: date
    period_end: date
    major_projects_target: int
    major_threshold_fen: int
    institutions_target: int
    jjj_platform_target: int
    jj_base_target: int
    talent_base_target: int
    patents_per_10k_target: Decimal

    @property
    def basis_label(self) -> str:
        return BASES.get(self.target_basis, self.target_basis)


def _parse(spec: TargetSpec, raw: str):
    if spec.kind in ("fen", "int"):
        return int(raw)
    if spec.kind == "date":
        return date.fromisoformat(raw)
    if spec.kind == "decimal":
        return Decimal(raw)
    return raw


def _text(spec: TargetSpec, value) -> str:
    if spec.kind == "date":
        return value.isoformat()
    return str(value)


def display_value(key: str, raw: str) -> str:
    """Show a stored target value the way people read it (in the interface language)."""
    spec = SPECS.get(key)
    if spec is None:
        return raw
    if spec.kind == "fen":
        return format_wan(int(raw))
    if spec.kind == "basis":
        return tr(BASES.get(raw, raw))
    return raw


def _stored() -> dict[str, str]:
    return {row.key: row.value for row in db.session.scalars(select(StatSetting))}


def get_targets() -> Targets:
    """Return the current targets: the bureau's values over the plan's defaults."""
    stored = _stored()
    return Targets(**{spec.key: _parse(spec, stored.get(spec.key, spec.default)) for spec in TARGET_SPECS})


def update_targets(actor, values: dict, note: str = "") -> list[str]:
    """Change targets, keeping each change in the history; return the keys that changed."""
    current = get_targets()
    merged = {spec.key: getattr(current, spec.key) for spec in TARGET_SPECS}
    for key, value in values.items():
        if key not in SPECS:
            raise ValidationError(gettext("未知的目标项：%(key)s", key=key))
        merged[key] = value
    _validate(merged)
    stored = {row.key: row for row in db.session.scalars(select(StatSetting))}
    changed = []
    for spec in TARGET_SPECS:
        new_text = _text(spec, merged[spec.key])
        old_text = _text(spec, getattr(current, spec.key))
        if new_text == old_text:
            continue
        row = stored.get(spec.key)
        if row is None:
            row = StatSetting(key=spec.key, value=new_text)
            db.session.add(row)
        row.value = new_text
        row.updated_at = utcnow()
        row.updated_by_id = getattr(actor, "id", None)
        db.session.add(
            StatSettingChange(
                key=spec.key,
                old_value=old_text,
                new_value=new_text,
                note=note[:300],
                changed_by_id=getattr(actor, "id", None),
            )
        )
        changed.append(spec.key)
    if not changed:
        return []
    db.session.flush()
    record_audit(
        actor,
        "stats.targets_updated",
        object_type="stat_settings",
        before={k: _text(SPECS[k], getattr(current, k)) for k in changed},
        after={k: _text(SPECS[k], merged[k]) for k in changed},
        summary="修改目标：" + "、".join(SPECS[k].label for k in changed),
    )
    if "major_threshold_fen" in changed:
        # "Major" depends on the threshold: recount that dimension from the facts.
        rebuild_rollups(["major"])
    return changed


def _validate(values: dict) -> None:
    problems = {}
    for key in ("trade_target_fen", "major_threshold_fen"):
        if not isinstance(values[key], int) or values[key] <= 0:
            problems[key] = gettext("金额须大于零")
    for key in ("major_projects_target", "institutions_target", "jjj_platform_target"):
        if not isinstance(values[key], int) or values[key] < 0:
            problems[key] = gettext("须为不小于零的整数")
    for key in ("jj_base_target", "talent_base_target"):
        if not isinstance(values[key], int) or values[key] < 0:
            problems[key] = gettext("须为不小于零的整数")
    if values["target_basis"] not in BASES:
        problems["target_basis"] = gettext("目标口径须为合同成交额或技术交易额")
    start, end = values["period_start"], values["period_end"]
    if not isinstance(start, date) or not isinstance(end, date):
        problems["period_start"] = gettext("请填写目标期的起止日期")
    elif end <= start:
        problems["period_end"] = gettext("截止日须晚于起始日")
    elif not (2000 <= start.year and end.year <= 2100):
        problems["period_start"] = gettext("目标期须在 2000 至 2100 年之间")
    target = values["patents_per_10k_target"]
    if not isinstance(target, Decimal) or target < 0:
        problems["patents_per_10k_target"] = gettext("须为不小于零的数")
    if problems:
        raise ValidationError(gettext("目标设置有误，请按提示修改"), fields=problems)


def setting_history(limit: int = 50) -> list[StatSettingChange]:
    return list(
        db.session.scalars(select(StatSettingChange).order_by(StatSettingChange.id.desc()).limit(limit))
    )


def parse_indicator_value(text: str) -> str:
    """Accept a non-negative number with at most two decimals; return it as exact text."""
    raw = (text or "").strip()
    try:
        # Short text only: Decimal("1e300000") is cheap, but quantising it raises.
        value = Decimal(raw) if len(raw) <= 20 else Decimal("NaN")
    except InvalidOperation:
        raise ValidationError(
            gettext("数值格式不正确"), fields={"value": gettext("请填写数字，最多两位小数，如 8.25")}
        ) from None
    if not value.is_finite() or value < 0 or value >= 10**12 or value != value.quantize(Decimal("0.01")):
        raise ValidationError(
            gettext("数值格式不正确"), fields={"value": gettext("请填写不小于零的数字，最多两位小数")}
        )
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def add_indicator(actor, key: str, value: str, source: str, as_of: date, note: str = "") -> ManualIndicator:
    """Record a hand-entered indicator value; earlier values stay as its history."""
    if key not in INDICATORS:
        raise ValidationError(gettext("未知的指标"), fields={"key": gettext("请选择指标")})
    source = (source or "").strip()
    if not source:
        raise ValidationError(
            gettext("请填写数据来源"),
            fields={"source": gettext("请填写数据来源，如 统计公报、知识产权局通报")},
        )
    entry = ManualIndicator(
        key=key,
        value=parse_indicator_value(value),
        source=source[:200],
        as_of=as_of,
        note=(note or "").strip()[:300],
        entered_by_id=getattr(actor, "id", None),
    )
    db.session.add(entry)
    record_audit(
        actor,
        "stats.indicator_entered",
        entry,
        after={"key": key, "value": entry.value, "source": entry.source, "as_of": as_of.isoformat()},
        summary=f"录入指标：{INDICATORS[key][0]} = {entry.value}{INDICATORS[key][1]}",
    )
    return entry


def latest_indicators() -> dict[str, ManualIndicator | None]:
    """Return the most recent value of each hand-entered indicator (by its date, then entry)."""
    latest: dict[str, ManualIndicator | None] = dict.fromkeys(INDICATORS)
    rows = db.session.scalars(select(ManualIndicator).order_by(ManualIndicator.as_of, ManualIndicator.id))
    for row in rows:
        latest[row.key] = row
    return latest


def indicator_history(limit: int = 50) -> list[ManualIndicator]:
    return list(
        db.session.scalars(
            select(ManualIndicator)
            .order_by(ManualIndicator.as_of.desc(), ManualIndicator.id.desc())
            .limit(limit)
        )
    )

"""Forms for the bureau's targets and hand-entered indicators."""

from datetime import date
from decimal import Decimal

from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from marketplace.common.money import AmountError, fen_to_decimal, parse_amount
from marketplace.stats.settings import BASES, INDICATORS, Targets

INT_PATTERN = Regexp(r"^\s*[0-9]{1,6}\s*$", message=lazy_gettext("请填写不小于零的整数，如 38"))


def _wan_amount(form, field) -> None:
    try:
        field.fen = parse_amount(field.data or "", "wan")
    except AmountError as error:
        raise ValidationError(str(error)) from None
    if field.fen <= 0:
        raise ValidationError(gettext("金额须大于零"))


def _iso_date(form, field) -> None:
    try:
        field.day = date.fromisoformat((field.data or "").strip())
    except ValueError:
        raise ValidationError(gettext("日期格式应为 YYYY-MM-DD，如 2027-12-31")) from None


def _indicator_label(key: str) -> str:
    label, unit, _target = INDICATORS[key]
    return gettext("%(label)s（%(unit)s）", label=gettext(label), unit=gettext(unit))


def _plain_wan(fen: int) -> str:
    value = fen_to_decimal(fen, "wan")
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


class TargetsForm(FlaskForm):
    trade_target = StringField(
        lazy_gettext("技术交易总额目标（万元）"),
        validators=[_wan_amount],
        description=lazy_gettext("100亿元 = 1000000 万元"),
    )
    target_basis = SelectField(
        lazy_gettext("目标口径"), choices=[(code, lazy_gettext(label)) for code, label in BASES.items()]
    )
    period_start = StringField(lazy_gettext("目标期起始日"), validators=[_iso_date])
    period_end = StringField(lazy_gettext("目标期截止日"), validators=[_iso_date])
    major_projects_target = StringField(lazy_gettext("重大技术合作项目目标（项）"), validators=[INT_PATTERN])
    major_threshold = StringField(
        lazy_gettext("重大项目认定标准：合同成交额不低于（万元）"),
        validators=[_wan_amount],
        description=lazy_gettext("修改后按新标准重新统计"),
    )
    institutions_target = StringField(
        lazy_gettext("省级以上技术转移机构、技术合同登记机构目标（家）"), validators=[INT_PATTERN]
    )
    jjj_platform_target = StringField(lazy_gettext("京津冀技术交易平台目标（个）"), validators=[INT_PATTERN])
    jj_base_target = StringField(lazy_gettext("京津科技成果转化基地目标（个）"), validators=[INT_PATTERN])
    talent_base_target = StringField(lazy_gettext("技术转移人才培养基地目标（个）"), validators=[INT_PATTERN])
    patents_per_10k_target = StringField(
        lazy_gettext("万人发明专利拥有量目标（件）"),
        validators=[
            Regexp(
                r"^\s*[0-9]{1,6}(\.[0-9]{1,2})?\s*$", message=lazy_gettext("请填写数字，最多两位小数，如 8")
            )
        ],
    )
    note = StringField(
        lazy_gettext("修改说明"),
        validators=[Optional(), Length(max=300, message=lazy_gettext("说明不超过 300 字"))],
    )

    @classmethod
    def from_targets(cls, targets: Targets) -> "TargetsForm":
        return cls(
            data={
                "trade_target": _plain_wan(targets.trade_target_fen),
                "target_basis": targets.target_basis,
                "period_start": targets.period_start.isoformat(),
                "period_end": targets.period_end.isoformat(),
                "major_projects_target": str(targets.major_projects_target),
                "major_threshold": _plain_wan(targets.major_threshold_fen),
                "institutions_target": str(targets.institutions_target),
                "jjj_platform_target": str(targets.jjj_platform_target),
                "jj_base_target": str(targets.jj_base_target),
                "talent_base_target": str(targets.talent_base_target),
                "patents_per_10k_target": str(targets.patents_per_10k_target),
            }
        )

    def values(self) -> dict:
        """The validated values in the shape settings.update_targets() takes."""
        return {
            "trade_target_fen": self.trade_target.fen,
            "target_basis": self.target_basis.data,
            "period_start": self.period_start.day,
            "period_end": self.period_end.day,
            "major_projects_target": int(self.major_projects_target.data),
            "major_threshold_fen": self.major_threshold.fen,
            "institutions_target": int(self.institutions_target.data),
            "jjj_platform_target": int(self.jjj_platform_target.data),
            "jj_base_target": int(self.jj_base_target.data),
            "talent_base_target": int(self.talent_base_target.data),
            "patents_per_10k_target": Decimal(self.patents_per_10k_target.data.strip()),
        }


class IndicatorForm(FlaskForm):
    key = SelectField(
        lazy_gettext("指标"), choices=[(key, LazyString(_indicator_label, key)) for key in INDICATORS]
    )
    value = StringField(
        lazy_gettext("数值"),
        validators=[
            DataRequired(lazy_gettext("请填写数值")),
            Regexp(
                r"^\s*[0-9]{1,12}(\.[0-9]{1,2})?\s*$",
                message=lazy_gettext("请填写不小于零的数字，最多两位小数，如 8.25"),
            ),
        ],
    )
    source = StringField(
        lazy_gettext("数据来源"),
        validators=[
            DataRequired(lazy_gettext("请填写数据来源，如 统计公报、知识产权局通报")),
            Length(max=200, message=lazy_gettext("不超过 200 字")),
        ],
    )
    as_of = StringField(
        lazy_gettext("数据日期"),
        validators=[_iso_date],
        description=lazy_gettext("数据所对应的日期，如统计截止日"),
    )
    note = StringField(
        lazy_gettext("备注"),
        validators=[Optional(), Length(max=300, message=lazy_gettext("备注不超过 300 字"))],
    )

"""Forms for filing contracts, reviewing them, and the bureau's registration points and calendar."""

from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.validators import ValidationError as FormValidationError

from marketplace.common.domain import DISTRICTS, TECHNOLOGY_FIELDS
from marketplace.common.forms import district_choices, nature_choices
from marketplace.common.money import AmountError, format_in_unit, parse_amount
from marketplace.common.validators import parse_id
from marketplace.contracts.models import (
    CALENDAR_KINDS,
    CONTRACT_TYPES,
    DEDUCTION_CATEGORIES,
    IP_TYPES,
    REFUSAL_REASONS,
    SUBTYPE_LABELS,
    SUBTYPES,
)

UNITS = [("yuan", lazy_gettext("元")), ("wan", lazy_gettext("万元"))]


def _choices(labels: dict[str, str]) -> list[tuple[str, LazyString]]:
    """A code table's choices, each label shown in the interface language."""
    return [(code, lazy_gettext(label)) for code, label in labels.items()]


def _subtype_label(contract_type: str, code: str) -> str:
    label = "技术咨询" if contract_type == "consulting" else SUBTYPE_LABELS[code]
    return f"{gettext(CONTRACT_TYPES[contract_type])} · {gettext(label)}"


def _subtype_choices() -> list[tuple[str, str | LazyString]]:
    choices: list[tuple[str, str | LazyString]] = [("", lazy_gettext("请选择"))]
    for contract_type, subtypes in SUBTYPES.items():
        for code in subtypes:
            choices.append((f"{contract_type}:{code}", LazyString(_subtype_label, contract_type, code)))
    return choices


def _is_id(text: str) -> bool:
    return parse_id(text) is not None


def _ids(text: str) -> list[int]:
    parts = [p for p in (text or "").replace("，", ",").replace(" ", ",").split(",") if p]
    if not all(_is_id(p) for p in parts):
        raise FormValidationError(gettext("请填写数字编号，多个用逗号分隔，如 12, 15"))
    return [int(p) for p in parts]


class IdListField(StringField):
    """Comma-separated listing ids, as they appear in listing URLs."""

    def pre_validate(self, form) -> None:
        _ids(self.data or "")

    @property
    def ids(self) -> list[int]:
        try:
            return _ids(self.data or "")
        except FormValidationError:
            return []


class PartyForm(Form):
    kind = RadioField(
        lazy_gettext("来源"),
        choices=[("platform", lazy_gettext("平台上的单位")), ("outside", lazy_gettext("平台外单位"))],
        default="platform",
    )
    org_id = SelectField(lazy_gettext("平台单位"), coerce=str, validators=[Optional()], validate_choice=False)
    name = StringField(lazy_gettext("名称"), validators=[Optional(), Length(max=200)])
    credit_code = StringField(lazy_gettext("统一社会信用代码"), validators=[Optional(), Length(max=30)])
    region_code = StringField(
        lazy_gettext("所在地区划代码"),
        validators=[Optional(), Length(max=6)],
        description=lazy_gettext("6 位 GB/T 2260 代码，如石家庄市 130100"),
    )
    nature_code = SelectField(
        lazy_gettext("主体性质"),
        choices=[("", lazy_gettext("请选择"))] + nature_choices(),
        validators=[Optional()],
    )
    country = StringField(
        lazy_gettext("国别"),
        default="CHN",
        validators=[Optional(), Length(max=3)],
        description=lazy_gettext("ISO 3166-1 三位字母代码；国内为 CHN"),
    )

    def payload(self) -> dict:
        if self.kind.data == "platform":
            org_id = parse_id(self.org_id.data or "")
            return {"org_id": org_id} if org_id is not None else {}
        return {
            "name": self.name.data or "",
            "credit_code": self.credit_code.data or "",
            "region_code": self.region_code.data or "",
            "nature_code": self.nature_code.data or "",
            "country": (self.country.data or "CHN").upper(),
        }


class DeductionForm(Form):
    category = SelectField(
        lazy_gettext("类别"),
        choices=[("", lazy_gettext("请选择"))] + _choices(DEDUCTION_CATEGORIES),
        validators=[Optional()],
    )
    description = StringField(lazy_gettext("说明"), validators=[Optional(), Length(max=200)])
    amount = StringField(lazy_gettext("金额"), validators=[Optional()])

    @property
    def is_blank(self) -> bool:
        return not (
            self.category.data or (self.description.data or "").strip() or (self.amount.data or "").strip()
        )


class ContractForm(FlaskForm):
    project_name = StringField(
        lazy_gettext("项目名称"), validators=[DataRequired(lazy_gettext("请填写项目名称")), Length(max=200)]
    )
    type_subtype = SelectField(
        lazy_gettext("合同类别 / 子类"),
        choices=_subtype_choices(),
        validators=[DataRequired(lazy_gettext("请选择合同类别"))],
    )
    signed_on = DateField(
        lazy_gettext("签订日期"), validators=[DataRequired(lazy_gettext("请填写签订日期（YYYY-MM-DD）"))]
    )
    valid_from = DateField(
        lazy_gettext("有效期起"), validators=[DataRequired(lazy_gettext("请填写有效期起始日"))]
    )
    valid_to = DateField(
        lazy_gettext("有效期止"), validators=[DataRequired(lazy_gettext("请填写有效期截止日"))]
    )
    seller = FormField(PartyForm, label=lazy_gettext("卖方（让与人、研究开发人、受托人等）"))
    buyer = FormField(PartyForm, label=lazy_gettext("买方"))
    technology_field = SelectField(
        lazy_gettext("技术领域"),
        choices=[("", lazy_gettext("请选择"))] + [(f, lazy_gettext(f)) for f in TECHNOLOGY_FIELDS],
        validators=[DataRequired(lazy_gettext("请选择技术领域"))],
    )
    ip_type = SelectField(
        lazy_gettext("知识产权类型"),
        choices=[("", lazy_gettext("请选择"))] + _choices(IP_TYPES),
        validators=[DataRequired(lazy_gettext("请选择知识产权类型"))],
    )
    unit = RadioField(lazy_gettext("金额单位"), choices=UNITS, default="yuan")
    contract_amount = StringField(
        lazy_gettext("合同成交额"),
        validators=[DataRequired(lazy_gettext("请填写合同成交额"))],
        description=lazy_gettext("按所选单位填写，最多两位小数"),
    )
    deductions = FieldList(
        FormField(DeductionForm),
        label=lazy_gettext("非技术性扣除（设备、仪器、零部件、原材料）"),
        min_entries=3,
        max_entries=50,
    )
    patent_ids = IdListField(
        lazy_gettext("关联专利编号"), description=lazy_gettext("专利详情页上的“专利编号”，多个用逗号分隔")
    )
    result_ids = IdListField(
        lazy_gettext("关联成果编号"),
        description=lazy_gettext("科技成果详情页上的“科技成果编号”，多个用逗号分隔"),
    )
    demand_id = StringField(
        lazy_gettext("关联技术需求编号"),
        validators=[Optional()],
        description=lazy_gettext("技术需求详情页上的“技术需求编号”"),
    )
    deal_id = SelectField(
        lazy_gettext("关联对接"),
        coerce=str,
        validators=[Optional()],
        validate_choice=False,
        description=lazy_gettext("本单位作为一方或经纪机构参与的对接；登记后该对接进展变为“已签合同并登记”"),
    )
    confirm_amounts = BooleanField(lazy_gettext("我已核对金额和单位，确认无误"))

    @property
    def chosen_unit(self) -> str:
        return self.unit.data if self.unit.data in ("yuan", "wan") else "yuan"

    def amount_fields(self) -> dict[str, int]:
        """Parse the amounts in the chosen unit into 分; record errors on the fields."""
        unit = self.unit.data if self.unit.data in ("yuan", "wan") else "yuan"
        result: dict[str, int] = {}
        if self.contract_amount.errors:
            return result  # already told to fill it in
        try:
            result["contract_amount_fen"] = parse_amount(self.contract_amount.data or "", unit)
        except AmountError as exc:
            self.contract_amount.errors = [*self.contract_amount.errors, str(exc)]
        return result

    parse_failed = False
    amount_warnings: tuple[str, ...] | list[str] = ()  # set by the view when amounts need confirming

    def payload(self) -> dict:
        """Return the API-shaped payload; `parse_failed` tells whether an amount could not be read."""
        ok = True
        data: dict = {
            "project_name": (self.project_name.data or "").strip(),
            "signed_on": self.signed_on.data,
            "valid_from": self.valid_from.data,
            "valid_to": self.valid_to.data,
            "seller": self.seller.form.payload(),
            "buyer": self.buyer.form.payload(),
            "technology_field": self.technology_field.data,
            "ip_type": self.ip_type.data,
            "patent_ids": self.patent_ids.ids,
            "result_ids": self.result_ids.ids,
        }
        contract_type, _, subtype = (self.type_subtype.data or "").partition(":")
        data["contract_type"], data["subtype"] = contract_type, subtype
        amounts = self.amount_fields()
        if "contract_amount_fen" not in amounts:
            ok = False
        data.update(amounts)
        unit = self.unit.data if self.unit.data in ("yuan", "wan") else "yuan"
        deductions = []
        for entry in self.deductions:
            row = entry.form
            if row.is_blank:
                continue
            try:
                amount_fen = parse_amount(row.amount.data or "", unit)
            except AmountError as exc:
                row.amount.errors = [*row.amount.errors, str(exc)]
                ok = False
                continue
            deductions.append(
                {
                    "category": row.category.data,
                    "description": (row.description.data or "").strip(),
                    "amount_fen": amount_fen,
                }
            )
        data["deductions"] = deductions
        demand = (self.demand_id.data or "").strip()
        if demand and not _is_id(demand):
            self.demand_id.errors = [*self.demand_id.errors, gettext("请填写数字编号")]
            ok = False
        data["demand_id"] = int(demand) if demand and _is_id(demand) else None
        deal = (self.deal_id.data or "").strip()
        if deal and not _is_id(deal):
            self.deal_id.errors = [*self.deal_id.errors, gettext("请从列表中选择对接")]
            ok = False
        data["deal_id"] = int(deal) if deal and _is_id(deal) else None
        data["amount_unit"] = self.chosen_unit
        self.parse_failed = not ok
        return data

    def fill(self, revision) -> None:
        """Put a saved revision into the form, amounts in 元 with two decimals."""
        self.project_name.data = revision.project_name
        self.type_subtype.data = f"{revision.contract_type}:{revision.subtype}"
        self.signed_on.data = revision.signed_on
        self.valid_from.data = revision.valid_from
        self.valid_to.data = revision.valid_to
        for side in ("seller", "buyer"):
            party = getattr(self, side).form
            org_id = getattr(revision, f"{side}_org_id")
            party.kind.data = "platform" if org_id else "outside"
            party.org_id.data = str(org_id or "")
            party.name.data = getattr(revision, f"{side}_name")
            party.credit_code.data = getattr(revision, f"{side}_credit_code") or ""
            party.region_code.data = getattr(revision, f"{side}_region_code") or ""
            party.nature_code.data = getattr(revision, f"{side}_nature_code") if not org_id else ""
            party.country.data = getattr(revision, f"{side}_country")
        self.technology_field.data = revision.technology_field
        self.ip_type.data = revision.ip_type
        # Reopen in the unit it was typed in, unless an amount cannot be written in it (API input).
        amounts = [revision.contract_amount_fen, *(d.amount_fen for d in revision.deductions)]
        unit = revision.amount_unit if revision.amount_unit in ("yuan", "wan") else "yuan"
        if unit == "wan" and any(a % 10_000 for a in amounts):
            unit = "yuan"
        self.unit.data = unit
        self.contract_amount.data = format_in_unit(revision.contract_amount_fen, unit)
        while len(self.deductions.entries):
            self.deductions.pop_entry()
        for deduction in revision.deductions:
            self.deductions.append_entry(
                {
                    "category": deduction.category,
                    "description": deduction.description,
                    "amount": format_in_unit(deduction.amount_fen, unit),
                }
            )
        self.deductions.append_entry()
        self.patent_ids.data = ", ".join(str(p.id) for p in revision.patents)
        self.result_ids.data = ", ".join(str(r.id) for r in revision.results)
        self.demand_id.data = str(revision.demand_id or "")
        self.deal_id.data = str(revision.contract.deal_id or "")

    def apply_errors(self, fields: dict[str, str]) -> list[str]:
        """Put a service's field errors on the form's fields; return those that fit nowhere."""
        rows = [entry.form for entry in self.deductions if not entry.form.is_blank]
        simple = {
            "project_name": self.project_name,
            "contract_type": self.type_subtype,
            "subtype": self.type_subtype,
            "signed_on": self.signed_on,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "technology_field": self.technology_field,
            "ip_type": self.ip_type,
            "contract_amount_fen": self.contract_amount,
            "patent_ids": self.patent_ids,
            "result_ids": self.result_ids,
            "demand_id": self.demand_id,
            "deal_id": self.deal_id,
        }
        leftovers = []
        for key, message in fields.items():
            parts = key.split(".")
            target = simple.get(key)
            if target is None and parts[0] in ("seller", "buyer"):
                party = getattr(self, parts[0]).form
                target = getattr(party, parts[1], None) if len(parts) > 1 else None
                if target is None:
                    target = party.org_id if party.kind.data == "platform" else party.name
            if target is None and parts[0] == "deductions" and len(parts) == 3 and parts[1].isdigit():
                index = int(parts[1])
                if index < len(rows):
                    name = {"amount_fen": "amount"}.get(parts[2], parts[2])
                    target = getattr(rows[index], name, None)
            if target is None:
                leftovers.append(message)
                continue
            if not target.errors:  # a field already flagged by the form keeps its own message
                target.errors = [message]
        return leftovers


class AttachmentForm(FlaskForm):
    file = FileField(lazy_gettext("签字盖章的合同文本（PDF/JPG/PNG）"))


class ConfirmForm(FlaskForm):
    """An empty form carrying only the CSRF token, for confirmed actions."""


class ReviewForm(FlaskForm):
    action = HiddenField()
    reasons = SelectMultipleField(
        lazy_gettext("不予登记理由"), choices=_choices(REFUSAL_REASONS), validate_choice=False
    )
    comment = TextAreaField(lazy_gettext("审核意见"), validators=[Optional(), Length(max=2000)])


class CancelForm(FlaskForm):
    reason = TextAreaField(
        lazy_gettext("注销理由"), validators=[DataRequired(lazy_gettext("请写明注销的理由")), Length(max=500)]
    )


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        lazy_gettext("状态"),
        choices=[
            ("open", lazy_gettext("待审（已提交、审核中）")),
            ("submitted", lazy_gettext("已提交")),
            ("under_review", lazy_gettext("审核中")),
            ("needs_correction", lazy_gettext("待补正")),
            ("amending", lazy_gettext("变更办理中")),
            ("registered", lazy_gettext("已登记")),
            ("refused", lazy_gettext("不予登记")),
            ("cancelled", lazy_gettext("已注销")),
            ("all", lazy_gettext("全部")),
        ],
        default="open",
        validators=[Optional()],
    )
    type = SelectField(
        lazy_gettext("类别"),
        choices=[("", lazy_gettext("全部类别"))] + _choices(CONTRACT_TYPES),
        validators=[Optional()],
    )
    overdue = BooleanField(lazy_gettext("仅看超期"))
    min_wan = StringField(lazy_gettext("技术交易额下限（万元）"), validators=[Optional()])
    max_wan = StringField(lazy_gettext("上限（万元）"), validators=[Optional()])


class PointForm(FlaskForm):
    name = StringField(
        lazy_gettext("登记点名称"),
        validators=[DataRequired(lazy_gettext("请填写登记点名称")), Length(max=200)],
    )
    organisation_id = SelectField(
        lazy_gettext("所属单位"), coerce=str, validators=[Optional()], validate_choice=False
    )
    region_code = SelectField(
        lazy_gettext("所在区划"),
        choices=[("", lazy_gettext("请选择"))] + district_choices()[: len(DISTRICTS)],
    )
    point_code = StringField(
        lazy_gettext("登记点代码（2 位）"),
        validators=[
            DataRequired(lazy_gettext("请填写 2 位登记点代码")),
            Length(min=2, max=2, message=lazy_gettext("登记点代码应为 2 位数字")),
        ],
    )
    active = BooleanField(lazy_gettext("启用"), default=True)


class ReviewerForm(FlaskForm):
    user_id = SelectField(lazy_gettext("审核人员"), coerce=str, validate_choice=False)
    point_id = SelectField(lazy_gettext("登记点"), coerce=str, validate_choice=False)


class CalendarForm(FlaskForm):
    day = DateField(lazy_gettext("日期"), validators=[DataRequired(lazy_gettext("请填写日期（YYYY-MM-DD）"))])
    kind = RadioField(lazy_gettext("类型"), choices=_choices(CALENDAR_KINDS), default="holiday")
    note = StringField(
        lazy_gettext("说明"),
        validators=[Optional(), Length(max=100)],
        description=lazy_gettext("如：国庆节、国庆调休"),
    )

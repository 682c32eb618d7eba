"""Forms for filing contracts, reviewing them, and the bureau's registration points and calendar."""

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
from marketplace.common.money import AmountError, parse_amount
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

UNITS = [("yuan", "元"), ("wan", "万元")]


def _subtype_choices() -> list[tuple[str, str]]:
    choices = [("", "请选择")]
    for contract_type, subtypes in SUBTYPES.items():
        for code in subtypes:
            label = "技术咨询" if contract_type == "consulting" else SUBTYPE_LABELS[code]
            choices.append((f"{contract_type}:{code}", f"{CONTRACT_TYPES[contract_type]} · {label}"))
    return choices


def _is_id(text: str) -> bool:
    return parse_id(text) is not None


def _ids(text: str) -> list[int]:
    parts = [p for p in (text or "").replace("，", ",").replace(" ", ",").split(",") if p]
    if not all(_is_id(p) for p in parts):
        raise FormValidationError("请填写数字编号，多个用逗号分隔，如 12, 15")
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
        "来源", choices=[("platform", "平台上的单位"), ("outside", "平台外单位")], default="platform"
    )
    org_id = SelectField("平台单位", coerce=str, validators=[Optional()], validate_choice=False)
    name = StringField("名称", validators=[Optional(), Length(max=200)])
    credit_code = StringField("统一社会信用代码", validators=[Optional(), Length(max=30)])
    region_code = StringField(
        "所在地区划代码",
        validators=[Optional(), Length(max=6)],
        description="6 位 GB/T 2260 代码，如石家庄市 130100",
    )
    nature_code = SelectField(
        "主体性质", choices=[("", "请选择")] + nature_choices(), validators=[Optional()]
    )
    country = StringField(
        "国别",
        default="CHN",
        validators=[Optional(), Length(max=3)],
        description="ISO 3166-1 三位字母代码；国内为 CHN",
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
        "类别", choices=[("", "请选择")] + list(DEDUCTION_CATEGORIES.items()), validators=[Optional()]
    )
    description = StringField("说明", validators=[Optional(), Length(max=200)])
    amount = StringField("金额", validators=[Optional()])

    @property
    def is_blank(self) -> bool:
        return not (
            self.category.data or (self.description.data or "").strip() or (self.amount.data or "").strip()
        )


class ContractForm(FlaskForm):
    project_name = StringField("项目名称", validators=[DataRequired("请填写项目名称"), Length(max=200)])
    type_subtype = SelectField(
        "合同类别 / 子类", choices=_subtype_choices(), validators=[DataRequired("请选择合同类别")]
    )
    signed_on = DateField("签订日期", validators=[DataRequired("请填写签订日期（YYYY-MM-DD）")])
    valid_from = DateField("有效期起", validators=[DataRequired("请填写有效期起始日")])
    valid_to = DateField("有效期止", validators=[DataRequired("请填写有效期截止日")])
    seller = FormField(PartyForm, label="卖方（让与人、研究开发人、受托人等）")
    buyer = FormField(PartyForm, label="买方")
    technology_field = SelectField(
        "技术领域",
        choices=[("", "请选择")] + [(f, f) for f in TECHNOLOGY_FIELDS],
        validators=[DataRequired("请选择技术领域")],
    )
    ip_type = SelectField(
        "知识产权类型",
        choices=[("", "请选择")] + list(IP_TYPES.items()),
        validators=[DataRequired("请选择知识产权类型")],
    )
    unit = RadioField("金额单位", choices=UNITS, default="yuan")
    contract_amount = StringField(
        "合同成交额",
        validators=[DataRequired("请填写合同成交额")],
        description="按所选单位填写，最多两位小数",
    )
    deductions = FieldList(
        FormField(DeductionForm),
        label="非技术性扣除（设备、仪器、零部件、原材料）",
        min_entries=3,
        max_entries=50,
    )
    patent_ids = IdListField("关联专利编号", description="专利详情页上的“专利编号”，多个用逗号分隔")
    result_ids = IdListField("关联成果编号", description="科技成果详情页上的“科技成果编号”，多个用逗号分隔")
    demand_id = StringField(
        "关联技术需求编号", validators=[Optional()], description="技术需求详情页上的“技术需求编号”"
    )
    deal_id = SelectField(
        "关联对接",
        coerce=str,
        validators=[Optional()],
        validate_choice=False,
        description="本单位作为一方或经纪机构参与的对接；登记后该对接进展变为“已签合同并登记”",
    )
    confirm_amounts = BooleanField("我已核对金额和单位，确认无误")

    @property
    def chosen_unit(self) -> str:
        return self.unit.data if self.unit.data in ("yuan", "wan") else "yuan"

    def amount_fields(self) -> dict[str, int]:
        """Parse the amounts in the chosen unit into 分; record Chinese errors on the fields."""
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
            self.demand_id.errors = [*self.demand_id.errors, "请填写数字编号"]
            ok = False
        data["demand_id"] = int(demand) if demand and _is_id(demand) else None
        deal = (self.deal_id.data or "").strip()
        if deal and not _is_id(deal):
            self.deal_id.errors = [*self.deal_id.errors, "请从列表中选择对接"]
            ok = False
        data["deal_id"] = int(deal) if deal and _is_id(deal) else None
        data["amount_unit"] = self.chosen_unit
        self.parse_failed = not ok
        return data

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
    file = FileField("签字盖章的合同文本（PDF/JPG/PNG）")


class ConfirmForm(FlaskForm):
    """An empty form carrying only the CSRF token, for confirmed actions."""


class ReviewForm(FlaskForm):
    action = HiddenField()
    reasons = SelectMultipleField(
        "不予登记理由", choices=list(REFUSAL_REASONS.items()), validate_choice=False
    )
    comment = TextAreaField("审核意见", validators=[Optional(), Length(max=2000)])


class CancelForm(FlaskForm):
    reason = TextAreaField("注销理由", validators=[DataRequired("请写明注销的理由"), Length(max=500)])


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        "状态",
        choices=[
            ("open", "待审（已提交、审核中）"),
            ("submitted", "已提交"),
            ("under_review", "审核中"),
            ("needs_correction", "待补正"),
            ("amending", "变更办理中"),
            ("registered", "已登记"),
            ("refused", "不予登记"),
            ("cancelled", "已注销"),
            ("all", "全部"),
        ],
        default="open",
        validators=[Optional()],
    )
    type = SelectField(
        "类别", choices=[("", "全部类别")] + list(CONTRACT_TYPES.items()), validators=[Optional()]
    )
    overdue = BooleanField("仅看超期")
    min_wan = StringField("技术交易额下限（万元）", validators=[Optional()])
    max_wan = StringField("上限（万元）", validators=[Optional()])


class PointForm(FlaskForm):
    name = StringField("登记点名称", validators=[DataRequired("请填写登记点名称"), Length(max=200)])
    organisation_id = SelectField("所属单位", coerce=str, validators=[Optional()], validate_choice=False)
    region_code = SelectField("所在区划", choices=[("", "请选择")] + district_choices()[: len(DISTRICTS)])
    point_code = StringField(
        "登记点代码（2 位）",
        validators=[
            DataRequired("请填写 2 位登记点代码"),
            Length(min=2, max=2, message="登记点代码应为 2 位数字"),
        ],
    )
    active = BooleanField("启用", default=True)


class ReviewerForm(FlaskForm):
    user_id = SelectField("审核人员", coerce=str, validate_choice=False)
    point_id = SelectField("登记点", coerce=str, validate_choice=False)


class CalendarForm(FlaskForm):
    day = DateField("日期", validators=[DataRequired("请填写日期（YYYY-MM-DD）")])
    kind = RadioField("类型", choices=list(CALENDAR_KINDS.items()), default="holiday")
    note = StringField("说明", validators=[Optional(), Length(max=100)], description="如：国庆节、国庆调休")

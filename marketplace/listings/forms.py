"""Forms for listings; field checks share marketplace/listings/fields.py with imports and the API."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.common.domain import INDUSTRIES, TECHNOLOGY_FIELDS
from marketplace.common.money import AmountError, fen_to_decimal, fen_to_yuan_text, parse_optional_amount
from marketplace.listings.fields import FIELD_BY_NAME, clean_record, field_detail
from marketplace.listings.models import (
    LEGAL_STATUSES,
    MATURITY_LEVELS,
    PATENT_TYPES,
    RESULT_FORMS,
    SOLUTION_MODES,
    TRANSFER_MODES,
)

REQUIRED = _l("此项为必填项")
LIST_HELP = _l("多个用逗号、顿号或 | 分隔")
UNITS = [("wan", _l("万元")), ("yuan", _l("元"))]


# Text fields the forms carry beyond the shared listing fields (listings/fields.py).
FORM_ONLY_FIELDS = (
    "private_details",
    "technical_level",
    "contact_name",
    "contact_phone",
    "partner_preference",
)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# Patent fields the form does not show: an edit must not blank what an import stored.
IMPORTED_ONLY = ("publication_date", "legal_status_detail", "legal_status_date")


def _blank(choices: dict) -> list[tuple[str, str]]:
    """A choice list that starts empty; the labels (N_-marked tables) are shown translated."""
    return [("", _l("请选择"))] + [(str(k), _l(v)) for k, v in choices.items()]


def _wan_text(fen: int | None) -> str:
    """An exact 万元 figure for a form field, without trailing zeros ("" = 面议)."""
    if fen is None:
        return ""
    text = f"{fen_to_decimal(fen, 'wan'):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _join(items) -> str:
    return "，".join(items or [])


class ListingForm(FlaskForm):
    """Shared behaviour: run the shared cleaner and put its messages on the fields."""

    kind = ""
    # form field name -> shared field name, for fields typed as text.
    LIST_FIELDS: tuple[str, ...] = ()

    def raw_record(self) -> dict:
        raw = {}
        for name in FIELD_BY_NAME[self.kind]:
            if name in self._fields and name not in ("patent_ids",):
                raw[name] = self._fields[name].data
        return raw

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        raw = self.raw_record()
        values, errors, _unknown = clean_record(self.kind, raw)
        for name in IMPORTED_ONLY:  # set by imports from patent databases; the form keeps them
            if name not in self._fields:
                values.pop(name, None)
        money_ok = self._clean_money(values)
        for name, message in errors.items():
            target = self._fields.get(name)
            if target is not None and not target.errors:
                target.errors = list(target.errors) + [field_detail(message)]
        self.cleaned = values
        if "patent_ids" in self._fields:
            self.cleaned["patent_ids"] = [int(i) for i in self.patent_ids.data or []]
        for extra in FORM_ONLY_FIELDS:
            if extra in self._fields:
                self.cleaned[extra] = (self._fields[extra].data or "").strip()
        if "industry" in self._fields and self.kind == "demand":
            self.cleaned["industry"] = self.industry.data or None
        return ok and not errors and money_ok

    def _clean_money(self, values: dict) -> bool:
        money = getattr(self, "price", None) or getattr(self, "budget_wan", None)
        if money is None:
            return True
        unit = self.price_unit.data if hasattr(self, "price_unit") else "wan"
        try:
            fen = parse_optional_amount(money.data, unit)
        except AmountError as exc:
            money.errors = list(money.errors) + [str(exc)]
            return False
        values["price_fen" if self.kind != "demand" else "budget_fen"] = fen
        return True

    def fill_from(self, listing) -> None:
        """Put a listing's values into the form for editing."""
        for name in FIELD_BY_NAME[self.kind]:
            if name not in self._fields or name == "patent_ids":
                continue
            value = getattr(listing, name)
            if isinstance(value, list):
                value = _join(value)
            elif name in ("maturity",):
                value = str(value) if value else ""
            self._fields[name].data = value if value is not None else ""
        for extra in FORM_ONLY_FIELDS:
            if extra in self._fields:
                self._fields[extra].data = getattr(listing, extra)
        if self.kind == "demand":
            self.industry.data = listing.industry or ""
            self.budget_wan.data = _wan_text(listing.budget_fen)
        elif listing.price_fen is not None:
            # Show 万元 only when that is exact; an edit must never round a price.
            if listing.price_fen % 10_000 == 0:
                self.price_unit.data = "wan"
                self.price.data = _wan_text(listing.price_fen)
            else:
                self.price_unit.data = "yuan"
                self.price.data = fen_to_yuan_text(listing.price_fen)
        if "patent_ids" in self._fields:
            self.patent_ids.data = [str(p.id) for p in listing.patents]


def _title(label: str):
    return StringField(
        label, validators=[DataRequired(REQUIRED), Length(max=200, message=_l("不能超过 %(n)s 字", n=200))]
    )


def _price_fields():
    price = StringField(_l("参考价格"), validators=[Optional()], description=_l("留空表示面议；最多两位小数"))
    unit = SelectField(_l("价格单位"), choices=UNITS, default="wan", validate_choice=True)
    return price, unit


class SupplyForm(ListingForm):
    """What patents and results share: transfer modes are a list of checkboxes."""

    def raw_record(self) -> dict:
        raw = super().raw_record()
        raw["transfer_modes"] = self.transfer_modes.data or []
        return raw


class PatentForm(SupplyForm):
    kind = "patent"
    title = _title(_l("专利名称"))
    application_number = StringField(_l("申请号"), description=_l("如 201710601862.3，可带 CN/ZL 前缀和空格"))
    publication_number = StringField(_l("公开（公告）号"), description=_l("如 CN107451234A"))
    patent_type = SelectField(
        _l("专利类型"),
        choices=_blank(PATENT_TYPES),
        validate_choice=False,
        description=_l("留空时按公开号或申请号判断"),
    )
    abstract = TextAreaField(_l("摘要"))
    ipc_codes = StringField(_l("IPC 分类号"), description=_l("如 H01M 10/0525；多个用逗号、顿号或 | 分隔"))
    applicants = StringField(_l("申请（专利权）人"), description=LIST_HELP)
    inventors = StringField(_l("发明人"), description=LIST_HELP)
    filing_date = StringField(_l("申请日"), render_kw={"type": "date"})
    grant_date = StringField(_l("授权日"), render_kw={"type": "date"})
    legal_status = SelectField(_l("法律状态"), choices=_blank(LEGAL_STATUSES), validate_choice=False)
    transfer_modes = MultiCheckboxField(
        _l("转化方式"), choices=[(k, _l(v)) for k, v in TRANSFER_MODES.items()]
    )
    price, price_unit = _price_fields()
    private_details = TextAreaField(
        _l("非公开信息"), description=_l("仅本单位和科技局可见；对接达成后向对方提供")
    )


class ResultForm(SupplyForm):
    kind = "result"
    title = _title(_l("成果名称"))
    abstract = TextAreaField(_l("成果简介"), description=_l("说明解决什么问题、关键指标和应用前景"))
    keywords = StringField(_l("关键词"), description=LIST_HELP)
    technology_field = SelectField(
        _l("技术领域"), choices=_blank({f: f for f in TECHNOLOGY_FIELDS}), validate_choice=False
    )
    industry = SelectField(_l("产业方向"), choices=_blank({i: i for i in INDUSTRIES}), validate_choice=False)
    form = SelectField(_l("成果体现形式"), choices=_blank(RESULT_FORMS), validate_choice=False)
    maturity = SelectField(_l("技术成熟度"), choices=_blank(MATURITY_LEVELS), validate_choice=False)
    technical_level = StringField(
        _l("技术水平"),
        validators=[Length(max=100, message=_l("不能超过 %(n)s 字", n=100))],
        description=_l("如 国内领先"),
    )
    transfer_modes = MultiCheckboxField(
        _l("拟采取的转化方式"), choices=[(k, _l(v)) for k, v in TRANSFER_MODES.items()]
    )
    price, price_unit = _price_fields()
    completers = StringField(_l("完成人"), description=LIST_HELP)
    patent_ids = MultiCheckboxField(_l("关联专利"), choices=[], validate_choice=False)
    contact_name = StringField(
        _l("联系人"), validators=[Length(max=50, message=_l("不能超过 %(n)s 字", n=50))]
    )
    contact_phone = StringField(
        _l("联系电话"), validators=[Length(max=30, message=_l("不能超过 %(n)s 字", n=30))]
    )
    private_details = TextAreaField(
        _l("非公开信息"), description=_l("仅本单位和科技局可见；对接达成后向对方提供")
    )


class DemandForm(ListingForm):
    kind = "demand"
    title = _title(_l("需求名称"))
    description = TextAreaField(_l("主要问题"), description=_l("不超过 500 字"))
    technical_indicators = TextAreaField(
        _l("技术关键/指标"), description=_l("不超过 500 字；写清楚可量化的指标")
    )
    expected_outcome = TextAreaField(_l("预期目标"), description=_l("不超过 500 字"))
    keywords = StringField(_l("关键词（1–5 个）"), description=LIST_HELP)
    technology_field = SelectField(
        _l("技术领域"), choices=_blank({f: f for f in TECHNOLOGY_FIELDS}), validate_choice=False
    )
    industry = SelectField(_l("产业方向"), choices=_blank({i: i for i in INDUSTRIES}), validate_choice=False)
    budget_wan = StringField(_l("拟投入资金（万元）"), description=_l("留空表示面议"))
    start_date = StringField(_l("开始日期"), render_kw={"type": "date"})
    deadline = StringField(_l("截止日期"), validators=[DataRequired(REQUIRED)], render_kw={"type": "date"})
    solution_mode = SelectField(_l("解决方式"), choices=_blank(SOLUTION_MODES), validate_choice=False)
    partner_preference = StringField(
        _l("合作意向单位"), validators=[Length(max=200, message=_l("不能超过 %(n)s 字", n=200))]
    )
    hide_name = BooleanField(
        _l("对公众隐藏企业名称（显示为“某企业”；经认证的技术经纪机构、科技局和已接受对接的合作方仍可见）")
    )
    private_details = TextAreaField(_l("非公开信息"), description=_l("仅本单位和科技局可见"))


FORMS = {"patent": PatentForm, "result": ResultForm, "demand": DemandForm}


class TakedownForm(FlaskForm):
    reason = TextAreaField(
        _l("下架原因"),
        validators=[
            DataRequired(_l("请填写下架原因")),
            Length(max=500, message=_l("不能超过 %(n)s 字", n=500)),
        ],
    )


class ActionForm(FlaskForm):
    """A bare CSRF-protected form for publish/withdraw/confirm buttons."""


class ImportForm(FlaskForm):
    kind = SelectField(
        _l("导入类型"),
        choices=[("patent", _l("专利")), ("result", _l("科技成果")), ("demand", _l("技术需求"))],
    )
    file = FileField(_l("文件（XLSX、XLS、CSV 或 JSON Lines）"))
    as_draft = BooleanField(_l("导入为草稿（不立即发布）"))

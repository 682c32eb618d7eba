"""Forms for the bureau's article editor and attachment upload."""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from marketplace.common.errors import DomainError
from marketplace.policy.models import CATEGORIES, VALIDITIES
from marketplace.policy.services import ArticleInput, parse_link_text


class ArticleForm(FlaskForm):
    category = SelectField(
        lazy_gettext("栏目"),
        choices=[(code, lazy_gettext(label)) for code, label in CATEGORIES.items()],
        validators=[DataRequired(lazy_gettext("请选择栏目"))],
    )
    title = StringField(
        lazy_gettext("标题"),
        validators=[
            DataRequired(lazy_gettext("请填写标题")),
            Length(max=200, message=lazy_gettext("标题不超过 200 字")),
        ],
    )
    issuer = StringField(
        lazy_gettext("发布机关"),
        validators=[
            DataRequired(lazy_gettext("请填写发布机关，例如 石家庄市人民政府")),
            Length(max=100, message=lazy_gettext("不超过 100 字")),
        ],
    )
    document_number = StringField(
        lazy_gettext("发文字号"),
        validators=[Optional(), Length(max=100, message=lazy_gettext("不超过 100 字"))],
        description=lazy_gettext("例如 石政发〔2016〕47号；没有文号的留空"),
    )
    published_on = DateField(
        lazy_gettext("发布日期"), validators=[DataRequired(lazy_gettext("请填写发布日期，格式 2026-12-03"))]
    )
    validity = SelectField(
        lazy_gettext("效力状态"),
        choices=[(code, lazy_gettext(label)) for code, label in VALIDITIES.items()],
        default="current",
    )
    body = TextAreaField(
        lazy_gettext("正文"),
        validators=[Optional(), Length(max=50_000, message=lazy_gettext("正文不超过 50000 字"))],
        description=lazy_gettext(
            "支持 Markdown：# 标题、- 列表、**加粗**、[链接](https://…)、表格；不支持图片和 HTML"
        ),
    )
    links = TextAreaField(
        lazy_gettext("关联成果、专利或需求"),
        validators=[Optional(), Length(max=2000)],
        description=lazy_gettext("每行粘贴一个页面地址，例如 /results/12 或 https://…/demands/5"),
    )

    def validate_links(self, field) -> None:
        try:
            self.parsed_links = parse_link_text(field.data or "")
        except DomainError as error:
            raise ValidationError(error.message) from error

    def to_input(self) -> ArticleInput:
        return ArticleInput(
            category=self.category.data,
            title=self.title.data or "",
            issuer=self.issuer.data or "",
            document_number=self.document_number.data or "",
            published_on=self.published_on.data,
            validity=self.validity.data,
            body=self.body.data or "",
            links=getattr(self, "parsed_links", []),
        )


class AttachmentForm(FlaskForm):
    file = FileField(lazy_gettext("附件（PDF、DOCX 或 XLSX）"))

"""Forms for inquiries, answers and deal threads; messages say what to fix, in the interface language."""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.common.validators import parse_id
from marketplace.deals.models import CLOSE_REASONS, DECLINE_REASONS, PURPOSES, REPORT_REASONS


def label_choices(table: dict) -> list:
    """Choices from a code-label table, each label shown in the interface language when rendered."""
    return [(code, lazy_gettext(label)) for code, label in table.items()]


PURPOSE_CHOICES = label_choices(PURPOSES)


def int_or_zero(value) -> int:
    """Coerce a submitted id; junk or a number no key can hold becomes 0, which the services refuse."""
    return parse_id(value) or 0


# Choices are checked by the services, whose messages are Chinese, not by WTForms ("Not a valid choice").


class InquiryForm(FlaskForm):
    purpose = RadioField(
        lazy_gettext("希望的合作方式"),
        choices=PURPOSE_CHOICES,
        validators=[DataRequired(lazy_gettext("请选择合作方式"))],
        validate_choice=False,
    )
    message = TextAreaField(
        lazy_gettext("留言"),
        validators=[
            DataRequired(lazy_gettext("请填写留言，说明您的需求或来意")),
            Length(max=2000, message=lazy_gettext("留言不能超过 2000 字")),
        ],
        description=lazy_gettext("简要说明贵单位的情况、想解决的问题和期望的合作方式（不超过 2000 字）"),
    )
    demand_id = SelectField(
        lazy_gettext("关联本单位的需求（可选）"),
        coerce=int_or_zero,
        validators=[Optional()],
        validate_choice=False,
    )
    on_behalf_of = StringField(
        lazy_gettext("委托企业全称"),
        validators=[Optional(), Length(max=200, message=lazy_gettext("企业名称过长"))],
        description=lazy_gettext("技术经纪机构代表企业发送时填写，须与平台上已认证的企业名称完全一致"),
    )
    wants_private_details = BooleanField(lazy_gettext("请求查看详细资料（对方接受后可见）"))
    # Set when the inquiry starts from a project presented on an event's page.
    event_id = HiddenField()


class OfferForm(FlaskForm):
    result_id = SelectField(
        lazy_gettext("推荐本单位的成果"),
        coerce=int_or_zero,
        validators=[DataRequired(lazy_gettext("请选择要推荐的成果"))],
        validate_choice=False,
    )
    purpose = RadioField(
        lazy_gettext("建议的合作方式"),
        choices=PURPOSE_CHOICES,
        validators=[DataRequired(lazy_gettext("请选择合作方式"))],
        validate_choice=False,
    )
    message = TextAreaField(
        lazy_gettext("推荐说明"),
        validators=[
            DataRequired(lazy_gettext("请说明这项成果如何解决该需求")),
            Length(max=2000, message=lazy_gettext("说明不能超过 2000 字")),
        ],
    )
    wants_private_details = BooleanField(lazy_gettext("请求查看需求的详细资料（对方接受后可见）"))
    event_id = HiddenField()


class DeclineForm(FlaskForm):
    reason = SelectField(
        lazy_gettext("婉拒原因"),
        choices=[("", lazy_gettext("请选择"))] + label_choices(DECLINE_REASONS),
        validators=[DataRequired(lazy_gettext("请选择婉拒原因"))],
        validate_choice=False,
    )
    text = TextAreaField(
        lazy_gettext("补充说明"),
        validators=[Optional(), Length(max=500, message=lazy_gettext("说明不能超过 500 字"))],
    )


class MessageForm(FlaskForm):
    body = TextAreaField(
        lazy_gettext("消息"),
        validators=[Optional(), Length(max=5000, message=lazy_gettext("消息不能超过 5000 字"))],
    )
    attachment = FileField(lazy_gettext("附件（PDF/JPG/PNG，可选）"))


class StageForm(FlaskForm):
    stage = SelectField(
        lazy_gettext("新的进展"),
        choices=[],
        validators=[DataRequired(lazy_gettext("请选择进展"))],
        validate_choice=False,
    )
    reason = SelectField(
        lazy_gettext("终止原因"),
        choices=[("", lazy_gettext("（终止时必选）"))] + label_choices(CLOSE_REASONS),
        validators=[Optional()],
        validate_choice=False,
    )
    text = TextAreaField(
        lazy_gettext("说明"),
        validators=[Optional(), Length(max=500, message=lazy_gettext("说明不能超过 500 字"))],
    )


class InviteBrokerForm(FlaskForm):
    broker_org_id = SelectField(
        lazy_gettext("技术经纪机构"),
        coerce=int_or_zero,
        validators=[DataRequired(lazy_gettext("请选择技术经纪机构"))],
        validate_choice=False,
    )


class ReportForm(FlaskForm):
    reason = SelectField(
        lazy_gettext("举报原因"),
        choices=[("", lazy_gettext("请选择"))] + label_choices(REPORT_REASONS),
        validators=[DataRequired(lazy_gettext("请选择举报原因"))],
        validate_choice=False,
    )
    text = TextAreaField(
        lazy_gettext("说明"),
        validators=[Optional(), Length(max=1000, message=lazy_gettext("说明不能超过 1000 字"))],
    )


class ResolveReportForm(FlaskForm):
    resolution = StringField(
        lazy_gettext("处理结果"), validators=[DataRequired(lazy_gettext("请填写处理结果")), Length(max=500)]
    )

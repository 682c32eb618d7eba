"""Forms for inquiries, answers and deal threads; messages in Chinese say what to fix."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.common.validators import parse_id
from marketplace.deals.models import CLOSE_REASONS, DECLINE_REASONS, PURPOSES, REPORT_REASONS

PURPOSE_CHOICES = list(PURPOSES.items())


def int_or_zero(value) -> int:
    """Coerce a submitted id; junk or a number no key can hold becomes 0, which the services refuse."""
    return parse_id(value) or 0


# Choices are checked by the services, whose messages are Chinese, not by WTForms ("Not a valid choice").


class InquiryForm(FlaskForm):
    purpose = RadioField(
        "希望的合作方式",
        choices=PURPOSE_CHOICES,
        validators=[DataRequired("请选择合作方式")],
        validate_choice=False,
    )
    message = TextAreaField(
        "留言",
        validators=[
            DataRequired("请填写留言，说明您的需求或来意"),
            Length(max=2000, message="留言不能超过 2000 字"),
        ],
        description="简要说明贵单位的情况、想解决的问题和期望的合作方式（不超过 2000 字）",
    )
    demand_id = SelectField(
        "关联本单位的需求（可选）", coerce=int_or_zero, validators=[Optional()], validate_choice=False
    )
    on_behalf_of = StringField(
        "委托企业全称",
        validators=[Optional(), Length(max=200, message="企业名称过长")],
        description="技术经纪机构代表企业发送时填写，须与平台上已认证的企业名称完全一致",
    )
    wants_private_details = BooleanField("请求查看详细资料（对方接受后可见）")
    # Set when the inquiry starts from a project presented on an event's page.
    event_id = HiddenField()


class OfferForm(FlaskForm):
    result_id = SelectField(
        "推荐本单位的成果",
        coerce=int_or_zero,
        validators=[DataRequired("请选择要推荐的成果")],
        validate_choice=False,
    )
    purpose = RadioField(
        "建议的合作方式",
        choices=PURPOSE_CHOICES,
        validators=[DataRequired("请选择合作方式")],
        validate_choice=False,
    )
    message = TextAreaField(
        "推荐说明",
        validators=[
            DataRequired("请说明这项成果如何解决该需求"),
            Length(max=2000, message="说明不能超过 2000 字"),
        ],
    )
    wants_private_details = BooleanField("请求查看需求的详细资料（对方接受后可见）")
    event_id = HiddenField()


class DeclineForm(FlaskForm):
    reason = SelectField(
        "婉拒原因",
        choices=[("", "请选择")] + list(DECLINE_REASONS.items()),
        validators=[DataRequired("请选择婉拒原因")],
        validate_choice=False,
    )
    text = TextAreaField("补充说明", validators=[Optional(), Length(max=500, message="说明不能超过 500 字")])


class MessageForm(FlaskForm):
    body = TextAreaField("消息", validators=[Optional(), Length(max=5000, message="消息不能超过 5000 字")])
    attachment = FileField("附件（PDF/JPG/PNG，可选）")


class StageForm(FlaskForm):
    stage = SelectField(
        "新的进展", choices=[], validators=[DataRequired("请选择进展")], validate_choice=False
    )
    reason = SelectField(
        "终止原因",
        choices=[("", "（终止时必选）")] + list(CLOSE_REASONS.items()),
        validators=[Optional()],
        validate_choice=False,
    )
    text = TextAreaField("说明", validators=[Optional(), Length(max=500, message="说明不能超过 500 字")])


class InviteBrokerForm(FlaskForm):
    broker_org_id = SelectField(
        "技术经纪机构",
        coerce=int_or_zero,
        validators=[DataRequired("请选择技术经纪机构")],
        validate_choice=False,
    )


class ReportForm(FlaskForm):
    reason = SelectField(
        "举报原因",
        choices=[("", "请选择")] + list(REPORT_REASONS.items()),
        validators=[DataRequired("请选择举报原因")],
        validate_choice=False,
    )
    text = TextAreaField("说明", validators=[Optional(), Length(max=1000, message="说明不能超过 1000 字")])


class ResolveReportForm(FlaskForm):
    resolution = StringField("处理结果", validators=[DataRequired("请填写处理结果"), Length(max=500)])

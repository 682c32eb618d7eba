"""Forms of the events hall; the services check the rules and say in Chinese what to fix."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from marketplace.common.domain import TECHNOLOGY_FIELDS
from marketplace.events.models import EVENT_TYPES

TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
KIND_CHOICES = [("result", "科技成果"), ("patent", "专利"), ("demand", "技术需求")]


class EventForm(FlaskForm):
    title = StringField("活动名称", validators=[Optional(), Length(max=200, message="不能超过 200 字")])
    event_type = SelectField(
        "活动类型", choices=[("", "请选择"), *EVENT_TYPES.items()], validate_choice=False
    )
    starts_at = DateTimeLocalField("开始时间（北京时间）", format=TIME_FORMATS, validators=[Optional()])
    ends_at = DateTimeLocalField("结束时间（北京时间）", format=TIME_FORMATS, validators=[Optional()])
    place = StringField("活动地点", validators=[Optional(), Length(max=300, message="不能超过 300 字")])
    online_url = StringField(
        "线上参会链接",
        validators=[Optional(), Length(max=300, message="不能超过 300 字")],
        description="线上或线上线下结合的活动填写；地点和链接至少填一项",
    )
    organiser_name = StringField("主办单位", validators=[Optional(), Length(max=200)])
    capacity = IntegerField("名额", validators=[Optional()], description="报名人数达到名额后进入候补名单")
    registration_deadline = DateTimeLocalField(
        "报名截止时间（北京时间）", format=TIME_FORMATS, validators=[Optional()]
    )
    training_hours = FloatField(
        "培训学时", validators=[Optional()], description="仅培训活动填写，签到后计入学时"
    )
    agenda = TextAreaField("活动议程", validators=[Optional(), Length(max=5000, message="不能超过 5000 字")])


class ProjectForm(FlaskForm):
    kind = SelectField("项目类型", choices=KIND_CHOICES, validate_choice=False)
    listing_id = IntegerField("项目编号", validators=[Optional()], description="项目页面地址末尾的数字")
    slot_at = DateTimeLocalField("展示时间（北京时间）", format=TIME_FORMATS, validators=[Optional()])


class RegisterForm(FlaskForm):
    note = TextAreaField(
        "备注（可选）", validators=[Optional(), Length(max=500, message="备注不能超过 500 字")]
    )
    consent = BooleanField("我同意主办方为本次活动的组织、通知和签到使用我的姓名和手机号")


class CheckInForm(FlaskForm):
    code = StringField("签到码", validators=[Optional(), Length(max=20)])


class WalkInForm(FlaskForm):
    name = StringField("姓名", validators=[Optional(), Length(max=50, message="不能超过 50 字")])
    phone = StringField("联系电话", validators=[Optional(), Length(max=30, message="不能超过 30 字")])


class RejectForm(FlaskForm):
    reason = TextAreaField("未通过原因", validators=[Optional(), Length(max=500, message="不能超过 500 字")])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    type = SelectField("类型", choices=[("", "全部类型"), *EVENT_TYPES.items()], validate_choice=False)
    month = StringField("月份")
    field = SelectField(
        "技术领域", choices=[("", "全部领域"), *[(f, f) for f in TECHNOLOGY_FIELDS]], validate_choice=False
    )

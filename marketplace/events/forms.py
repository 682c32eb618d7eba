"""Forms of the events hall; the services check the rules and say what to fix."""

from flask_babel import lazy_gettext
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
KIND_CHOICES = [
    ("result", lazy_gettext("科技成果")),
    ("patent", lazy_gettext("专利")),
    ("demand", lazy_gettext("技术需求")),
]
# The labels are marked in models.EVENT_TYPES; translated when the form is rendered.
TYPE_CHOICES = [(code, lazy_gettext(label)) for code, label in EVENT_TYPES.items()]


class EventForm(FlaskForm):
    title = StringField(
        lazy_gettext("活动名称"),
        validators=[Optional(), Length(max=200, message=lazy_gettext("不能超过 200 字"))],
    )
    event_type = SelectField(
        lazy_gettext("活动类型"), choices=[("", lazy_gettext("请选择")), *TYPE_CHOICES], validate_choice=False
    )
    starts_at = DateTimeLocalField(
        lazy_gettext("开始时间（北京时间）"), format=TIME_FORMATS, validators=[Optional()]
    )
    ends_at = DateTimeLocalField(
        lazy_gettext("结束时间（北京时间）"), format=TIME_FORMATS, validators=[Optional()]
    )
    place = StringField(
        lazy_gettext("活动地点"),
        validators=[Optional(), Length(max=300, message=lazy_gettext("不能超过 300 字"))],
    )
    online_url = StringField(
        lazy_gettext("线上参会链接"),
        validators=[Optional(), Length(max=300, message=lazy_gettext("不能超过 300 字"))],
        description=lazy_gettext("线上或线上线下结合的活动填写；地点和链接至少填一项"),
    )
    organiser_name = StringField(lazy_gettext("主办单位"), validators=[Optional(), Length(max=200)])
    capacity = IntegerField(
        lazy_gettext("名额"),
        validators=[Optional()],
        description=lazy_gettext("报名人数达到名额后进入候补名单"),
    )
    registration_deadline = DateTimeLocalField(
        lazy_gettext("报名截止时间（北京时间）"), format=TIME_FORMATS, validators=[Optional()]
    )
    training_hours = FloatField(
        lazy_gettext("培训学时"),
        validators=[Optional()],
        description=lazy_gettext("仅培训活动填写，签到后计入学时"),
    )
    agenda = TextAreaField(
        lazy_gettext("活动议程"),
        validators=[Optional(), Length(max=5000, message=lazy_gettext("不能超过 5000 字"))],
    )


class ProjectForm(FlaskForm):
    kind = SelectField(lazy_gettext("项目类型"), choices=KIND_CHOICES, validate_choice=False)
    listing_id = IntegerField(
        lazy_gettext("项目编号"), validators=[Optional()], description=lazy_gettext("项目页面地址末尾的数字")
    )
    slot_at = DateTimeLocalField(
        lazy_gettext("展示时间（北京时间）"), format=TIME_FORMATS, validators=[Optional()]
    )


class RegisterForm(FlaskForm):
    note = TextAreaField(
        lazy_gettext("备注（可选）"),
        validators=[Optional(), Length(max=500, message=lazy_gettext("备注不能超过 500 字"))],
    )
    consent = BooleanField(lazy_gettext("我同意主办方为本次活动的组织、通知和签到使用我的姓名和手机号"))


class CheckInForm(FlaskForm):
    code = StringField(lazy_gettext("签到码"), validators=[Optional(), Length(max=20)])


class WalkInForm(FlaskForm):
    name = StringField(
        lazy_gettext("姓名"), validators=[Optional(), Length(max=50, message=lazy_gettext("不能超过 50 字"))]
    )
    phone = StringField(
        lazy_gettext("联系电话"),
        validators=[Optional(), Length(max=30, message=lazy_gettext("不能超过 30 字"))],
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        lazy_gettext("未通过原因"),
        validators=[Optional(), Length(max=500, message=lazy_gettext("不能超过 500 字"))],
    )


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    type = SelectField(
        lazy_gettext("类型"), choices=[("", lazy_gettext("全部类型")), *TYPE_CHOICES], validate_choice=False
    )
    month = StringField(lazy_gettext("月份"))
    field = SelectField(
        lazy_gettext("技术领域"),
        choices=[("", lazy_gettext("全部领域")), *[(f, lazy_gettext(f)) for f in TECHNOLOGY_FIELDS]],
        validate_choice=False,
    )


class CancelEventForm(FlaskForm):
    reason = TextAreaField(
        lazy_gettext("取消原因"),
        validators=[Optional(), Length(max=500, message=lazy_gettext("不能超过 500 字"))],
        description=lazy_gettext("报名的人会收到通知，看到这个原因"),
    )

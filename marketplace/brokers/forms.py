"""Forms of the broker directory: the profile, the bureau's decision, help requests, inquiries."""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.brokers.models import LEVELS
from marketplace.common.domain import DISTRICTS, TECHNOLOGY_FIELDS
from marketplace.deals.forms import PURPOSE_CHOICES, int_or_zero, label_choices


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(FlaskForm):
    name = StringField(
        lazy_gettext("姓名"),
        validators=[
            DataRequired(lazy_gettext("请填写姓名")),
            Length(max=50, message=lazy_gettext("姓名不超过 50 字")),
        ],
    )
    level = SelectField(
        lazy_gettext("资质等级"),
        choices=[("", lazy_gettext("请选择"))] + label_choices(LEVELS),
        validators=[DataRequired(lazy_gettext("请选择资质等级"))],
    )
    certificate_number = StringField(
        lazy_gettext("证书编号"),
        validators=[
            DataRequired(lazy_gettext("请填写证书编号")),
            Length(max=50, message=lazy_gettext("证书编号不超过 50 个字符")),
        ],
    )
    certificate_issuer = StringField(
        lazy_gettext("发证机构"),
        validators=[
            DataRequired(lazy_gettext("请填写发证机构")),
            Length(max=100, message=lazy_gettext("发证机构不超过 100 字")),
        ],
        description=lazy_gettext("例如：河北省科学技术厅、中国科学技术交流中心等"),
    )
    certificate_date = DateField(
        lazy_gettext("发证日期"), validators=[DataRequired(lazy_gettext("请填写发证日期（年-月-日）"))]
    )
    evidence = FileField(
        lazy_gettext("资质证书扫描件（PDF/JPG/PNG，10 MB 以内）"),
        description=lazy_gettext("首次登记必须上传；已上传的可不再选择。更换证书会重新提交审核。"),
    )
    fields = CheckboxListField(
        lazy_gettext("擅长的技术领域"),
        choices=[(f, lazy_gettext(f)) for f in TECHNOLOGY_FIELDS],
        validators=[DataRequired(lazy_gettext("请至少选择一个技术领域"))],
    )
    regions = CheckboxListField(
        lazy_gettext("服务区县（石家庄市）"),
        choices=label_choices(DISTRICTS),
        validators=[DataRequired(lazy_gettext("请至少选择一个服务区县"))],
    )
    introduction = TextAreaField(
        lazy_gettext("个人简介"),
        validators=[Optional(), Length(max=500, message=lazy_gettext("个人简介不超过 500 字"))],
        description=lazy_gettext("从业经历、促成过的项目类型、可提供的服务（不超过 500 字）"),
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        lazy_gettext("不予通过的理由"),
        validators=[
            DataRequired(lazy_gettext("请填写理由，申请人将看到它")),
            Length(max=500, message=lazy_gettext("理由不超过 500 字")),
        ],
    )


class AskForm(FlaskForm):
    demand_id = SelectField(
        lazy_gettext("需要协助的需求"),
        coerce=int_or_zero,
        validators=[DataRequired(lazy_gettext("请选择本单位的一项需求"))],
        validate_choice=False,
    )
    message = TextAreaField(
        lazy_gettext("留言"),
        validators=[
            DataRequired(lazy_gettext("请填写留言，说明希望经纪人协助的事项")),
            Length(max=1000, message=lazy_gettext("留言不超过 1000 字")),
        ],
        description=lazy_gettext("说明需求的要点、期望的合作方式和时间安排（不超过 1000 字）"),
    )


class AnswerForm(FlaskForm):
    text = TextAreaField(
        lazy_gettext("答复（可选）"),
        validators=[Optional(), Length(max=500, message=lazy_gettext("答复不超过 500 字"))],
    )


class RequestInquiryForm(FlaskForm):
    listing = SelectField(
        lazy_gettext("联系的专利或成果"),
        validators=[DataRequired(lazy_gettext("请选择要联系的专利或成果"))],
        validate_choice=False,
    )
    purpose = RadioField(
        lazy_gettext("希望的合作方式"),
        choices=PURPOSE_CHOICES,
        validators=[DataRequired(lazy_gettext("请选择合作方式"))],
        validate_choice=False,
    )
    message = TextAreaField(
        lazy_gettext("留言"),
        validators=[
            DataRequired(lazy_gettext("请填写留言，说明委托企业的需求")),
            Length(max=2000, message=lazy_gettext("留言不能超过 2000 字")),
        ],
    )
    wants_private_details = BooleanField(lazy_gettext("请求查看详细资料（对方接受后可见）"))


class DirectorySearchForm(FlaskForm):
    """The directory's filters: a GET form, so no CSRF."""

    class Meta:
        csrf = False

    q = StringField(lazy_gettext("关键词"), validators=[Optional(), Length(max=50)])

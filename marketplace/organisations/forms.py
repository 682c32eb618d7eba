"""Forms for an organisation's own page and for the bureau's verification."""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from marketplace.common.forms import zone_choices


class OrgProfileForm(FlaskForm):
    contact_name = StringField(
        lazy_gettext("联系人"), validators=[DataRequired(lazy_gettext("请填写联系人")), Length(max=50)]
    )
    contact_phone = StringField(
        lazy_gettext("联系电话"),
        validators=[
            DataRequired(lazy_gettext("请填写联系电话")),
            Regexp(r"^[0-9+\- ]{7,20}$", message=lazy_gettext("请填写有效的电话号码")),
        ],
    )
    contact_email = EmailField(
        lazy_gettext("联系邮箱"), validators=[Optional(), Email(lazy_gettext("请填写有效的邮箱地址"))]
    )
    address = StringField(lazy_gettext("地址"), validators=[Optional(), Length(max=300)])
    zone = SelectField(lazy_gettext("功能区"), choices=zone_choices(), validators=[Optional()])
    description = TextAreaField(lazy_gettext("单位简介"), validators=[Optional(), Length(max=2000)])


class EvidenceForm(FlaskForm):
    evidence = FileField(lazy_gettext("营业执照或法人证书（PDF/JPG/PNG，10 MB 以内）"))


class RejectForm(FlaskForm):
    reason = TextAreaField(
        lazy_gettext("不予认证的理由"),
        validators=[DataRequired(lazy_gettext("请填写理由，单位将看到它")), Length(max=500)],
    )


class RecognitionForm(FlaskForm):
    is_transfer_institution = BooleanField(lazy_gettext("省级以上技术转移机构"))
    is_registration_point = BooleanField(lazy_gettext("技术合同登记点"))

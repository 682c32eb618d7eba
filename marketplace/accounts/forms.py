"""Forms for signing up, signing in and managing one's account."""

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from marketplace.common.forms import (
    credit_code_check,
    district_choices,
    nature_choices,
    org_type_choices,
    zone_choices,
)

REQUIRED = lazy_gettext("此项为必填项")
EMAIL_MSG = lazy_gettext("请填写有效的邮箱地址")


class LoginForm(FlaskForm):
    email = EmailField(lazy_gettext("邮箱"), validators=[DataRequired(REQUIRED), Email(EMAIL_MSG)])
    password = PasswordField(lazy_gettext("密码"), validators=[DataRequired(REQUIRED)])
    remember = BooleanField(lazy_gettext("记住我（30 天内自动登录）"))


class RegisterForm(FlaskForm):
    email = EmailField(
        lazy_gettext("邮箱"), validators=[DataRequired(REQUIRED), Email(EMAIL_MSG), Length(max=200)]
    )
    name = StringField(
        lazy_gettext("姓名"),
        validators=[DataRequired(REQUIRED), Length(max=50, message=lazy_gettext("姓名过长"))],
    )
    phone = StringField(
        lazy_gettext("手机号码"),
        validators=[
            DataRequired(REQUIRED),
            Regexp(r"^[0-9+\- ]{7,20}$", message=lazy_gettext("请填写有效的电话号码")),
        ],
    )
    password = PasswordField(
        lazy_gettext("密码"),
        validators=[DataRequired(REQUIRED)],
        description=lazy_gettext("至少 10 位，须包含字母和数字"),
    )
    confirm = PasswordField(
        lazy_gettext("确认密码"),
        validators=[DataRequired(REQUIRED), EqualTo("password", lazy_gettext("两次输入的密码不一致"))],
    )
    mode = RadioField(
        lazy_gettext("单位"),
        choices=[("new", lazy_gettext("登记新单位")), ("join", lazy_gettext("加入已在平台登记的单位"))],
        default="new",
    )
    join_org = SelectField(
        lazy_gettext("选择单位"), coerce=int, validators=[Optional()], validate_choice=False
    )
    org_name = StringField(lazy_gettext("单位名称"), validators=[Optional(), Length(max=200)])
    org_type = SelectField(lazy_gettext("单位类型"), choices=org_type_choices(), validators=[Optional()])
    credit_code = StringField(
        lazy_gettext("统一社会信用代码"),
        validators=[Optional(), credit_code_check],
        description=lazy_gettext("18 位，见营业执照或法人证书"),
    )
    district = SelectField(lazy_gettext("所在区县"), choices=district_choices(), default="130100")
    zone = SelectField(lazy_gettext("功能区"), choices=zone_choices(), validators=[Optional()])
    nature_code = SelectField(lazy_gettext("主体性质"), choices=nature_choices(), default="150")
    contact_name = StringField(lazy_gettext("联系人"), validators=[Optional(), Length(max=50)])
    evidence = FileField(lazy_gettext("营业执照或法人证书（PDF/JPG/PNG，可稍后上传）"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.mode.data == "new":
            for field in (self.org_name, self.credit_code, self.org_type):
                if not (field.data or "").strip():
                    field.errors = [*field.errors, gettext("登记新单位时此项必填")]
                    ok = False
        elif not self.join_org.data:
            self.join_org.errors = [*self.join_org.errors, gettext("请选择要加入的单位")]
            ok = False
        return ok


class ForgotPasswordForm(FlaskForm):
    email = EmailField(lazy_gettext("注册邮箱"), validators=[DataRequired(REQUIRED), Email(EMAIL_MSG)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(lazy_gettext("新密码"), validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(
        lazy_gettext("确认新密码"),
        validators=[DataRequired(REQUIRED), EqualTo("password", lazy_gettext("两次输入的密码不一致"))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(lazy_gettext("当前密码"), validators=[DataRequired(REQUIRED)])
    new_password = PasswordField(lazy_gettext("新密码"), validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(
        lazy_gettext("确认新密码"),
        validators=[DataRequired(REQUIRED), EqualTo("new_password", lazy_gettext("两次输入的密码不一致"))],
    )


class ProfileForm(FlaskForm):
    name = StringField(lazy_gettext("姓名"), validators=[DataRequired(REQUIRED), Length(max=50)])
    phone = StringField(
        lazy_gettext("电话"),
        validators=[Optional(), Regexp(r"^[0-9+\- ]{7,20}$", message=lazy_gettext("请填写有效的电话号码"))],
    )


class TokenForm(FlaskForm):
    name = StringField(lazy_gettext("令牌用途"), validators=[DataRequired(REQUIRED), Length(max=100)])


class ConfirmForm(FlaskForm):
    """An empty form that only carries the CSRF token for a confirmed action button."""

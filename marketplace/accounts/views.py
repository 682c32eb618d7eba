"""Sign-up, sign-in, password recovery, profile and API tokens."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, gettext
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from marketplace.accounts import services, throttle
from marketplace.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    TokenForm,
)
from marketplace.accounts.models import ApiToken
from marketplace.common import counters
from marketplace.common.audit import record_audit
from marketplace.common.errors import DomainError
from marketplace.common.mail_outbox import queue_mail
from marketplace.common.security import is_safe_next
from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.common.uow import attempt, unit_of_work
from marketplace.extensions import db
from marketplace.organisations import services as org_services

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _apply_field_errors(form, error: DomainError) -> None:
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        # Counted and committed before the password is checked, so parallel guesses see each other.
        with unit_of_work():
            login_attempt = throttle.record_attempt(email, request.remote_addr)
        verdict = throttle.check_login_allowed(email, request.remote_addr, login_attempt)
        if not verdict.allowed:
            form.password.errors = [verdict.message]
            return render_template("accounts/login.html", form=form), 429
        user = services.find_user_by_email(email)
        if user is None or not user.check_password(form.password.data):
            form.password.errors = [gettext("邮箱或密码不正确")]  # the attempt stays counted as a failure
            return render_template("accounts/login.html", form=form), 200
        if user.is_disabled:
            with unit_of_work():
                throttle.forget_attempt(login_attempt)
            form.email.errors = [gettext("该账户已被停用，请联系平台管理员")]
            return render_template("accounts/login.html", form=form), 200
        with unit_of_work():
            throttle.forget_attempt(login_attempt)
            throttle.clear_login_failures(email)
            user.last_login_at = utcnow()
            record_audit(user, "user.login", user)
        # login_user rotates nothing by itself: clear the old session to prevent fixation.
        session.clear()
        login_user(user, remember=form.remember.data)
        flash(gettext("欢迎回来，%(name)s", name=user.name), "success")
        target = request.args.get("next")
        return redirect(target if is_safe_next(target) else url_for("main.dashboard"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # Session cookies are signed, not stored: a copy of this one would stay valid after
    # logout_user(). A new session version makes every copy (and remember-me cookie) worthless.
    with unit_of_work():
        current_user.session_version += 1
        record_audit(current_user, "user.logout", current_user)
    logout_user()
    flash(gettext("您已安全退出"), "info")
    return redirect(url_for("main.index"))


def _join_choices() -> list[tuple[int, str]]:
    orgs = db.session.scalars(services.joinable_organisations())
    return [(0, gettext("请选择单位"))] + [
        (o.id, gettext("%(name)s（%(type)s）", name=o.name, type=gettext(o.type_label))) for o in orgs
    ]


def _register(form: RegisterForm):
    """Create the account (with a new organisation, or as an applicant to an existing one)."""
    if form.mode.data == "new":
        org_data = services.NewOrganisation(
            name=form.org_name.data,
            org_type=form.org_type.data,
            credit_code=form.credit_code.data,
            district=form.district.data,
            zone=form.zone.data or None,
            nature_code=form.nature_code.data,
            contact_name=form.contact_name.data or form.name.data,
            contact_phone=form.phone.data,
        )
        user = services.register_with_new_org(
            form.email.data, form.name.data, form.password.data, form.phone.data, org_data
        )
        if form.evidence.data and form.evidence.data.filename:
            org_services.attach_evidence(user, user.organisation, form.evidence.data)
        return user
    return services.register_joining_org(
        form.email.data,
        form.name.data,
        form.password.data,
        form.phone.data,
        form.join_org.data,
    )


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    form.join_org.choices = _join_choices()
    if form.validate_on_submit():
        outcome = attempt(lambda: _register(form))
        if not outcome:
            _apply_field_errors(form, outcome.error)
            return render_template("accounts/register.html", form=form), 422
        session.clear()  # as at login: nothing from before the account existed carries over
        login_user(outcome.value)
        if form.mode.data == "new":
            flash(gettext("注册成功。单位认证通过前可以准备草稿，认证后方可发布。"), "success")
        else:
            flash(gettext("注册成功，已向该单位管理员提交加入申请，审批后即可代表单位操作。"), "success")
        return redirect(url_for("main.dashboard"))
    if form.is_submitted():
        return render_template("accounts/register.html", form=form), 422
    return render_template("accounts/register.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with unit_of_work():
            user = services.find_user_by_email(form.email.data)
            if user is not None and not user.is_disabled and _reset_mail_allowed(user):
                send_reset_mail(user)
        # The same answer whether or not the address exists (or hit the day's limit), so it
        # cannot be probed.
        flash(gettext("如果该邮箱已注册，重置密码的邮件已发出，请在 2 小时内使用。"), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


def _reset_mail_allowed(user) -> bool:
    # Counted atomically, so a burst of parallel requests cannot flood an inbox past the limit.
    limit = current_app.config["PASSWORD_RESET_DAILY_LIMIT"]
    return counters.take("password_reset", f"user:{user.id}", beijing_today().isoformat(), limit)


def send_reset_mail(user) -> None:
    """Queue a one-time password reset link for the user; it is mailed after the commit."""
    token = services.make_reset_token(user, current_app.config["SECRET_KEY"])
    link = current_app.config["SITE_URL"].rstrip("/") + url_for("accounts.reset_password", token=token)
    # Written in the user's language, whoever asked for it (the user, or an administrator).
    with force_locale(user.language or "zh_CN"):
        body = render_template("accounts/reset_mail.txt", user=user, link=link)
        subject = gettext("【石家庄科技成果转化服务广场】%(title)s", title=gettext("重置密码"))
    queue_mail(user.email, subject, body)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    config = current_app.config
    try:
        user = services.user_from_reset_token(token, config["SECRET_KEY"], config["PASSWORD_RESET_MAX_AGE"])
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.reset_password(user, form.password.data)
        except DomainError as error:
            form.password.errors = [error.message]
            return render_template("accounts/reset.html", form=form), 422
        flash(gettext("密码已重置，请用新密码登录。原有的 API 令牌已全部吊销。"), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


def _update_profile(form: ProfileForm) -> None:
    before = {"name": current_user.name, "phone": current_user.phone}
    current_user.name = form.name.data.strip()
    current_user.phone = (form.phone.data or "").strip()
    record_audit(
        current_user,
        "user.profile_updated",
        current_user,
        before=before,
        after={"name": current_user.name, "phone": current_user.phone},
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        attempt(lambda: _update_profile(form), success=gettext("个人信息已保存"))
        return redirect(url_for("accounts.profile"))
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template(
        "accounts/profile.html",
        form=form,
        password_form=ChangePasswordForm(),
        token_form=TokenForm(),
        confirm_form=ConfirmForm(),
        tokens=tokens,
    )


@bp.route("/password", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        changed = attempt(
            lambda: services.change_password(current_user, form.current_password.data, form.new_password.data)
        )
        if not changed:
            return redirect(url_for("accounts.profile"))
        # The session id carries the old session version; log in again under the new one.
        # (The user itself, not the proxy: a proxy stored as the user would resolve to itself.)
        login_user(current_user._get_current_object())
        flash(gettext("密码已修改，其他设备上的登录和原有的 API 令牌已失效。"), "success")
    else:
        for errors in form.errors.values():
            flash(gettext("；").join(str(error) for error in errors), "danger")  # messages may be lazy
    return redirect(url_for("accounts.profile"))


@bp.route("/tokens", methods=["POST"])
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        flash(gettext("请填写令牌用途"), "danger")
        return redirect(url_for("accounts.profile"))
    with unit_of_work():
        raw = services.create_api_token(current_user, form.name.data)
    flash(gettext("令牌已创建。请立即复制保存，它只显示这一次。"), "warning")
    return render_template("accounts/token_created.html", raw_token=raw)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        # Another user's token is a 404 (NotFound reaches the error page), not a message.
        with unit_of_work():
            services.revoke_api_token(current_user, token_id)
        flash(gettext("令牌已吊销，使用它的请求将被拒绝。"), "success")
    return redirect(url_for("accounts.profile"))

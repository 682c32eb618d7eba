"""Platform administration: the list of users, disabling, password resets, membership; the audit register."""

import io

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import or_, select

from marketplace.accounts import services as account_services
from marketplace.accounts.forms import ConfirmForm
from marketplace.accounts.models import User
from marketplace.accounts.views import send_reset_mail
from marketplace.admin import register
from marketplace.admin.audit_export import XLSX, audit_export_workbook
from marketplace.common.audit import record_audit
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.common.permissions import admin_required, role_required
from marketplace.common.roles import Role
from marketplace.common.timeutil import beijing_today
from marketplace.common.uow import attempt
from marketplace.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@admin_required
def users():
    q = request.args.get("q", "").strip()
    stmt = select(User).order_by(User.id.desc())
    if q:
        like = f"%{q[:100]}%"
        stmt = stmt.where(or_(User.email.ilike(like), User.name.ilike(like)))
    page, per_page = parse_page_args(request.args)
    return render_template(
        "admin/users.html", page=paginate(stmt, page, per_page), q=q, confirm_form=ConfirmForm()
    )


@bp.route("/users/<int:user_id>/<action>", methods=["POST"])
@admin_required
def user_action(user_id: int, action: str):
    user = db.session.get(User, user_id)
    if user is None or action not in ("disable", "enable", "reset", "remove"):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if action in ("disable", "enable"):
        attempt(
            lambda: account_services.set_user_disabled(current_user, user, action == "disable"),
            success=gettext("账户已停用") if action == "disable" else gettext("账户已启用"),
        )
    elif action == "reset":
        attempt(
            lambda: _send_reset(user), success=gettext("已向 %(email)s 发送重置密码邮件", email=user.email)
        )
    else:
        attempt(
            lambda: account_services.remove_member(current_user, user),
            success=gettext("已将该用户移出其单位"),
        )
    return redirect(url_for("admin.users", q=request.args.get("q", "")))


def _send_reset(user: User) -> None:
    send_reset_mail(user)
    record_audit(current_user, "user.reset_sent", user)


@bp.route("/audit")
@role_required("admin", Role.BUREAU)
def audit():
    filters = register.parse_filters(request.args)
    page, per_page = parse_page_args(request.args, default_per_page=50)
    result = paginate(register.query(filters), page, per_page)
    orgs, actions = register.filter_choices()
    return render_template(
        "admin/audit.html",
        page=result,
        entries=register.describe(list(result.items), link_users=current_user.is_admin),
        filters=filters,
        orgs=orgs,
        actions=actions,
        prefixes=register.action_groups(actions),
    )


@bp.route("/audit/export.xlsx")
@role_required("admin", Role.BUREAU)
def audit_export():
    filters = register.parse_filters(request.args)
    data = audit_export_workbook(filters)
    name = f"审计日志-{beijing_today():%Y%m%d}.xlsx"
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)

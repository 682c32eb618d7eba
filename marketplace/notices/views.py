"""The notice list and the unread count in the header."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.accounts.forms import ConfirmForm
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.common.security import is_safe_next
from marketplace.common.uow import unit_of_work
from marketplace.notices import services
from marketplace.notices.models import NOTICE_KINDS, Notice, addressed_to

bp = Blueprint("notices", __name__, url_prefix="/notices")


@bp.app_context_processor
def inject_unread():
    def unread_notices() -> int:
        if not current_user.is_authenticated or current_user.org is None:
            return 0
        return services.unread_count(current_user.org.id, current_user.id)

    return {"unread_notices": unread_notices}


@bp.route("/")
@login_required
def index():
    if current_user.org is None:
        abort(403)
    only_unread = request.args.get("unread") == "1"
    stmt = select(Notice).where(addressed_to(current_user))
    if only_unread:
        stmt = stmt.where(Notice.read_at.is_(None))
    page, per_page = parse_page_args(request.args)
    return render_template(
        "notices/index.html",
        page=paginate(stmt.order_by(Notice.id.desc()), page, per_page),
        only_unread=only_unread,
        kinds=NOTICE_KINDS,
        confirm_form=ConfirmForm(),
    )


@bp.route("/<int:notice_id>/open", methods=["POST"])
@login_required
def open_notice(notice_id: int):
    if current_user.org is None or not ConfirmForm().validate_on_submit():
        abort(403 if current_user.org is None else 400)
    # An unknown notice is a 404 (NotFound reaches the error page), not a flashed message.
    with unit_of_work():
        notice = services.mark_read(current_user, notice_id)
    return redirect(notice.url if is_safe_next(notice.url) else url_for("notices.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    if current_user.org is None:
        abort(403)
    if ConfirmForm().validate_on_submit():
        with unit_of_work():
            count = services.mark_all_read(current_user)
        flash(gettext("已将 %(n)s 条通知标为已读", n=count), "success")
    return redirect(url_for("notices.index"))

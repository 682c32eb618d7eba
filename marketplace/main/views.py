"""The home page, the signed-in user's workbench and static information pages."""

import contextlib

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from marketplace.accounts.models import User
from marketplace.common import i18n
from marketplace.common.roles import is_bureau
from marketplace.common.security import is_safe_next
from marketplace.common.uow import unit_of_work
from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from marketplace.search import gateway as search_gateway

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    org_count = db.session.scalar(
        select(func.count(Organisation.id)).where(Organisation.verification_status == "verified")
    )
    return render_template("main/index.html", org_count=org_count or 0)


@bp.route("/dashboard")
@login_required
def dashboard():
    org = current_user.org
    pending_members = []
    if org is not None and current_user.is_org_manager:
        pending_members = db.session.scalars(
            select(User).where(User.organisation_id == org.id, User.membership == "pending")
        ).all()
    unverified = 0
    if is_bureau(current_user):
        unverified = db.session.scalar(
            select(func.count(Organisation.id)).where(Organisation.verification_status == "unverified")
        )
    return render_template(
        "main/dashboard.html", org=org, pending_members=pending_members, unverified=unverified
    )


@bp.route("/about")
def about():
    return render_template("main/about.html")


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language: remembered in a cookie, and on the account when signed in."""
    code = request.form.get("language", "")
    if not i18n.is_supported(code):
        code = i18n.DEFAULT_LOCALE
    if current_user.is_authenticated and current_user.language != code:
        with unit_of_work():
            current_user.language = code
    target = request.form.get("next")
    response = redirect(target if is_safe_next(target) else url_for("main.index"))
    response.set_cookie(
        i18n.LANGUAGE_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure,
    )
    return response


@bp.route("/favicon.ico")
def favicon():
    # Pages link the SVG icon; this answers clients that ask for the conventional path anyway.
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/healthz")
def healthz():
    """For the load balancer: the database answers and this host's index is not too far behind.

    Figures only, no names: the lag in log entries and seconds, and the worker's last round.
    """
    try:
        db.session.execute(select(1))
        lag = search_gateway.index_lag()
    except SQLAlchemyError:
        with contextlib.suppress(Exception):
            db.session.rollback()
        return {"status": "error", "database": False}, 503
    lagging = lag["seconds"] > current_app.config.get("SEARCH_MAX_LAG_SECONDS", 300)
    return {"status": "lagging" if lagging else "ok", "database": True, "index": lag}, 503 if lagging else 200

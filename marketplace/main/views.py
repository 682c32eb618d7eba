"""The home page, the signed-in user's workbench and static information pages."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.common.roles import is_bureau
from marketplace.extensions import db
from marketplace.organisations.models import Organisation

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


@bp.route("/favicon.ico")
def favicon():
    # Pages link the SVG icon; this answers clients that ask for the conventional path anyway.
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}

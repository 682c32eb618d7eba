"""Organisation pages: public profile, the members' own page, and the bureau's verification."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from marketplace.accounts import services as account_services
from marketplace.accounts.forms import ConfirmForm
from marketplace.accounts.models import User
from marketplace.common.domain import ORG_TYPES
from marketplace.common.errors import Conflict, DomainError
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.common.permissions import can, role_required
from marketplace.common.roles import Role
from marketplace.common.uow import attempt, unit_of_work
from marketplace.common.uploads import send_upload
from marketplace.extensions import db
from marketplace.organisations import services
from marketplace.organisations.forms import EvidenceForm, OrgProfileForm, RecognitionForm, RejectForm
from marketplace.organisations.models import VERIFICATION_STATES, Organisation

bp = Blueprint("organisations", __name__)


def _get_org(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    return org


@bp.route("/orgs/<int:org_id>")
def show(org_id: int):
    org = _get_org(org_id)
    return render_template("organisations/show.html", org=org)


@bp.route("/my/org", methods=["GET", "POST"])
@login_required
def mine():
    org = current_user.organisation
    if org is None:
        abort(404)
    if current_user.org is None:
        # Pending or removed members see only the state of their application.
        return render_template("organisations/pending.html", org=org)
    form = OrgProfileForm(obj=org)
    if current_user.is_org_manager and form.validate_on_submit():
        # A refusal (PermissionDenied) reaches the error page, as before: no message to flash.
        with unit_of_work():
            services.update_profile(
                current_user,
                org,
                contact_name=form.contact_name.data.strip(),
                contact_phone=form.contact_phone.data.strip(),
                contact_email=(form.contact_email.data or "").strip(),
                address=(form.address.data or "").strip(),
                zone=form.zone.data or None,
                description=(form.description.data or "").strip(),
            )
        flash(gettext("单位信息已保存"), "success")
        return redirect(url_for("organisations.mine"))
    members = db.session.scalars(
        select(User).where(User.organisation_id == org.id).order_by(User.membership, User.id)
    ).all()
    return render_template(
        "organisations/mine.html",
        org=org,
        form=form,
        evidence_form=EvidenceForm(),
        confirm_form=ConfirmForm(),
        members=members,
    )


@bp.route("/my/org/evidence", methods=["POST"])
@login_required
def upload_evidence():
    org = current_user.org
    if org is None:
        abort(403)
    form = EvidenceForm()
    if form.validate_on_submit():
        attempt(
            lambda: services.attach_evidence(current_user, org, form.evidence.data),
            success=gettext("证明材料已上传，等待科技局审核"),
        )
    return redirect(url_for("organisations.mine"))


@bp.route("/my/org/members/<int:user_id>/<action>", methods=["POST"])
@login_required
def member_action(user_id: int, action: str):
    member = db.session.get(User, user_id)
    if member is None or action not in ("approve", "remove"):
        abort(404)
    if not can(current_user, "see_member", member):
        abort(404)  # another organisation's member: do not even confirm the account exists
    form = ConfirmForm()
    if form.validate_on_submit():
        if action == "approve":
            attempt(
                lambda: account_services.approve_member(current_user, member),
                success=gettext("已批准该成员加入"),
            )
        else:
            attempt(
                lambda: account_services.remove_member(current_user, member),
                success=gettext("已将该成员移出本单位"),
            )
    return redirect(
        request.referrer
        if request.referrer and "/admin/" in request.referrer
        else url_for("organisations.mine")
    )


@bp.route("/orgs/<int:org_id>/evidence")
@login_required
def evidence(org_id: int):
    org = _get_org(org_id)
    if not can(current_user, "view_evidence", org):
        abort(403)
    if not org.evidence_path:
        abort(404)
    return send_upload(org.evidence_path, mimetype=org.evidence_mimetype, download_name=org.evidence_filename)


@bp.route("/bureau/orgs")
@role_required(Role.BUREAU)
def bureau_list():
    status = request.args.get("status", "unverified")
    org_type = request.args.get("type", "")
    q = request.args.get("q", "").strip()
    stmt = select(Organisation)
    if status in VERIFICATION_STATES:
        stmt = stmt.where(Organisation.verification_status == status)
    if org_type in ORG_TYPES:
        stmt = stmt.where(Organisation.org_type == org_type)
    if q:
        like = f"%{q[:100]}%"
        stmt = stmt.where(or_(Organisation.name.ilike(like), Organisation.credit_code.ilike(like)))
    page, per_page = parse_page_args(request.args)
    result = paginate(stmt.order_by(Organisation.created_at.desc()), page, per_page)
    counts = dict(
        db.session.execute(
            select(Organisation.verification_status, func.count()).group_by(Organisation.verification_status)
        ).all()
    )
    return render_template(
        "organisations/bureau_list.html",
        page=result,
        status=status,
        org_type=org_type,
        q=q,
        counts=counts,
        states=VERIFICATION_STATES,
    )


@bp.route("/bureau/orgs/<int:org_id>", methods=["GET"])
@role_required(Role.BUREAU)
def bureau_review(org_id: int):
    return _review_page(_get_org(org_id), RejectForm())


def _review_page(org: Organisation, reject_form: RejectForm) -> str:
    """The bureau's review page; a rejection without a reason shows it again with the form's errors."""
    members = db.session.scalars(select(User).where(User.organisation_id == org.id)).all()
    return render_template(
        "organisations/bureau_review.html",
        org=org,
        members=members,
        confirm_form=ConfirmForm(),
        reject_form=reject_form,
        recognition_form=RecognitionForm(obj=org),
    )


@bp.route("/bureau/orgs/<int:org_id>/verify", methods=["POST"])
@role_required(Role.BUREAU)
def bureau_verify(org_id: int):
    org = _get_org(org_id)
    if ConfirmForm().validate_on_submit():
        # A refused decision is a warning here, not the `danger` that `attempt` would flash.
        try:
            with unit_of_work():
                services.verify_organisation(current_user, org)
        except DomainError as error:
            flash(error.message, "warning")
        else:
            flash(gettext("已认证：%(name)s", name=org.name), "success")
    return redirect(url_for("organisations.bureau_review", org_id=org.id))


@bp.route("/bureau/orgs/<int:org_id>/reject", methods=["POST"])
@role_required(Role.BUREAU)
def bureau_reject(org_id: int):
    org = _get_org(org_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.reject_organisation(current_user, org, form.reason.data)
        except Conflict as error:
            flash(error.message, "warning")
        else:
            flash(gettext("已退回认证：%(name)s", name=org.name), "success")
        return redirect(url_for("organisations.bureau_review", org_id=org.id))
    return _review_page(org, form), 422


@bp.route("/bureau/orgs/<int:org_id>/recognition", methods=["POST"])
@role_required(Role.BUREAU)
def bureau_recognition(org_id: int):
    org = _get_org(org_id)
    form = RecognitionForm()
    if form.validate_on_submit():
        with unit_of_work():
            services.set_recognition(
                current_user,
                org,
                transfer_institution=form.is_transfer_institution.data,
                registration_point=form.is_registration_point.data,
            )
        flash(gettext("认定信息已保存"), "success")
    return redirect(url_for("organisations.bureau_review", org_id=org.id))

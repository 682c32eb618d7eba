"""The broker directory's pages: the public list and profiles, a person's own profile, help
requests between enterprises and brokers, and the bureau's review of qualifications."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from marketplace.accounts.forms import ConfirmForm
from marketplace.brokers import queries, services
from marketplace.brokers import requests as help_requests
from marketplace.brokers.access import may_keep_profile, takes_mandates
from marketplace.brokers.forms import AnswerForm, AskForm, ProfileForm, RejectForm, RequestInquiryForm
from marketplace.brokers.models import LEVELS, PROFILE_STATUSES, BrokerProfile, BrokerRequest
from marketplace.common.domain import DISTRICTS, TECHNOLOGY_FIELDS
from marketplace.common.errors import DomainError
from marketplace.common.pagination import filtered_by_status, paginate, parse_page_args
from marketplace.common.permissions import can, role_required
from marketplace.common.roles import Role
from marketplace.common.uow import attempt
from marketplace.common.uploads import send_upload
from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent, ResearchResult

bp = Blueprint("brokers", __name__)


@bp.app_template_global()
def broker_dashboard_figures() -> dict:
    """The bureau dashboard's broker block (templates/brokers/_dashboard.html)."""
    return queries.cached_dashboard_figures()


def _apply_field_errors(form, error: DomainError) -> None:
    for name, message in error.fields.items():
        if name in form:
            form[name].errors = list(form[name].errors) + [message]


def _profile(profile_id: int, action: str = "view") -> BrokerProfile:
    profile = db.session.get(BrokerProfile, profile_id)
    if profile is None or not can(current_user, "view", profile):
        abort(404)
    if action != "view" and not can(current_user, action, profile):
        abort(403)
    return profile


def _request(request_id: int, action: str = "view") -> BrokerRequest:
    found = db.session.get(BrokerRequest, request_id)
    if found is None:
        abort(404)
    if not can(current_user, "view", found):
        abort(403 if current_user.is_authenticated else 401)
    if action != "view" and not can(current_user, action, found):
        abort(403)
    return found


# ----------------------------------------------------------------- public directory


@bp.route("/brokers/")
def directory():
    filters = queries.DirectoryFilters.from_args(request.args)
    page, per_page = parse_page_args(request.args, default_per_page=12)
    result = paginate(queries.directory_select(filters), page, per_page)
    return render_template(
        "brokers/directory.html",
        page=result,
        filters=filters,
        fields=TECHNOLOGY_FIELDS,
        levels=LEVELS,
        districts=DISTRICTS,
        own=services.profile_of(current_user),
    )


def _own_demand_choices() -> list[tuple[int, str]]:
    org = current_user.org
    demands = db.session.scalars(
        select(Demand)
        .where(Demand.organisation_id == org.id, Demand.status == "published")
        .order_by(Demand.id.desc())
        .limit(200)
    ).all()
    return [(0, gettext("请选择"))] + [(d.id, d.title) for d in demands if d.effective_status == "published"]


def _show_page(profile: BrokerProfile, ask_form: AskForm | None = None, status: int = 200):
    may_ask = can(current_user, "ask", profile)
    if may_ask and ask_form is None:
        ask_form = AskForm()
    if ask_form is not None:
        ask_form.demand_id.choices = _own_demand_choices()
    return (
        render_template(
            "brokers/show.html",
            profile=profile,
            listed=queries.is_listed(profile),
            takes_mandates=takes_mandates(profile),
            performance=queries.performance(profile.user_id),
            trainings=queries.training_records(profile.user_id),
            may_ask=may_ask,
            ask_form=ask_form,
        ),
        status,
    )


@bp.route("/brokers/<int:profile_id>")
def show(profile_id: int):
    return _show_page(_profile(profile_id))


@bp.route("/brokers/<int:profile_id>/ask", methods=["POST"])
@role_required(Role.ENTERPRISE)
def ask(profile_id: int):
    profile = _profile(profile_id, "ask")
    form = AskForm()
    form.demand_id.choices = _own_demand_choices()
    if form.validate_on_submit():
        outcome = attempt(
            lambda: help_requests.ask_for_help(
                current_user, profile, demand_id=form.demand_id.data, message=form.message.data
            ),
            success=gettext("已向%(name)s发出协助请求，对方答复后会通知您", name=profile.name),
        )
        if outcome:
            return redirect(url_for("brokers.request_page", request_id=outcome.value.id))
        _apply_field_errors(form, outcome.error)
        return _show_page(profile, form, outcome.error.status)
    return _show_page(profile, form, 422)


@bp.route("/brokers/<int:profile_id>/evidence")
@login_required
def evidence(profile_id: int):
    profile = db.session.get(BrokerProfile, profile_id)
    if profile is None:
        abort(404)
    if not can(current_user, "view_evidence", profile):
        abort(403)
    if not profile.evidence_path:
        abort(404)
    return send_upload(
        profile.evidence_path, mimetype=profile.evidence_mimetype, download_name=profile.evidence_filename
    )


# ----------------------------------------------------------------- my profile


@bp.route("/my/broker-profile", methods=["GET", "POST"])
@role_required(Role.UNIVERSITY, Role.INSTITUTE, Role.ENTERPRISE, Role.BROKER)
def edit_profile():
    if current_user.org is None:
        abort(403)
    profile = services.profile_of(current_user)
    form = ProfileForm(obj=profile) if profile else ProfileForm(name=current_user.name)
    if request.method == "GET" and profile is not None:
        form.fields.data = profile.fields
        form.regions.data = profile.regions
    status = 200
    if form.validate_on_submit():
        data = services.ProfileData(
            name=form.name.data,
            level=form.level.data,
            certificate_number=form.certificate_number.data,
            certificate_issuer=form.certificate_issuer.data,
            certificate_date=form.certificate_date.data,
            fields=form.fields.data or [],
            regions=form.regions.data or [],
            introduction=form.introduction.data or "",
        )
        was = profile.status if profile else None
        outcome = attempt(lambda: services.save_profile(current_user, data, form.evidence.data))
        if outcome:
            saved = outcome.value
            if saved.status == "pending" and was == "verified":
                flash(gettext("资质信息已修改，已重新提交科技局审核；审核通过前不在名录中显示"), "warning")
            elif saved.status == "pending":
                flash(gettext("经纪人信息已提交，等待科技局审核资质"), "success")
            else:
                flash(gettext("经纪人信息已保存"), "success")
            return redirect(url_for("brokers.edit_profile"))
        _apply_field_errors(form, outcome.error)
        status = outcome.error.status
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "brokers/edit.html",
            form=form,
            profile=profile,
            may_keep=may_keep_profile(current_user),
        ),
        status,
    )


# ----------------------------------------------------------------- help requests


@bp.route("/my/broker-requests")
@login_required
def my_requests():
    if current_user.org is None:
        abort(403)
    own = services.profile_of(current_user)
    clauses = [BrokerRequest.requester_org_id == current_user.org.id]
    if own is not None:
        clauses.append(BrokerRequest.profile_id == own.id)
    stmt = select(BrokerRequest).where(or_(*clauses)).order_by(BrokerRequest.created_at.desc())
    page, per_page = parse_page_args(request.args)
    return render_template("brokers/requests.html", page=paginate(stmt, page, per_page), own=own)


@bp.route("/brokers/requests/<int:request_id>")
@login_required
def request_page(request_id: int):
    found = _request(request_id)
    return render_template(
        "brokers/request.html",
        req=found,
        answer_form=AnswerForm(),
        is_broker=can(current_user, "answer", found),
        is_requester=can(current_user, "withdraw", found),
    )


@bp.route("/brokers/requests/<int:request_id>/accept", methods=["POST"])
@login_required
def accept(request_id: int):
    found = _request(request_id, "answer")
    form = AnswerForm()
    if form.validate_on_submit():
        attempt(
            lambda: help_requests.accept_request(current_user, found, form.text.data or ""),
            success=gettext("已接受委托，可以就此需求代表企业发送对接意向"),
        )
    return redirect(url_for("brokers.request_page", request_id=found.id))


@bp.route("/brokers/requests/<int:request_id>/decline", methods=["POST"])
@login_required
def decline(request_id: int):
    found = _request(request_id, "answer")
    form = AnswerForm()
    if form.validate_on_submit():
        attempt(
            lambda: help_requests.decline_request(current_user, found, form.text.data or ""),
            success=gettext("已婉拒该请求"),
        )
    return redirect(url_for("brokers.request_page", request_id=found.id))


@bp.route("/brokers/requests/<int:request_id>/withdraw", methods=["POST"])
@login_required
def withdraw(request_id: int):
    found = _request(request_id, "withdraw")
    if AnswerForm().validate_on_submit():
        attempt(
            lambda: help_requests.withdraw_request(current_user, found), success=gettext("已撤回或结束该委托")
        )
    return redirect(url_for("brokers.request_page", request_id=found.id))


def _listing_choices(demand: Demand) -> list[tuple[str, str]]:
    """Published results in the demand's field first, then other published results and patents."""
    results = db.session.scalars(
        select(ResearchResult)
        .where(ResearchResult.status == "published", ResearchResult.organisation_id != demand.organisation_id)
        .order_by(
            (ResearchResult.technology_field == demand.technology_field).desc(), ResearchResult.id.desc()
        )
        .limit(150)
    ).all()
    patents = db.session.scalars(
        select(Patent)
        .where(Patent.status == "published", Patent.organisation_id != demand.organisation_id)
        .order_by(Patent.id.desc())
        .limit(100)
    ).all()
    choices = [("", gettext("请选择"))]
    choices += [(f"result:{r.id}", gettext("成果｜%(title)s", title=r.title)) for r in results]
    choices += [(f"patent:{p.id}", gettext("专利｜%(title)s", title=p.title)) for p in patents]
    return choices


@bp.route("/brokers/requests/<int:request_id>/inquire", methods=["GET", "POST"])
@login_required
def inquire(request_id: int):
    found = _request(request_id, "inquire")
    form = RequestInquiryForm()
    form.listing.choices = _listing_choices(found.demand)
    status = 200
    if form.validate_on_submit():
        kind, _, raw_id = (form.listing.data or "").partition(":")
        outcome = attempt(
            lambda: help_requests.send_inquiry_for_request(
                current_user,
                found,
                listing_kind=kind,
                listing_id=int(raw_id) if raw_id.isdigit() else None,
                purpose=form.purpose.data,
                message=form.message.data,
                wants_private_details=form.wants_private_details.data,
            ),
            success=gettext("对接意向已代表企业发送，对方答复后会通知双方"),
        )
        if outcome:
            return redirect(url_for("deals.inquiry", inquiry_id=outcome.value.id))
        _apply_field_errors(form, outcome.error)
        if "listing_kind" in outcome.error.fields:
            form.listing.errors = list(form.listing.errors) + [outcome.error.fields["listing_kind"]]
        status = outcome.error.status
    elif request.method == "POST":
        status = 422
    return render_template("brokers/inquire.html", req=found, form=form), status


# ----------------------------------------------------------------- the bureau's review


@bp.route("/bureau/brokers")
@role_required(Role.BUREAU)
def bureau_list():
    status = request.args.get("status", "pending")
    stmt = filtered_by_status(select(BrokerProfile), BrokerProfile.status, status, PROFILE_STATUSES)
    page, per_page = parse_page_args(request.args)
    return render_template(
        "brokers/bureau_list.html",
        page=paginate(stmt.order_by(BrokerProfile.submitted_at), page, per_page),
        status=status,
        statuses=PROFILE_STATUSES,
    )


def _review_page(profile: BrokerProfile, reject_form: RejectForm, status: int = 200):
    return render_template("brokers/bureau_review.html", profile=profile, reject_form=reject_form), status


@bp.route("/bureau/brokers/<int:profile_id>")
@role_required(Role.BUREAU)
def bureau_review(profile_id: int):
    return _review_page(_profile(profile_id, "review"), RejectForm())


@bp.route("/bureau/brokers/<int:profile_id>/verify", methods=["POST"])
@role_required(Role.BUREAU)
def bureau_verify(profile_id: int):
    profile = _profile(profile_id, "review")
    if ConfirmForm().validate_on_submit():
        attempt(
            lambda: services.verify_profile(current_user, profile),
            success=gettext("已认证：%(name)s", name=profile.name),
        )
    return redirect(url_for("brokers.bureau_review", profile_id=profile.id))


@bp.route("/bureau/brokers/<int:profile_id>/reject", methods=["POST"])
@role_required(Role.BUREAU)
def bureau_reject(profile_id: int):
    profile = _profile(profile_id, "review")
    form = RejectForm()
    if form.validate_on_submit():
        outcome = attempt(
            lambda: services.reject_profile(current_user, profile, form.reason.data),
            success=gettext("已退回：%(name)s", name=profile.name),
        )
        if outcome:
            return redirect(url_for("brokers.bureau_review", profile_id=profile.id))
        _apply_field_errors(form, outcome.error)
    return _review_page(profile, form, 422)

"""Contract pages: filing, the contract page with its timeline, the certificate, and the bureau's queue."""

import io
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.common.domain import CAN_FILE_CONTRACTS
from marketplace.common.errors import HTTP_MESSAGES, Conflict, NotFound, RateLimited, ValidationError
from marketplace.common.i18n import tr
from marketplace.common.money import AmountError, format_in_unit, parse_amount
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.common.permissions import can, role_required
from marketplace.common.roles import Role, is_bureau
from marketplace.common.timeutil import beijing_today
from marketplace.common.uow import attempt, unit_of_work
from marketplace.common.validators import parse_id
from marketplace.contracts import services, verify
from marketplace.contracts.forms import (
    AttachmentForm,
    CalendarForm,
    CancelForm,
    ConfirmForm,
    ContractForm,
    PointForm,
    QueueFilterForm,
    ReviewerForm,
)
from marketplace.contracts.models import (
    CONTRACT_TYPES,
    REFUSAL_REASONS,
    STATUSES,
    CalendarDay,
    ContractAttachment,
    RegistrationPoint,
    RegistrationReviewer,
    TechContract,
)
from marketplace.extensions import db
from marketplace.organisations.models import Organisation

bp = Blueprint("contracts", __name__)
FILERS = tuple(sorted(CAN_FILE_CONTRACTS))
# Errors a person can fix by reading the message; permission errors still answer 403.
FIXABLE = (ValidationError, Conflict, NotFound)


@bp.app_context_processor
def inject_dashboard():
    return {
        "contract_bureau_counts": services.bureau_counts,
        "contract_filer_counts": lambda: services.filer_counts(current_user),
    }


def _get_visible(contract_id: int) -> TechContract:
    contract = db.session.get(TechContract, contract_id)
    if contract is None:
        abort(404)
    if not can(current_user, "view", contract):
        abort(403)
    return contract


def _party_choices() -> list[tuple[str, str]]:
    orgs = db.session.scalars(
        select(Organisation)
        .where(Organisation.org_type != Role.BUREAU)
        .where(
            (Organisation.verification_status == "verified")
            | (Organisation.id == (current_user.org.id if current_user.org else -1))
        )
        .order_by(Organisation.name)
    ).all()
    return [("", gettext("请选择"))] + [
        (str(o.id), gettext("%(name)s（%(district)s）", name=o.name, district=tr(o.district_label)))
        for o in orgs
    ]


def _prepare(form: ContractForm, contract: TechContract | None = None) -> None:
    choices = _party_choices()
    form.seller.form.org_id.choices = choices
    form.buyer.form.org_id.choices = choices
    deals = services.citable_deals(current_user, contract.id if contract is not None else None)
    form.deal_id.choices = [("", gettext("不关联对接"))] + [
        (
            str(d.id),
            gettext(
                "对接 #%(id)s：%(seller)s ↔ %(buyer)s（%(stage)s）",
                id=d.id,
                seller=d.seller_org.name,
                buyer=d.buyer_org.name,
                stage=tr(d.stage_label),
            ),
        )
        for d in deals
    ]


def _prefill_from_deal(form: ContractForm, deal_id: str) -> None:
    """Start a contract from a deal: its parties, project, field and any known price."""
    deal = services.citable_deal(current_user, deal_id)
    if deal is None:
        return
    form.deal_id.data = str(deal.id)
    for side, org_id in (("seller", deal.seller_org_id), ("buyer", deal.buyer_org_id)):
        party = getattr(form, side).form
        party.kind.data = "platform"
        party.org_id.data = str(org_id)
    listing = deal.listing
    if listing is not None:
        form.project_name.data = listing.title
    elif deal.demand is not None:
        form.project_name.data = deal.demand.title
    if deal.technology_field:
        form.technology_field.data = deal.technology_field
    known = getattr(listing, "price_fen", None) or (
        deal.demand.budget_fen if deal.demand is not None else None
    )
    if known:
        unit = "wan" if known % 10_000 == 0 else "yuan"
        form.unit.data = unit
        form.contract_amount.data = format_in_unit(known, unit)


def _save(form: ContractForm, contract: TechContract | None):
    """Validate and save; return the contract, or None with errors (or amounts to confirm) on the form."""
    valid = form.validate_on_submit()
    payload = form.payload()
    if not valid or form.parse_failed:
        # Run the service's checks as well, so that one round shows every problem.
        try:
            services.clean_payload(payload)
        except ValidationError as error:
            form.apply_errors(error.fields)
        return None, []
    warnings = services.amount_warnings(payload, contract.pending_revision if contract is not None else None)
    if warnings and not form.confirm_amounts.data:
        form.amount_warnings = warnings
        return None, []
    try:
        with unit_of_work():
            if contract is None:
                contract = services.create_contract(current_user, payload)
            else:
                services.update_contract(current_user, contract, payload)
    except ValidationError as error:
        leftovers = form.apply_errors(error.fields)
        return None, [error.message, *leftovers]
    return contract, []


@bp.route("/contracts")
@role_required(*FILERS)
def mine():
    status = request.args.get("status", "")
    stmt = services.visible_contracts_stmt(current_user)
    stmt = services.with_workflow_status(stmt, status)
    page, per_page = parse_page_args(request.args)
    return render_template(
        "contracts/mine.html", page=paginate(stmt, page, per_page), status=status, statuses=STATUSES
    )


@bp.route("/contracts/new", methods=["GET", "POST"])
@role_required(*FILERS)
def new():
    form = ContractForm()
    _prepare(form)
    if request.method == "GET" and request.args.get("deal"):
        _prefill_from_deal(form, request.args["deal"])
    contract, problems = _save(form, None) if request.method == "POST" else (None, [])
    if contract is not None:
        flash(gettext("合同草稿已保存。请上传签字盖章的合同文本，然后提交登记。"), "success")
        return redirect(url_for("contracts.show", contract_id=contract.id))
    status = 422 if request.method == "POST" else 200
    return render_template("contracts/form.html", form=form, contract=None, problems=problems), status


@bp.route("/contracts/<int:contract_id>")
@login_required
def show(contract_id: int):
    return _show_page(_get_visible(contract_id))


def _show_page(contract: TechContract):
    return render_template(
        "contracts/show.html",
        contract=contract,
        revision=contract.current,
        timeline=services.timeline(contract),
        timeline_note=services.timeline_note,
        can_edit=can(current_user, "edit", contract),
        is_bureau=is_bureau(current_user),
        overdue=services.is_overdue(contract.pending_revision),
        attachment_form=AttachmentForm(),
        confirm_form=ConfirmForm(),
        cancel_form=CancelForm(),
        reasons=REFUSAL_REASONS,
        point=services.reviewer_point(current_user) if is_bureau(current_user) else None,
    )


@bp.route("/contracts/<int:contract_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contract_id: int):
    contract = _get_visible(contract_id)
    if not can(current_user, "edit", contract):
        abort(403)
    revision = contract.pending_revision
    if revision is None or revision.status not in ("draft", "needs_correction"):
        flash(gettext("只有草稿或待补正的合同可以修改"), "warning")
        return redirect(url_for("contracts.show", contract_id=contract.id))
    form = ContractForm()
    _prepare(form, contract)
    problems: list[str] = []
    if request.method == "POST":
        saved, problems = _save(form, contract)
        if saved is not None:
            flash(gettext("合同信息已保存"), "success")
            return redirect(url_for("contracts.show", contract_id=contract.id))
    else:
        form.fill(revision)
    status = 422 if request.method == "POST" else 200
    return render_template("contracts/form.html", form=form, contract=contract, problems=problems), status


@bp.route("/contracts/<int:contract_id>/attachments", methods=["POST"])
@login_required
def upload(contract_id: int):
    contract = _get_visible(contract_id)
    if not can(current_user, "edit", contract):
        abort(403)
    form = AttachmentForm()
    if form.validate_on_submit():
        saved = attempt(lambda: services.add_attachment(current_user, contract, form.file.data))
        if saved:
            flash(gettext("已上传：%(name)s", name=saved.value.filename), "success")
    return redirect(url_for("contracts.show", contract_id=contract.id))


@bp.route("/contracts/<int:contract_id>/attachments/<int:attachment_id>")
@login_required
def attachment(contract_id: int, attachment_id: int):
    contract = _get_visible(contract_id)
    try:
        item, content = services.attachment_content(current_user, contract, attachment_id)
    except NotFound:
        abort(404)
    return send_file(io.BytesIO(content), mimetype=item.mimetype, download_name=item.filename)


@bp.route("/contracts/<int:contract_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@login_required
def remove_attachment(contract_id: int, attachment_id: int):
    contract = _get_visible(contract_id)
    if not can(current_user, "edit", contract):
        abort(403)
    item = db.session.get(ContractAttachment, attachment_id)
    if item is None or item.contract_id != contract.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = item.filename
    return _act(
        contract,
        lambda: services.remove_attachment(current_user, contract, item),
        gettext("已删除附件：%(name)s", name=name),
    )


def _explain(error) -> str:
    details = gettext("；").join(dict.fromkeys(error.fields.values())) if error.fields else ""
    return (
        gettext("%(message)s：%(details)s", message=error.message, details=details)
        if details
        else error.message
    )


def _act(contract: TechContract, action, success: str):
    """Run a transition; permission errors still answer 403, the others are explained on the page."""
    try:
        with unit_of_work():
            action()
    except Conflict as error:
        # Someone else decided first (or the state moved on): say so on the page as it is now.
        flash(
            gettext("操作未执行：%(reason)s。页面已显示该合同的最新状态。", reason=_explain(error)), "danger"
        )
        return _show_page(contract), 409
    except FIXABLE as error:
        flash(_explain(error), "danger")
    else:
        flash(success, "success")
    return redirect(url_for("contracts.show", contract_id=contract.id))


def _filer_act(contract_id: int, action, success: str):
    """A transition a filer starts from the contract page: editors only, with the confirm token."""
    contract = _get_visible(contract_id)
    if not can(current_user, "edit", contract):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _act(contract, lambda: action(current_user, contract), success)


@bp.route("/contracts/<int:contract_id>/submit", methods=["POST"])
@login_required
def submit(contract_id: int):
    return _filer_act(contract_id, services.submit_contract, gettext("已提交登记，请等待科技局审核"))


@bp.route("/contracts/<int:contract_id>/amend", methods=["POST"])
@login_required
def amend(contract_id: int):
    return _filer_act(contract_id, services.open_amendment, gettext("已发起变更，请修改后重新提交审核"))


@bp.route("/contracts/<int:contract_id>/review", methods=["POST"])
@role_required(Role.BUREAU)
def review(contract_id: int):
    contract = _get_visible(contract_id)
    action = request.form.get("action", "")
    reasons = request.form.getlist("reasons")
    comment = request.form.get("comment", "")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    messages = {
        "start": gettext("已开始审核"),
        "approve": gettext("已准予登记"),
        "request_changes": gettext("已退回补正"),
        "refuse": gettext("已作出不予登记决定"),
    }
    return _act(
        contract,
        lambda: services.review_contract(current_user, contract, action, reasons, comment),
        messages.get(action, gettext("已处理")),
    )


@bp.route("/contracts/<int:contract_id>/cancel", methods=["POST"])
@role_required(Role.BUREAU)
def cancel(contract_id: int):
    contract = _get_visible(contract_id)
    form = CancelForm()
    if not form.validate_on_submit():
        flash(gettext("请写明注销的理由"), "danger")
        return redirect(url_for("contracts.show", contract_id=contract.id))
    return _act(
        contract,
        lambda: services.cancel_contract(current_user, contract, form.reason.data),
        gettext("已注销该合同的登记"),
    )


@bp.route("/contracts/<int:contract_id>/certificate")
@login_required
def certificate(contract_id: int):
    contract = _get_visible(contract_id)
    if contract.status != "registered":
        abort(404)
    qr = ""
    if contract.verification_code:
        qr = verify.qr_svg_uri(verify.verify_url(contract.registration_number, contract.verification_code))
    return render_template(
        "contracts/certificate.html", contract=contract, revision=contract.registered_revision, qr=qr
    )


@bp.route("/verify")
def verify_certificate():
    """Public: confirm a certificate from its registration number and verification code."""
    try:
        with unit_of_work():  # the check is counted whatever it finds; one over the limit is not
            if not verify.allow_check(request.remote_addr):
                raise RateLimited(HTTP_MESSAGES[429])
    except RateLimited:
        return render_template("contracts/verify.html", contract=None, limited=True), 429
    number = request.args.get("number", "")
    code = request.args.get("code", "")
    contract = services.find_for_verification(number, code)
    if contract is None:
        return render_template("contracts/verify.html", contract=None, limited=False), 404
    return render_template(
        "contracts/verify.html",
        contract=contract,
        revision=contract.registered_revision,
        limited=False,
    )


# --- The bureau ------------------------------------------------------------------------------


@bp.route("/bureau/contracts")
@role_required(Role.BUREAU)
def queue():
    form = QueueFilterForm(request.args)
    status = form.status.data if form.status.data in dict(form.status.choices) else "open"
    problems = []
    bounds: dict[str, int | None] = {"min_wan": None, "max_wan": None}
    for name in bounds:
        text = (getattr(form, name).data or "").strip()
        if text:
            try:
                bounds[name] = parse_amount(text, "wan")
            except AmountError as exc:
                problems.append(
                    gettext("%(field)s：%(problem)s", field=getattr(form, name).label.text, problem=exc)
                )
    stmt = services.queue_stmt(
        status="" if status == "all" else status,
        contract_type=form.type.data or "",
        overdue=bool(form.overdue.data),
        min_fen=bounds["min_wan"],
        max_fen=bounds["max_wan"],
    )
    page, per_page = parse_page_args(request.args)
    return render_template(
        "contracts/queue.html",
        form=form,
        page=paginate(stmt, page, per_page),
        problems=problems,
        counts=services.bureau_counts(),
        today=beijing_today(),
        point=services.reviewer_point(current_user),
        types=CONTRACT_TYPES,
    )


def _point_form(point: RegistrationPoint | None = None) -> PointForm:
    form = PointForm(obj=point) if point is not None and request.method == "GET" else PointForm()
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    form.organisation_id.choices = [("", gettext("无"))] + [(str(o.id), o.name) for o in orgs]
    if point is not None and request.method == "GET":
        form.organisation_id.data = str(point.organisation_id or "")
    return form


def _point_data(form: PointForm) -> dict:
    org = form.organisation_id.data or ""
    return {
        "name": form.name.data,
        "region_code": form.region_code.data,
        "point_code": (form.point_code.data or "").strip(),
        "organisation_id": parse_id(org),
        "active": form.active.data,
    }


def _show_field_errors(form: PointForm, error) -> None:
    """Put a rejected save's field messages under the fields the form has."""
    for key, message in error.fields.items():
        if key in form:
            form[key].errors = [*form[key].errors, message]


def _points_page(form: PointForm, status: int = 200, editing: RegistrationPoint | None = None):
    points = db.session.scalars(
        select(RegistrationPoint).order_by(RegistrationPoint.region_code, RegistrationPoint.point_code)
    ).all()
    bureau_users = db.session.scalars(
        select(User)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(Organisation.org_type == Role.BUREAU, User.membership == "active", User.is_disabled.is_(False))
        .order_by(User.name)
    ).all()
    assignments = {a.user_id: a for a in db.session.scalars(select(RegistrationReviewer)).all()}
    reviewer_form = ReviewerForm()
    reviewer_form.user_id.choices = [(str(u.id), f"{u.name}（{u.email}）") for u in bureau_users]
    reviewer_form.point_id.choices = [("", gettext("取消分配"))] + [(str(p.id), p.label) for p in points]
    return render_template(
        "contracts/points.html",
        form=form,
        points=points,
        editing=editing,
        bureau_users=bureau_users,
        assignments=assignments,
        reviewer_form=reviewer_form,
    ), status


@bp.route("/bureau/registration-points", methods=["GET", "POST"])
@role_required(Role.BUREAU)
def points():
    form = _point_form()
    if form.validate_on_submit():
        saved = attempt(lambda: services.save_point(current_user, _point_data(form)))
        if not saved:
            _show_field_errors(form, saved.error)
            return _points_page(form, 422)
        flash(gettext("已添加登记点：%(point)s", point=saved.value.label), "success")
        return redirect(url_for("contracts.points"))
    return _points_page(form, 422 if request.method == "POST" else 200)


@bp.route("/bureau/registration-points/<int:point_id>", methods=["GET", "POST"])
@role_required(Role.BUREAU)
def edit_point(point_id: int):
    point = db.session.get(RegistrationPoint, point_id)
    if point is None:
        abort(404)
    form = _point_form(point)
    if request.method == "POST" and form.validate_on_submit():
        saved = attempt(lambda: services.save_point(current_user, _point_data(form), point))
        if not saved:
            _show_field_errors(form, saved.error)
            return _points_page(form, 422, editing=point)
        flash(gettext("已保存登记点：%(point)s", point=point.label), "success")
        return redirect(url_for("contracts.points"))
    return _points_page(form, 422 if request.method == "POST" else 200, editing=point)


@bp.route("/bureau/registration-reviewers", methods=["POST"])
@role_required(Role.BUREAU)
def assign_reviewer():
    form = ReviewerForm()
    if form.validate_on_submit():
        user_id = parse_id(form.user_id.data or "")
        point_id = parse_id(form.point_id.data or "")

        def assign():
            if user_id is None:
                raise ValidationError(gettext("请选择审核人员"))
            services.assign_reviewer(current_user, user_id, point_id)

        attempt(assign, success=gettext("审核人员的登记点已更新"))
    return redirect(url_for("contracts.points"))


@bp.route("/bureau/contract-calendar", methods=["GET", "POST"])
@role_required(Role.BUREAU)
def calendar():
    form = CalendarForm()
    if form.validate_on_submit() and attempt(
        lambda: services.add_calendar_day(current_user, form.day.data, form.kind.data, form.note.data),
        success=gettext("已设置 %(day)s", day=form.day.data.isoformat()),
    ):
        return redirect(url_for("contracts.calendar", year=form.day.data.year))
    try:
        year = int(request.args.get("year", beijing_today().year))
    except ValueError:
        year = beijing_today().year
    year = max(2000, min(year, 2100))
    days = db.session.scalars(
        select(CalendarDay)
        .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)
    ).all()
    status = 422 if request.method == "POST" else 200
    return render_template(
        "contracts/calendar.html", form=form, days=days, year=year, confirm_form=ConfirmForm()
    ), status


@bp.route("/bureau/contract-calendar/<day>/delete", methods=["POST"])
@role_required(Role.BUREAU)
def remove_calendar_day(day: str):
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if ConfirmForm().validate_on_submit():
        attempt(
            lambda: services.remove_calendar_day(current_user, parsed),
            success=gettext("已移除 %(day)s", day=parsed.isoformat()),
        )
    return redirect(url_for("contracts.calendar", year=parsed.year))

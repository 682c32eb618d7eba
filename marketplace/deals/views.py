"""Pages for inquiries, deals, the broker's introductions and the bureau's funnel and reports."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.accounts.forms import ConfirmForm
from marketplace.common.domain import TECHNOLOGY_FIELDS
from marketplace.common.errors import DomainError, ValidationError
from marketplace.common.i18n import tr
from marketplace.common.kinds import SEGMENTS
from marketplace.common.pagination import filtered_by_status, paginate, parse_page_args
from marketplace.common.permissions import can, role_required
from marketplace.common.roles import Role
from marketplace.common.timeutil import beijing_today
from marketplace.common.uow import attempt, unit_of_work
from marketplace.common.uploads import send_upload
from marketplace.deals import funnel as funnel_module
from marketplace.deals import services
from marketplace.deals.forms import (
    DeclineForm,
    InquiryForm,
    InviteBrokerForm,
    MessageForm,
    OfferForm,
    ReportForm,
    ResolveReportForm,
    StageForm,
    int_or_zero,
)
from marketplace.deals.models import (
    REPORT_STATUSES,
    STAGE_MOVES,
    STAGES,
    Deal,
    DealMessage,
    DealReport,
    Inquiry,
)
from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent, ResearchResult
from marketplace.organisations.models import Organisation

bp = Blueprint("deals", __name__)

SUPPLY = {"patent": Patent, "result": ResearchResult}


@bp.app_template_global()
def listing_url(listing) -> str | None:
    """Link to a listing's public page."""
    if listing is None:
        return None
    return url_for("listings.show", segment=SEGMENTS[listing.kind], listing_id=listing.id)


@bp.app_context_processor
def inject_helpers():
    def inquiry_state(listing):
        """What the listing actions partial should show this viewer."""
        if not current_user.is_authenticated:
            return {"mode": "anon"}
        org = current_user.org
        if org is None:
            return {"mode": "no_org"}
        if listing.organisation_id == org.id:
            return {"mode": "own"}
        existing = services.existing_inquiry(org.id, listing)
        if listing.kind == "demand":
            allowed = org.org_type in services.OFFERER_TYPES
        else:
            allowed = org.org_type in (*services.INQUIRER_TYPES, Role.BROKER)
        if not allowed:
            return {"mode": "not_allowed", "inquiry": existing}
        if not org.is_verified:
            return {"mode": "unverified", "inquiry": existing}
        return {"mode": "can_send", "inquiry": existing}

    def deals_pending_counts():
        org = current_user.org if current_user.is_authenticated else None
        return services.pending_counts(org.id) if org is not None else (0, 0)

    return {
        "deal_inquiry_state": inquiry_state,
        "deals_pending_counts": deals_pending_counts,
        "deals_open_reports": services.open_report_count,
        "inquiry_org_name": lambda inquiry, org: services.org_name_for(inquiry, org, current_user),
        "inquiry_is_overdue": services.is_overdue,
    }


def _org_or_403():
    if current_user.org is None:
        abort(403)
    return current_user.org


def _get_inquiry(inquiry_id: int) -> Inquiry:
    inquiry = db.session.get(Inquiry, inquiry_id)
    if inquiry is None:
        abort(404)
    if not can(current_user, "view", inquiry):
        abort(403)
    return inquiry


def _get_deal(deal_id: int) -> Deal:
    deal = db.session.get(Deal, deal_id)
    if deal is None:
        abort(404)
    if not can(current_user, "view", deal):
        abort(403)
    return deal


def _apply_field_errors(form, error: DomainError) -> None:
    for name, message in error.fields.items():
        if name in form:
            form[name].errors = list(form[name].errors) + [message]


# ----------------------------------------------------------------- my deals


@bp.route("/deals/")
@login_required
def index():
    org = _org_or_403()
    tab = request.args.get("tab", "received")
    if tab not in ("received", "sent", "deals"):
        tab = "received"
    page, per_page = parse_page_args(request.args)
    if tab == "deals":
        result = paginate(services.deals_stmt(org.id), page, per_page)
    else:
        result = paginate(services.inquiries_stmt(org.id, tab), page, per_page)
    pending, overdue = services.pending_counts(org.id)
    return render_template("deals/index.html", tab=tab, page=result, pending=pending, overdue=overdue)


@bp.route("/deals/brokered")
@role_required(Role.BROKER)
def brokered():
    org = current_user.org
    stage = request.args.get("stage", "")
    stmt = select(Deal).where(Deal.broker_org_id == org.id)
    if stage in STAGES:
        stmt = stmt.where(Deal.stage == stage)
    page, per_page = parse_page_args(request.args)
    result = paginate(stmt.order_by(Deal.last_activity_at.desc(), Deal.id.desc()), page, per_page)
    counts = dict.fromkeys(STAGES, 0)
    for deal_stage in db.session.scalars(select(Deal.stage).where(Deal.broker_org_id == org.id)):
        counts[deal_stage] = counts.get(deal_stage, 0) + 1
    pending_introductions = paginate(
        services.inquiries_stmt(org.id, "introduced").where(Inquiry.status == "pending"), 1, 10
    )
    return render_template(
        "deals/brokered.html",
        page=result,
        stage=stage,
        stages=STAGES,
        counts=counts,
        pending_introductions=pending_introductions,
    )


# ----------------------------------------------------------------- sending


def _own_demand_choices(org_id: int) -> list[tuple[int, str]]:
    demands = db.session.scalars(
        select(Demand)
        .where(Demand.organisation_id == org_id, Demand.status == "published")
        .order_by(Demand.id.desc())
        .limit(200)
    )
    return [(0, gettext("不关联需求"))] + [(d.id, d.title) for d in demands]


@bp.route("/deals/inquire/<kind>/<int:listing_id>", methods=["GET", "POST"])
@role_required(Role.ENTERPRISE, Role.BROKER)
def new_inquiry(kind: str, listing_id: int):
    if kind not in SUPPLY:
        abort(404)
    model = SUPPLY[kind]
    listing = db.session.get(model, listing_id)
    if listing is None or listing.effective_status != "published":
        abort(404)
    org = current_user.org
    form = InquiryForm()
    if request.method == "GET":
        form.event_id.data = str(int_or_zero(request.args.get("event")) or "")
    is_broker = org.org_type == Role.BROKER
    form.demand_id.choices = [(0, gettext("不关联需求"))] if is_broker else _own_demand_choices(org.id)
    status = 200
    if form.validate_on_submit():
        on_behalf = None
        if is_broker:
            name = (form.on_behalf_of.data or "").strip()
            on_behalf = (
                db.session.scalar(select(Organisation.id).where(Organisation.name == name)) if name else None
            )
            if on_behalf is None:
                form.on_behalf_of.errors = [gettext("请填写平台上已认证企业的完整名称")]
        if not is_broker or on_behalf is not None:
            outcome = attempt(
                lambda: services.send_inquiry(
                    current_user,
                    listing_kind=kind,
                    listing_id=listing.id,
                    purpose=form.purpose.data,
                    message=form.message.data,
                    wants_private_details=form.wants_private_details.data,
                    demand_id=form.demand_id.data or None,
                    on_behalf_of_org_id=on_behalf,
                    event_id=int_or_zero(form.event_id.data) or None,
                ),
                success=gettext("对接意向已发送，对方答复后会通知您"),
            )
            if outcome:
                return redirect(url_for("deals.inquiry", inquiry_id=outcome.value.id))
            _apply_field_errors(form, outcome.error)
            status = outcome.error.status
        else:
            status = 422
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "deals/new_inquiry.html",
            form=form,
            listing=listing,
            is_broker=is_broker,
            cap=services.daily_cap(),
        ),
        status,
    )


@bp.route("/deals/offer/<int:demand_id>", methods=["GET", "POST"])
@role_required(Role.UNIVERSITY, Role.INSTITUTE)
def new_offer(demand_id: int):
    demand = db.session.get(Demand, demand_id)
    if demand is None or demand.effective_status != "published":
        abort(404)
    org = current_user.org
    form = OfferForm()
    if request.method == "GET":
        form.event_id.data = str(int_or_zero(request.args.get("event")) or "")
    results = db.session.scalars(
        select(ResearchResult)
        .where(ResearchResult.organisation_id == org.id, ResearchResult.status == "published")
        .order_by(ResearchResult.id.desc())
        .limit(500)
    ).all()
    form.result_id.choices = [(0, gettext("请选择"))] + [(r.id, r.title) for r in results]
    status = 200
    if form.validate_on_submit():
        outcome = attempt(
            lambda: services.offer_result(
                current_user,
                demand_id=demand.id,
                result_id=form.result_id.data,
                purpose=form.purpose.data,
                message=form.message.data,
                wants_private_details=form.wants_private_details.data,
                event_id=int_or_zero(form.event_id.data) or None,
            ),
            success=gettext("成果已推荐给需求方，对方答复后会通知您"),
        )
        if outcome:
            return redirect(url_for("deals.inquiry", inquiry_id=outcome.value.id))
        _apply_field_errors(form, outcome.error)
        status = outcome.error.status
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "deals/new_offer.html", form=form, demand=demand, results=results, cap=services.daily_cap()
        ),
        status,
    )


# ----------------------------------------------------------------- one inquiry


@bp.route("/deals/inquiries/<int:inquiry_id>")
@login_required
def inquiry(inquiry_id: int):
    item = _get_inquiry(inquiry_id)
    return render_template(
        "deals/inquiry.html",
        inquiry=item,
        can_answer=can(current_user, "answer", item) and item.is_pending,
        can_withdraw=item.is_pending and can(current_user, "withdraw", item),
        contacts=services.contacts_for(item, current_user),
        private_details=services.private_details_for(item, current_user),
        overdue=services.is_overdue(item),
        decline_form=DeclineForm(),
        report_form=ReportForm(),
        confirm_form=ConfirmForm(),
    )


def _answer(inquiry_id: int, action, success: str, category: str = "success"):
    """Run an answer to an inquiry the viewer was asked, as one unit of work."""
    item = db.session.get(Inquiry, inquiry_id)
    if item is None:
        abort(404)
    if not can(current_user, "answer", item):
        abort(403)
    return attempt(lambda: action(item), success=success, category=category)


@bp.route("/deals/inquiries/<int:inquiry_id>/accept", methods=["POST"])
@login_required
def accept(inquiry_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    outcome = _answer(
        inquiry_id,
        lambda item: services.accept_inquiry(current_user, item),
        gettext("已接受对接意向，双方联系方式已互相公开"),
    )
    if outcome:
        return redirect(url_for("deals.deal", deal_id=outcome.value.id))
    return redirect(url_for("deals.inquiry", inquiry_id=inquiry_id))


@bp.route("/deals/inquiries/<int:inquiry_id>/decline", methods=["POST"])
@login_required
def decline(inquiry_id: int):
    form = DeclineForm()

    def act(item):
        if not form.validate():
            reasons = gettext("；").join(str(e) for errors in form.errors.values() for e in errors)
            raise ValidationError(reasons or gettext("请选择婉拒原因"))
        services.decline_inquiry(current_user, item, form.reason.data, form.text.data)

    _answer(inquiry_id, act, gettext("已婉拒该意向，对方会收到您选择的原因"), "info")
    return redirect(url_for("deals.inquiry", inquiry_id=inquiry_id))


@bp.route("/deals/inquiries/<int:inquiry_id>/withdraw", methods=["POST"])
@login_required
def withdraw(inquiry_id: int):
    item = _get_inquiry(inquiry_id)
    if not can(current_user, "withdraw", item):
        abort(403)
    if ConfirmForm().validate_on_submit():
        attempt(
            lambda: services.withdraw_inquiry(current_user, item),
            success=gettext("意向已撤回"),
            category="info",
        )
    return redirect(url_for("deals.inquiry", inquiry_id=inquiry_id))


@bp.route("/deals/inquiries/<int:inquiry_id>/report", methods=["POST"])
@login_required
def report(inquiry_id: int):
    item = _get_inquiry(inquiry_id)
    form = ReportForm()
    if not form.validate_on_submit():
        flash(gettext("请选择举报原因"), "danger")
    else:
        attempt(
            lambda: services.report_inquiry(current_user, item, form.reason.data, form.text.data),
            success=gettext("举报已提交给科技局，感谢您的反馈"),
        )
    if item.deal is not None and can(current_user, "view", item.deal):
        return redirect(url_for("deals.deal", deal_id=item.deal.id))
    return redirect(url_for("deals.inquiry", inquiry_id=inquiry_id))


# ----------------------------------------------------------------- one deal


def _stage_form(deal: Deal) -> StageForm:
    form = StageForm()
    form.stage.choices = [("", gettext("请选择"))] + [
        (s, tr(STAGES[s])) for s in STAGE_MOVES.get(deal.stage, ())
    ]
    return form


def _render_deal(deal: Deal, message_form=None, stage_form=None, status: int = 200):
    invite_form = InviteBrokerForm()
    invite_form.broker_org_id.choices = [(0, gettext("请选择"))] + [
        (b.id, b.name) for b in services.broker_choices()
    ]
    return (
        render_template(
            "deals/deal.html",
            deal=deal,
            inquiry=deal.inquiry,
            messages=deal.messages,
            contacts=services.contacts_for(deal.inquiry, current_user),
            private_details=services.private_details_for(deal.inquiry, current_user),
            history=services.stage_history(deal),
            stages=STAGES,
            is_party=can(current_user, "update", deal),
            message_form=message_form or MessageForm(),
            stage_form=stage_form or _stage_form(deal),
            invite_form=invite_form,
            report_form=ReportForm(),
        ),
        status,
    )


@bp.route("/deals/<int:deal_id>")
@login_required
def deal(deal_id: int):
    return _render_deal(_get_deal(deal_id))


@bp.route("/deals/<int:deal_id>/messages", methods=["POST"])
@login_required
def post_message(deal_id: int):
    item = _get_deal(deal_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _render_deal(item, message_form=form, status=422)
    # The form shows the rule's message next to the field, so this does not flash it (no `attempt`).
    try:
        with unit_of_work():
            message = services.post_message(current_user, item, form.body.data, form.attachment.data)
    except DomainError as error:
        _apply_field_errors(form, error)
        if "body" not in error.fields:
            form.attachment.errors = [error.message]
        return _render_deal(item, message_form=form, status=error.status)
    return redirect(url_for("deals.deal", deal_id=deal_id, _anchor=f"m{message.id}"))


@bp.route("/deals/<int:deal_id>/stage", methods=["POST"])
@login_required
def change_stage(deal_id: int):
    item = _get_deal(deal_id)
    if not can(current_user, "update", item):
        abort(403)
    form = _stage_form(item)
    if not form.validate_on_submit():
        return _render_deal(item, stage_form=form, status=422)
    outcome = attempt(
        lambda: services.change_stage(
            current_user, item, form.stage.data, form.reason.data or None, form.text.data
        )
    )
    if not outcome:
        _apply_field_errors(form, outcome.error)
        return _render_deal(db.session.get(Deal, deal_id), stage_form=form, status=outcome.error.status)
    flash(gettext("进展已更新为“%(stage)s”", stage=tr(item.stage_label)), "success")
    return redirect(url_for("deals.deal", deal_id=deal_id))


@bp.route("/deals/<int:deal_id>/broker", methods=["POST"])
@login_required
def invite_broker(deal_id: int):
    item = _get_deal(deal_id)
    if not can(current_user, "update", item):
        abort(403)
    form = InviteBrokerForm()
    form.broker_org_id.choices = [(b.id, b.name) for b in services.broker_choices()]
    if not form.validate_on_submit():
        flash(gettext("请选择技术经纪机构"), "danger")
        return redirect(url_for("deals.deal", deal_id=deal_id))
    attempt(
        lambda: services.invite_broker(current_user, item, form.broker_org_id.data),
        success=gettext("已邀请技术经纪机构参与对接"),
    )
    return redirect(url_for("deals.deal", deal_id=deal_id))


@bp.route("/deals/<int:deal_id>/messages/<int:message_id>/attachment")
@login_required
def attachment(deal_id: int, message_id: int):
    item = _get_deal(deal_id)
    message = db.session.get(DealMessage, message_id)
    if message is None or message.deal_id != item.id or not message.attachment_path:
        abort(404)
    return send_upload(
        message.attachment_path,
        mimetype=message.attachment_mimetype,
        download_name=message.attachment_filename,
        as_attachment=True,
    )


# ----------------------------------------------------------------- bureau


@bp.route("/bureau/funnel")
@role_required(Role.BUREAU)
def bureau_funnel():
    this_year = beijing_today().year
    try:
        year = int(request.args.get("year", this_year))
    except ValueError:
        year = this_year
    year = min(max(year, 2000), this_year + 1)
    field = request.args.get("field", "")
    if field not in (*TECHNOLOGY_FIELDS, funnel_module.UNCLASSIFIED):
        field = ""
    result = funnel_module.compute_funnel(year, field or None)
    return render_template(
        "deals/funnel.html",
        funnel=result,
        steps=funnel_module.STEPS,
        step_labels=funnel_module.STEP_LABELS,
        gaps=funnel_module.GAPS,
        years=list(range(this_year, this_year - 6, -1)),
        fields=[*TECHNOLOGY_FIELDS, funnel_module.UNCLASSIFIED],
        field=field,
    )


@bp.route("/bureau/deal-reports")
@role_required(Role.BUREAU)
def bureau_reports():
    status = request.args.get("status", "open")
    stmt = filtered_by_status(select(DealReport), DealReport.status, status, REPORT_STATUSES)
    page, per_page = parse_page_args(request.args)
    return render_template(
        "deals/reports.html",
        page=paginate(stmt.order_by(DealReport.id.desc()), page, per_page),
        status=status,
        statuses=REPORT_STATUSES,
        form=ResolveReportForm(),
    )


@bp.route("/bureau/deal-reports/<int:report_id>/resolve", methods=["POST"])
@role_required(Role.BUREAU)
def resolve_report(report_id: int):
    item = db.session.get(DealReport, report_id)
    if item is None:
        abort(404)
    form = ResolveReportForm()

    def act():
        if not form.validate_on_submit():
            raise ValidationError(gettext("请填写处理结果"))
        services.resolve_report(current_user, item, form.resolution.data)

    attempt(act, success=gettext("举报已标记为已处理"))
    return redirect(url_for("deals.bureau_reports"))

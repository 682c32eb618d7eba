"""Listing pages: lists, details, the owners' forms and "我的发布", imports, export, take-down."""

import io

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from marketplace.common.domain import INDUSTRIES, TECHNOLOGY_FIELDS
from marketplace.common.errors import DomainError
from marketplace.common.exports import chinese_file
from marketplace.common.i18n import tr
from marketplace.common.kinds import KIND_LABELS, SEGMENTS
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.common.permissions import can, role_required
from marketplace.common.roles import Role, is_bureau
from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.common.uow import attempt, unit_of_work
from marketplace.common.validators import MAX_ID, parse_id, plain_int
from marketplace.extensions import db
from marketplace.listings import facets, importer, services, workbooks
from marketplace.listings.fields import field_detail
from marketplace.listings.forms import FORMS, ActionForm, ImportForm, TakedownForm
from marketplace.listings.models import (
    LEGAL_STATUSES,
    LISTING_MODELS,
    MATURITY_LEVELS,
    PATENT_TYPES,
    STALE_AFTER,
    STATUSES,
    Demand,
    ImportJob,
    Patent,
    ResearchResult,
)

bp = Blueprint("listings", __name__)
SEGMENT = "<any(patents, results, demands):segment>"
POSTING_ROLES = (Role.UNIVERSITY, Role.INSTITUTE, Role.ENTERPRISE)
TEMPLATE_FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
}


def _kind(segment: str) -> str:
    return services.KIND_OF_SEGMENT[segment]


def _user():
    return current_user if current_user.is_authenticated else None


def _load(segment: str, listing_id: int):
    kind = _kind(segment)
    if listing_id > MAX_ID:
        abort(404)
    listing = db.session.get(LISTING_MODELS[kind], listing_id)
    if listing is None:
        abort(404)
    return kind, listing


def _load_visible(segment: str, listing_id: int):
    kind, listing = _load(segment, listing_id)
    if not can(_user(), "view", listing):
        abort(404)
    return kind, listing


def _load_own(segment: str, listing_id: int):
    kind, listing = _load(segment, listing_id)
    if not can(current_user, "edit", listing):
        abort(403)
    return kind, listing


def _filters(kind: str, model, args) -> tuple[list, dict, dict]:
    """Build where-clauses from the query string: the text clause, the facet clauses by name, echoes."""
    shown = {}
    clauses = []
    keyed = {}
    q = (args.get("q") or "").strip()[:50]
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        clauses.append(model.title.ilike(like))
        shown["q"] = q
    field = args.get("field", "")
    if field in TECHNOLOGY_FIELDS:
        # A listing without a field of its own (every patent) is found by its inferred one.
        keyed["field"] = facets.field_column(model) == field
        shown["field"] = field
    industry = args.get("industry", "")
    if kind != "patent" and industry in INDUSTRIES:
        keyed["industry"] = model.industry == industry
        shown["industry"] = industry
    if kind == "patent":
        ptype = args.get("type", "")
        if ptype in PATENT_TYPES:
            keyed["type"] = Patent.patent_type == ptype
            shown["type"] = ptype
        legal = args.get("legal", "")
        if legal in LEGAL_STATUSES:
            keyed["legal"] = Patent.legal_status == legal
            shown["legal"] = legal
    if kind == "result":
        maturity = args.get("maturity", "")
        if plain_int(maturity) in MATURITY_LEVELS:
            keyed["maturity"] = ResearchResult.maturity == plain_int(maturity)
            shown["maturity"] = maturity
    return clauses, keyed, shown


@bp.route(f"/{SEGMENT}")
def index(segment: str):
    kind = _kind(segment)
    model = LISTING_MODELS[kind]
    clauses, keyed, shown = _filters(kind, model, request.args)
    bureau_status = request.args.get("status", "")
    states = {}
    if is_bureau(_user()) and bureau_status in ("taken_down", "withdrawn"):
        # The bureau reviews what it took down and what owners withdrew.
        clauses.append(model.status == bureau_status)
        shown["status"] = bureau_status
    elif kind == "demand":
        state = request.args.get("state", "active")
        state = state if state in ("active", "expired") else "active"
        shown["state"] = state
        states = {"active": services.active_demand_filter(), "expired": services.expired_demand_filter()}
    else:
        clauses.append(model.status == "published")
    org_id = request.args.get("org", "")
    if parse_id(org_id) is not None:
        clauses.append(model.organisation_id == parse_id(org_id))
        if kind == "demand":
            # Filtering by company must not reveal which hidden demands are whose.
            clauses.append(Demand.name_shown_clause(_user()))
        shown["org"] = org_id
    # Every offered filter value comes with its count under the other filters (listings/facets.py).
    state_counts = {
        name: facets.count_where(model, [*clauses, *keyed.values(), clause])
        for name, clause in states.items()
    }
    if states:
        clauses.append(states[shown["state"]])
    page, per_page = parse_page_args(request.args)
    stmt = select(model).where(*clauses, *keyed.values()).order_by(model.updated_at.desc(), model.id.desc())
    result = paginate(stmt, page, per_page)
    return render_template(
        "listings/list.html",
        kind=kind,
        segment=segment,
        page=result,
        shown=shown,
        facets=facets.list_facets(kind, model, clauses, keyed, shown),
        state_counts=state_counts,
        can_post=services.can_post(_user(), kind),
    )


@bp.route(f"/{SEGMENT}/<int:listing_id>")
def show(segment: str, listing_id: int):
    kind, listing = _load_visible(segment, listing_id)
    user = _user()
    linked = []
    if isinstance(listing, ResearchResult):
        linked = [p for p in listing.patents if can(user, "view", p)]
    elif isinstance(listing, Patent):
        linked = [r for r in listing.results if can(user, "view", r)]
    return render_template(
        "listings/detail.html",
        kind=kind,
        segment=segment,
        item=listing,
        linked=linked,
        is_owner=can(user, "edit", listing),
        shows_name=services.shows_name_to(listing, user),
        can_see_private=can(user, "see_private", listing),
        is_bureau=is_bureau(user),
        action_form=ActionForm(),
        takedown_form=TakedownForm(),
    )


@bp.route(f"/{SEGMENT}/<int:listing_id>/private")
@login_required
def private_details(segment: str, listing_id: int):
    kind, listing = _load_visible(segment, listing_id)
    if not can(current_user, "see_private", listing):
        abort(403)
    return render_template("listings/private.html", kind=kind, segment=segment, item=listing)


def _form_for(kind: str, listing=None):
    form = FORMS[kind]()
    if kind == "result":
        org_id = listing.organisation_id if listing else current_user.org.id
        patents = db.session.execute(
            select(Patent.id, Patent.title, Patent.application_number)
            .where(Patent.organisation_id == org_id, Patent.status != "withdrawn")
            .order_by(Patent.id.desc())
            .limit(500)
        ).all()
        form.patent_ids.choices = [
            (str(pid), f"{title}{'（' + number + '）' if number else ''}") for pid, title, number in patents
        ]
    return form


def _apply_field_errors(form, error: DomainError) -> None:
    for name, message in error.fields.items():
        target = form._fields.get(name) or form._fields.get("price") or form._fields.get("budget_wan")
        if target is not None:
            target.errors = list(target.errors) + [field_detail(message)]


@bp.route(f"/{SEGMENT}/new", methods=["GET", "POST"])
@login_required
def create(segment: str):
    kind = _kind(segment)
    if not services.can_post(current_user, kind):
        abort(403)
    form = _form_for(kind)
    if form.validate_on_submit():
        publish = request.form.get("action") == "publish"

        def save():
            listing = services.create_listing(current_user, kind, form.cleaned)
            if publish:
                services.publish_listing(current_user, listing)
            return listing

        outcome = attempt(
            save, success=gettext("已发布") if publish else gettext("草稿已保存，确认无误后请点击“发布”")
        )
        if outcome:
            return redirect(url_for("listings.show", segment=segment, listing_id=outcome.value.id))
        _apply_field_errors(form, outcome.error)
    return render_template("listings/form.html", kind=kind, segment=segment, form=form, item=None)


@bp.route(f"/{SEGMENT}/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
def edit(segment: str, listing_id: int):
    kind, listing = _load_own(segment, listing_id)
    form = _form_for(kind, listing)
    if request.method == "GET":
        form.fill_from(listing)
    elif form.validate_on_submit():
        outcome = attempt(
            lambda: services.update_listing(current_user, listing, form.cleaned),
            success=gettext("修改已保存"),
        )
        if outcome:
            return redirect(url_for("listings.show", segment=segment, listing_id=listing.id))
        _apply_field_errors(form, outcome.error)
    return render_template("listings/form.html", kind=kind, segment=segment, form=form, item=listing)


def _action(segment: str, listing_id: int, action, done: str):
    kind, listing = _load_own(segment, listing_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    attempt(lambda: action(current_user, listing), success=done)
    target = request.form.get("next", "")
    if target == "mine":
        return redirect(url_for("listings.mine", kind=kind))
    return redirect(url_for("listings.show", segment=segment, listing_id=listing.id))


@bp.route(f"/{SEGMENT}/<int:listing_id>/publish", methods=["POST"])
@login_required
def publish(segment: str, listing_id: int):
    return _action(segment, listing_id, services.publish_listing, gettext("已发布"))


@bp.route(f"/{SEGMENT}/<int:listing_id>/withdraw", methods=["POST"])
@login_required
def withdraw(segment: str, listing_id: int):
    return _action(segment, listing_id, services.withdraw_listing, gettext("已撤回，公众不再能看到该信息"))


@bp.route(f"/{SEGMENT}/<int:listing_id>/confirm", methods=["POST"])
@login_required
def confirm(segment: str, listing_id: int):
    return _action(segment, listing_id, services.confirm_listing, gettext("已确认该信息仍然有效"))


@bp.route(f"/{SEGMENT}/<int:listing_id>/takedown", methods=["POST"])
@role_required(Role.BUREAU)
def take_down(segment: str, listing_id: int):
    kind, listing = _load(segment, listing_id)
    form = TakedownForm()
    if form.validate_on_submit():
        attempt(
            lambda: services.take_down_listing(current_user, listing, form.reason.data),
            success=gettext("已下架，发布单位将看到下架原因"),
        )
    else:
        flash(gettext("请填写下架原因（不超过 500 字）"), "danger")
    return redirect(url_for("listings.show", segment=segment, listing_id=listing.id))


@bp.route("/my/listings")
@role_required(*POSTING_ROLES)
def mine():
    org = current_user.org
    kind = request.args.get("kind", "")
    if kind not in LISTING_MODELS or not services.can_post(current_user, kind):
        # Each role lands on what it mostly posts: enterprises their demands, the others results.
        order = (
            ("demand", "patent", "result")
            if current_user.role == Role.ENTERPRISE
            else ("result", "patent", "demand")
        )
        kind = next(k for k in order if services.can_post(current_user, k))
    model = LISTING_MODELS[kind]
    status = request.args.get("status", "")
    clauses = [model.organisation_id == org.id]
    if status in STATUSES:
        if kind == "demand" and status == "expired":
            clauses.append(services.expired_demand_filter())
        elif kind == "demand" and status == "published":
            clauses.append(services.active_demand_filter())
        else:
            clauses.append(model.status == status)
    elif status == "stale":
        cutoff = utcnow() - STALE_AFTER
        clauses += [
            model.status == "published",
            model.updated_at < cutoff,
            or_(model.confirmed_at.is_(None), model.confirmed_at < cutoff),
        ]
    q = (request.args.get("q") or "").strip()[:50]
    if q:
        clauses.append(model.title.ilike(f"%{q}%"))
    page, per_page = parse_page_args(request.args)
    result = paginate(
        select(model).where(*clauses).order_by(model.updated_at.desc(), model.id.desc()), page, per_page
    )
    counts = {
        k: dict(
            db.session.execute(
                select(m.status, func.count()).where(m.organisation_id == org.id).group_by(m.status)
            ).all()
        )
        for k, m in LISTING_MODELS.items()
        if services.can_post(current_user, k)
    }
    jobs = db.session.scalars(
        select(ImportJob).where(ImportJob.organisation_id == org.id).order_by(ImportJob.id.desc()).limit(5)
    ).all()
    return render_template(
        "listings/mine.html",
        kind=kind,
        segment=SEGMENTS[kind],
        status=status,
        q=q,
        page=result,
        counts=counts,
        jobs=jobs,
        STATUSES=STATUSES,
        action_form=ActionForm(),
    )


@bp.route("/my/listings/export.xlsx")
@role_required(*POSTING_ROLES)
@chinese_file
def export():
    data = workbooks.export_workbook(current_user.org.id)
    name = f"{current_user.org.name}-发布信息-{beijing_today():%Y%m%d}.xlsx"
    return send_file(
        io.BytesIO(data), mimetype=TEMPLATE_FORMATS["xlsx"], as_attachment=True, download_name=name
    )


@bp.route("/my/listings/import", methods=["GET", "POST"])
@role_required(*POSTING_ROLES)
def import_upload():
    form = ImportForm()
    form.kind.choices = [
        (k, tr(label)) for k, label in KIND_LABELS.items() if services.can_post(current_user, k)
    ]
    if request.method == "GET" and request.args.get("kind") in dict(form.kind.choices):
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        # The rule's message goes under the file field, not in a flash, so no `attempt` here.
        try:
            with unit_of_work():
                job = importer.create_job(
                    current_user, form.kind.data, form.file.data, as_draft=form.as_draft.data, state="preview"
                )
        except DomainError as error:
            form.file.errors = list(form.file.errors) + [error.message]
        else:
            # Nothing is written before the user has seen the preview and pressed 导入.
            return redirect(url_for("listing_imports.preview", job_id=job.id))
    return render_template("listings/import.html", form=form, formats=list(TEMPLATE_FORMATS))


def _own_job(job_id: int) -> ImportJob:
    job = db.session.get(ImportJob, job_id) if job_id <= MAX_ID else None
    if job is None:
        abort(404)
    if current_user.org is None or job.organisation_id != current_user.org.id:
        abort(403)
    with unit_of_work():
        importer.fail_if_abandoned(job)
    return job


@bp.route("/my/listings/import/<int:job_id>")
@login_required
def import_job(job_id: int):
    job = _own_job(job_id)
    if job.state == "preview":
        return redirect(url_for("listing_imports.preview", job_id=job.id))
    return render_template(
        "listings/import_job.html",
        job=job,
        status=importer.job_status(job),
        segment=SEGMENTS[job.kind],
    )


@bp.route("/my/listings/import/<int:job_id>/status")
@login_required
def import_status(job_id: int):
    return jsonify(importer.job_status(_own_job(job_id)))


@bp.route("/listings/template/<any(patent, result, demand):kind>.<any(xlsx, csv, jsonl):fmt>")
@chinese_file
def import_template(kind: str, fmt: str):
    data = workbooks.template_file(kind, fmt)
    name = f"{KIND_LABELS[kind]}导入模板.{fmt}"
    return send_file(io.BytesIO(data), mimetype=TEMPLATE_FORMATS[fmt], as_attachment=True, download_name=name)


# --- data for the partials other pages include (home page, workbench, organisation page) ------


def _home_stats() -> dict:
    today = beijing_today()
    return {
        "results": db.session.scalar(
            select(func.count(ResearchResult.id)).where(ResearchResult.status == "published")
        ),
        "patents": db.session.scalar(select(func.count(Patent.id)).where(Patent.status == "published")),
        "demands": db.session.scalar(
            select(func.count(Demand.id)).where(Demand.status == "published", Demand.deadline >= today)
        ),
    }


def _home_sections() -> dict:
    return {
        "results": db.session.scalars(
            select(ResearchResult)
            .where(ResearchResult.status == "published")
            .order_by(ResearchResult.updated_at.desc(), ResearchResult.id.desc())
            .limit(6)
        ).all(),
        "demands": db.session.scalars(
            select(Demand)
            .where(services.active_demand_filter())
            .order_by(Demand.updated_at.desc(), Demand.id.desc())
            .limit(6)
        ).all(),
    }


def _dashboard() -> dict | None:
    user = _user()
    if is_bureau(user):
        return {
            "bureau": {
                kind: db.session.scalar(select(func.count(model.id)).where(model.status == "taken_down")) or 0
                for kind, model in LISTING_MODELS.items()
            }
        }
    if user is None or user.org is None or user.role not in POSTING_ROLES:
        return None
    org_id = user.org.id
    counts = {}
    drafts = []
    for kind, model in LISTING_MODELS.items():
        if not services.can_post(user, kind):
            continue
        counts[kind] = dict(
            db.session.execute(
                select(model.status, func.count())
                .where(model.organisation_id == org_id)
                .group_by(model.status)
            ).all()
        )
        drafts += db.session.scalars(
            select(model)
            .where(model.organisation_id == org_id, model.status.in_(("draft", "taken_down")))
            .order_by(model.updated_at.desc())
            .limit(5)
        ).all()
    return {"counts": counts, "stale": services.stale_listings(org_id, limit=10), "drafts": drafts[:8]}


def _org_listings(org_id: int) -> dict:
    # A demand that hides its owner is listed on the owner's page only for those who see the name.
    demand_clauses = [
        Demand.organisation_id == org_id,
        services.active_demand_filter(),
        Demand.name_shown_clause(_user()),
    ]
    data = {}
    for kind, model, clauses in (
        (
            "result",
            ResearchResult,
            [ResearchResult.organisation_id == org_id, ResearchResult.status == "published"],
        ),
        ("patent", Patent, [Patent.organisation_id == org_id, Patent.status == "published"]),
        ("demand", Demand, demand_clauses),
    ):
        total = db.session.scalar(select(func.count(model.id)).where(*clauses)) or 0
        items = db.session.scalars(
            select(model).where(*clauses).order_by(model.updated_at.desc()).limit(5)
        ).all()
        if total:
            data[kind] = {"total": total, "items": items}
    return data


@bp.app_context_processor
def listing_partials():
    return {
        "listing_home_stats": _home_stats,
        "listing_home_sections": _home_sections,
        "listing_dashboard": _dashboard,
        "listing_org_listings": _org_listings,
    }

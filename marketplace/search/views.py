"""Search pages: the public search, stored matches of a listing, the bureau's dictionary."""

from __future__ import annotations

from flask import Blueprint, after_this_request, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from marketplace.accounts.forms import ConfirmForm
from marketplace.common.audit import record_audit
from marketplace.common.domain import REGIONS, TECHNOLOGY_FIELDS
from marketplace.common.permissions import can, role_required
from marketplace.common.roles import Role
from marketplace.common.security import accepts_any_query_text, is_safe_next
from marketplace.common.tasks import run_in_background
from marketplace.common.uow import attempt, unit_of_work
from marketplace.deals.funnel import record_matches_shown
from marketplace.extensions import db
from marketplace.listings.models import LEGAL_STATUSES, MATURITY_LEVELS, PATENT_TYPES
from marketplace.search import digest, facets, match_lists, outbox, services
from marketplace.search.access import ACTION
from marketplace.search.analysis import build_user_dictionary, load_terms
from marketplace.search.ipc import SECTION_NAMES
from marketplace.search.models import SearchTerm
from marketplace.search.pipeline import drain
from marketplace.search.ranking import cutoff
from marketplace.search.status import index_status
from marketplace.search.tasks import rebuild_everything

bp = Blueprint("search", __name__, url_prefix="/search")


@bp.app_template_global()
def demand_matches(demand, limit: int = 10):
    """Stored matches of a demand for the current user, or None when they may not see them."""
    if not can(current_user, ACTION, demand):
        return None
    items = match_lists.stored_matches(demand, current_user, limit=limit, check=False)
    if items:
        _record_shown(demand, items)
    return items


def _record_shown(demand, items) -> None:
    """Count the matches shown for the bureau's funnel (first step: 展示匹配)."""
    viewer = current_user.org.id if current_user.org is not None else None
    shown = [(item["type"], item["id"]) for item in items]

    @after_this_request
    def store_shown(response):
        # A GET that showed matches still has to store that it did, once the page is rendered.
        with unit_of_work():
            record_matches_shown(demand.id, shown, viewer)
        return response


@bp.app_template_global()
def listing_matches(listing, limit: int = 10):
    """Stored matching demands of a result or patent for its owner, or None for anyone else."""
    if not can(current_user, ACTION, listing):
        return None
    return match_lists.stored_matches(listing, current_user, limit=limit, check=False)


@bp.route("/")
@accepts_any_query_text
def index():
    params = services.parse_search_args(request.args)
    outcome = services.search(params, current_user)
    return render_template(
        "search/index.html",
        params=params,
        outcome=outcome,
        facets={view.facet.param: view for view in facets.facet_counts(params, current_user)},
        kinds=services.search_kinds(),
        sorts=services.SORTS,
        fields=TECHNOLOGY_FIELDS,
        sections=SECTION_NAMES,
        patent_types=PATENT_TYPES,
        legal_statuses=LEGAL_STATUSES,
        maturities=MATURITY_LEVELS,
        regions=REGIONS,
    )


@bp.route("/matches/<kind>/<int:obj_id>")
@login_required
def matches(kind: str, obj_id: int):
    """A listing's stored matches on a page of their own (the detail pages include the same list)."""
    if kind not in services.KINDS:
        return render_template("errors/404.html"), 404
    obj = services.get_listing(kind, obj_id, current_user)
    services.require_matches_access(current_user, obj)
    return render_template("search/matches.html", obj=obj, kind_label=services.KIND_LABELS[kind])


@bp.app_template_global()
def cutoff_percent(source_kind: str, target_kind: str) -> int:
    """A display cut-off as pages show scores (0-100)."""
    return int(round(cutoff(source_kind, target_kind) * 100))


@bp.app_template_global()
def matches_pending(listing):
    """{"eta_s": ...} while a listing's matches are still being computed, else None."""
    return match_lists.matches_pending(listing)


@bp.route("/matches/<kind>/<int:obj_id>/dismiss", methods=["POST"])
@login_required
def dismiss_match(kind: str, obj_id: int):
    """Mark one stored match 不相关: it is no longer shown to the user's organisation."""
    if kind not in services.KINDS:
        return render_template("errors/404.html"), 404
    obj = services.get_listing(kind, obj_id, current_user)
    services.require_matches_access(current_user, obj)
    form = ConfirmForm()
    target_kind = request.form.get("target_kind", "")
    target_id = request.form.get("target_id", "")
    if form.validate_on_submit() and target_kind in services.KINDS and target_id.isdigit():
        attempt(
            lambda: match_lists.dismiss(obj, current_user, target_kind, int(target_id)),
            success=gettext("已标记为不相关，本单位不再看到这条匹配。"),
        )
    else:
        flash(gettext("标记未成功，请刷新页面后重试"), "warning")
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("search.matches", kind=kind, obj_id=obj_id))


class DigestForm(FlaskForm):
    digest = BooleanField(lazy_gettext("每天 8:00 汇总本单位条目的新匹配（站内通知）"))
    email = BooleanField(lazy_gettext("同时发送到我的邮箱"))
    min_score = IntegerField(
        lazy_gettext("最低匹配度"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100, message=lazy_gettext("请填写 0 至 100 之间的整数")),
        ],
        description=lazy_gettext("留空则按平台的较相关标准（页面上显示的那些匹配）。"),
    )


@bp.app_template_global()
def digest_form():
    """The current user's digest preferences as a form, for the profile page."""
    pref = digest.preference(current_user.id)
    return DigestForm(data={"digest": pref.digest, "email": pref.email, "min_score": pref.min_score})


@bp.route("/digest", methods=["POST"])
@login_required
def digest_preferences():
    """Save the current user's match digest preferences (shown on the profile page)."""
    form = DigestForm()
    if form.validate_on_submit():
        attempt(
            lambda: digest.save_preference(
                current_user, digest=form.digest.data, email=form.email.data, min_score=form.min_score.data
            ),
            success=gettext("匹配提醒设置已保存"),
        )
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for("accounts.profile"))


class TermForm(FlaskForm):
    term = StringField(
        lazy_gettext("技术术语"),
        validators=[
            DataRequired(lazy_gettext("请填写术语")),
            Length(max=12, message=lazy_gettext("术语最长 12 个字")),
        ],
        description=lazy_gettext(
            "2 至 12 个字，须含汉字，如“钙钛矿电池”；不能含空格、标点或“的、和”等连接词。"
        ),
    )


def _add_term(raw: str) -> None:
    term = SearchTerm(term=raw, created_by_id=current_user.id)
    db.session.add(term)
    db.session.flush()
    record_audit(current_user, "search.term_add", term, after={"term": raw}, summary=f"添加检索词条“{raw}”")


@bp.route("/terms", methods=["GET", "POST"])
@role_required(Role.BUREAU)
def terms():
    form = TermForm()
    if form.validate_on_submit():
        raw = form.term.data.strip()
        cleaned = build_user_dictionary([raw])
        if not cleaned or cleaned[0] != raw:
            form.term.errors.append(
                gettext("该术语不能作为词典词条：须为 2 至 12 个字、含汉字，不含空格、标点和连接词")
            )
        elif raw in set(load_terms()) or db.session.scalar(
            select(SearchTerm.id).where(SearchTerm.term == raw)
        ):
            form.term.errors.append(gettext("词典中已有该术语"))
        elif attempt(
            lambda: _add_term(raw),
            success=gettext("已添加“%(term)s”。重建索引后，检索和匹配才会按新词切分。", term=raw),
        ):
            return redirect(url_for("search.terms"))
    page_terms = db.session.scalars(select(SearchTerm).order_by(SearchTerm.id.desc())).all()
    return render_template(
        "search/terms.html",
        form=form,
        confirm=ConfirmForm(),
        terms=page_terms,
        packaged=len(load_terms()),
        status=_status(),
    )


@bp.route("/terms/<int:term_id>/delete", methods=["POST"])
@role_required(Role.BUREAU)
def delete_term(term_id: int):
    form = ConfirmForm()
    term = db.session.get(SearchTerm, term_id)
    if term is None:
        flash(gettext("该词条不存在或已删除"), "warning")
    elif form.validate_on_submit():
        attempt(
            lambda: _delete_term(term), success=gettext("已删除“%(term)s”。重建索引后生效。", term=term.term)
        )
    return redirect(url_for("search.terms"))


def _delete_term(term: SearchTerm) -> None:
    record_audit(
        current_user,
        "search.term_delete",
        term,
        before={"term": term.term},
        summary=f"删除检索词条“{term.term}”",
    )
    db.session.delete(term)


@bp.route("/reindex", methods=["POST"])
@role_required(Role.BUREAU)
def reindex():
    form = ConfirmForm()
    if form.validate_on_submit() and attempt(
        lambda: record_audit(
            current_user, "search.reindex", object_type="search_index", summary="重建检索索引并重新计算匹配"
        ),
        success=gettext("已开始重建索引；重建期间检索照常可用，完成后自动切换到新索引。"),
    ):
        run_in_background(rebuild_everything)
    return redirect(url_for("search.terms"))


def _status() -> dict:
    status = index_status()
    status["extra_terms"] = db.session.scalar(select(func.count(SearchTerm.id))) or 0
    return status


@bp.record_once
def _install_outbox(_state) -> None:
    outbox.install(drain)

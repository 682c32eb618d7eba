"""The bureau's dashboard, targets and exports, and the public 成果转化动态 page."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext
from flask_login import current_user

from marketplace.common.domain import DISTRICTS
from marketplace.common.errors import ValidationError
from marketplace.common.exports import chinese_file
from marketplace.common.permissions import role_required
from marketplace.common.roles import Role
from marketplace.common.uow import unit_of_work
from marketplace.stats import dashboard as board
from marketplace.stats import exports, settings
from marketplace.stats.forms import IndicatorForm, TargetsForm

bp = Blueprint("stats", __name__)


@bp.app_context_processor
def inject_stats():
    def stats_home() -> dict:
        return board.home_total()

    return {"stats_home": stats_home}


def _filters_or_error(targets):
    """Parse the filters; on a mistake fall back to the defaults and return the messages."""
    try:
        return board.parse_filters(request.args, targets), {}
    except ValidationError as error:
        return board.parse_filters({}, targets), error.fields


@bp.route("/bureau/stats/")
@role_required(Role.BUREAU)
def dashboard():
    targets = settings.get_targets()
    filters, errors = _filters_or_error(targets)
    data = board.bureau_dashboard(filters)
    data["charts"] = board.shown_charts(data["charts"])
    return render_template(
        "stats/dashboard.html",
        filters=filters,
        errors=errors,
        typed=request.args,
        districts=DISTRICTS,
        pct=board.percent,
        **data,
    ), (422 if errors else 200)


@bp.route("/bureau/stats/targets", methods=["GET", "POST"])
@role_required(Role.BUREAU)
def targets():
    current = settings.get_targets()
    form = TargetsForm() if request.method == "POST" else TargetsForm.from_targets(current)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                with unit_of_work():
                    changed = settings.update_targets(current_user, form.values(), note=form.note.data or "")
            except ValidationError as error:
                for name, message in error.fields.items():
                    target = {
                        "trade_target_fen": "trade_target",
                        "major_threshold_fen": "major_threshold",
                    }.get(name, name)
                    if target in form:
                        form[target].errors = [*form[target].errors, message]
                status = 422
            else:
                flash(
                    gettext("目标已保存") if changed else gettext("没有需要保存的修改"),
                    "success" if changed else "info",
                )
                return redirect(url_for("stats.targets"))
        else:
            status = 422
    return _targets_page(form, IndicatorForm(), status)


def _targets_page(form, indicator_form, status: int):
    return render_template(
        "stats/targets.html",
        form=form,
        indicator_form=indicator_form,
        history=settings.setting_history(),
        specs=settings.SPECS,
        display_value=settings.display_value,
        indicators=settings.INDICATORS,
        indicator_history=settings.indicator_history(),
    ), status


@bp.route("/bureau/stats/indicators", methods=["POST"])
@role_required(Role.BUREAU)
def add_indicator():
    form = IndicatorForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                settings.add_indicator(
                    current_user,
                    form.key.data,
                    form.value.data,
                    form.source.data,
                    form.as_of.day,
                    form.note.data or "",
                )
        except ValidationError as error:
            for name, message in error.fields.items():
                if name in form:
                    form[name].errors = [*form[name].errors, message]
        else:
            flash(gettext("指标数值已录入"), "success")
            return redirect(url_for("stats.targets"))
    current = settings.get_targets()
    return _targets_page(TargetsForm.from_targets(current), form, 422)


@bp.route("/bureau/stats/export/contracts.<any(csv, xlsx):fmt>")
@role_required(Role.BUREAU)
@chinese_file
def export_contracts(fmt: str):
    # Exports are a file format: Chinese headers and labels whatever the interface language.
    with force_locale("zh_CN"):
        return _export_contracts(fmt)


def _export_contracts(fmt: str):
    targets = settings.get_targets()
    filters = board.parse_filters(request.args, targets)
    name = exports.filename("registered-contracts", filters, fmt)
    if fmt == "csv":
        # Built whole: a streamed body would outlive the request's database session.
        text = "".join(exports.csv_stream(exports.CONTRACT_HEADER, exports.contract_records(filters)))
        return _download(Response(text.encode("utf-8"), mimetype="text/csv; charset=utf-8"), name)
    data = exports.xlsx_bytes([("登记合同", exports.CONTRACT_HEADER, exports.contract_records(filters))])
    return _download(Response(data, mimetype=XLSX), name)


@bp.route("/bureau/stats/export/summary.<any(csv, xlsx):fmt>")
@role_required(Role.BUREAU)
@chinese_file
def export_summary(fmt: str):
    with force_locale("zh_CN"):
        return _export_summary(fmt)


def _export_summary(fmt: str):
    targets = settings.get_targets()
    filters = board.parse_filters(request.args, targets)
    rows = exports.summary_records(filters, targets.target_basis)
    name = exports.filename("summary", filters, fmt)
    if fmt == "csv":
        return _download(
            Response(
                "".join(exports.csv_stream(exports.SUMMARY_HEADER, rows)), mimetype="text/csv; charset=utf-8"
            ),
            name,
        )
    # The whole table first, then one sheet per breakdown for filtering and charts in Excel.
    sheets = [("汇总", exports.SUMMARY_HEADER, rows)]
    for section in dict.fromkeys(row[0] for row in rows[1:]):
        sheets.append((section, exports.SUMMARY_HEADER, [row for row in rows if row[0] == section]))
    return _download(Response(exports.xlsx_bytes(sheets), mimetype=XLSX), name)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(response: Response, name: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/stats")
def public():
    return render_template("stats/public.html", **board.public_overview())

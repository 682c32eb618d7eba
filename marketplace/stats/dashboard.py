"""What the bureau's dashboard and the public page show, assembled from the queries."""

import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from time import monotonic

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select

from marketplace.common import tasks
from marketplace.common.domain import DISTRICTS
from marketplace.common.errors import ValidationError
from marketplace.common.i18n import tr
from marketplace.common.money import format_wan_number
from marketplace.common.timeutil import beijing_today
from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent, ResearchResult
from marketplace.organisations.models import Organisation
from marketplace.search import gateway as search
from marketplace.stats import queries
from marketplace.stats.facts import ContractFact
from marketplace.stats.settings import INDICATORS, Targets, get_targets, latest_indicators

MAX_SPAN_YEARS = 30
MIN_YEAR, MAX_YEAR = 2000, 2100  # far beyond any registration; keeps date arithmetic in range


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    district: str | None

    def as_args(self) -> dict:
        args = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.district:
            args["district"] = self.district
        return args


def parse_filters(args, targets: Targets) -> Filters:
    """Read from/to/district from query args; defaults are the target period and the whole city."""
    problems = {}
    dates = {}
    for name, default in (("from", targets.period_start), ("to", targets.period_end)):
        raw = (args.get(name) or "").strip()
        if not raw:
            dates[name] = default
            continue
        try:
            dates[name] = date.fromisoformat(raw)
        except ValueError:
            problems[name] = gettext("日期格式应为 YYYY-MM-DD，如 2025-01-31")
            continue
        if not MIN_YEAR <= dates[name].year <= MAX_YEAR:
            problems[name] = gettext(
                "请选择 %(first)s 至 %(last)s 年之间的日期", first=MIN_YEAR, last=MAX_YEAR
            )
    district = (args.get("district") or "").strip() or None
    if district and district not in DISTRICTS:
        problems["district"] = gettext("请选择石家庄市的区县（6 位行政区划代码）")
    if not problems:
        if dates["from"] > dates["to"]:
            problems["to"] = gettext("截止日期不能早于起始日期")
        elif dates["to"].year - dates["from"].year > MAX_SPAN_YEARS:
            problems["from"] = gettext("统计期间不能超过 %(n)s 年", n=MAX_SPAN_YEARS)
    if problems:
        raise ValidationError(gettext("筛选条件有误，请按提示修改"), fields=problems)
    return Filters(dates["from"], dates["to"], district)


def percent(part: int, whole: int) -> Decimal:
    """Return part/whole as a percentage with one decimal, computed exactly."""
    if whole <= 0:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def progress(targets: Targets, district: str | None = None, today: date | None = None) -> dict:
    """Progress to the trade target over the target period, with the path and a projection."""
    today = today or beijing_today()
    start, end = targets.period_start, targets.period_end
    months = queries.monthly_totals(start, end, district)
    basis = targets.target_basis
    total = queries.Figure()
    for _month, fig in months:
        total.add(fig.count, fig.contract_amount_fen, fig.technical_amount_fen)
    achieved = total.amount(basis)
    span_days = (end - start).days + 1
    as_of = min(max(today, start - timedelta(days=1)), end)
    elapsed_days = (as_of - start).days + 1
    projection = None
    if elapsed_days > 0 and achieved > 0:
        projection = achieved * span_days // elapsed_days
    as_of_month = queries.month_key(as_of)
    cumulative = []
    running = queries.Figure()
    for month, fig in months:
        running.add(fig.count, fig.contract_amount_fen, fig.technical_amount_fen)
        year, mon = (int(part) for part in month.split("-"))
        month_end = min(date(year + (mon == 12), mon % 12 + 1, 1) - timedelta(days=1), end)
        path = targets.trade_target_fen * ((month_end - start).days + 1) // span_days
        projected = None
        if projection is not None and month >= as_of_month:
            # From what is achieved today, straight on to where the current pace ends.
            remaining_days = max((end - as_of).days, 1)
            projected = (
                achieved + (projection - achieved) * max((month_end - as_of).days, 0) // remaining_days
            )
        cumulative.append(
            {
                "month": month,
                "count": fig.count,
                "contract_amount_fen": fig.contract_amount_fen,
                "technical_amount_fen": fig.technical_amount_fen,
                "cumulative_fen": running.amount(basis) if month <= as_of_month else None,
                "path_fen": path,
                "projection_fen": projected,
            }
        )
    expected_now = targets.trade_target_fen * max(elapsed_days, 0) // span_days
    return {
        "total": total,
        "achieved_fen": achieved,
        "target_fen": targets.trade_target_fen,
        "percent": percent(achieved, targets.trade_target_fen),
        "bar_percent": min(percent(achieved, targets.trade_target_fen), Decimal(100)),
        "expected_now_fen": expected_now,
        "expected_percent": percent(expected_now, targets.trade_target_fen),
        "projection_fen": projection,
        "projection_percent": percent(projection, targets.trade_target_fen) if projection else None,
        "as_of": as_of,
        "elapsed_days": max(elapsed_days, 0),
        "span_days": span_days,
        "months": cumulative,
    }


def recognised_institutions() -> int:
    """Verified organisations the bureau marked as transfer institution or registration point."""
    return (
        db.session.scalar(
            select(func.count(Organisation.id)).where(
                Organisation.verification_status == "verified",
                (Organisation.is_transfer_institution.is_(True))
                | (Organisation.is_registration_point.is_(True)),
            )
        )
        or 0
    )


def _utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    # Dates are Beijing dates; timestamps are stored as naive UTC.
    offset = timedelta(hours=8)
    return datetime.combine(start, time.min) - offset, datetime.combine(
        end + timedelta(days=1), time.min
    ) - offset


def _beijing_month(column):
    """'YYYY-MM' of a naive UTC timestamp column, in Beijing time, computed by the database."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(column + timedelta(hours=8), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours")


def _published_per_month(model, start: date, end: date) -> dict[str, int]:
    # Counted by the database: fetching every timestamp of 20,000 listings into Python was most
    # of the dashboard's time under load.
    lo, hi = _utc_bounds(start, end)
    month = _beijing_month(model.published_at)
    stmt = (
        select(month, func.count(model.id))
        .where(model.published_at >= lo, model.published_at < hi)
        .group_by(month)
    )
    return {key: count for key, count in db.session.execute(stmt)}


def demands_with_matches(start: date, end: date) -> int | None:
    """Demands published in the period with at least one stored match above the threshold."""
    lo, hi = _utc_bounds(start, end)
    matched = search.matched_demand_ids(current_app.config.get("MATCH_THRESHOLD"))
    stmt = select(func.count(func.distinct(Demand.id))).where(
        Demand.published_at >= lo, Demand.published_at < hi, Demand.id.in_(matched)
    )
    return db.session.scalar(stmt) or 0


def demands_with_contracts(start: date, end: date, district: str | None = None) -> int:
    """Distinct demands that led to a contract registered in the period."""
    edge_figures = queries.aggregate(start, end, district, ["demand"], edge_only=["demand"])[0]["demand"]
    return queries.count_keys("demand", start, end, district, edge_figures)


def activity(start: date, end: date, district: str | None = None) -> dict:
    """New listings and demands per month, and how many demands found a match or a contract."""
    series = {
        "patents": _published_per_month(Patent, start, end),
        "results": _published_per_month(ResearchResult, start, end),
        "demands": _published_per_month(Demand, start, end),
    }
    months = queries.month_keys(start, end)
    rows = [
        {
            "month": month,
            "patents": series["patents"].get(month, 0),
            "results": series["results"].get(month, 0),
            "demands": series["demands"].get(month, 0),
        }
        for month in months
    ]
    return {
        "months": rows,
        "totals": {name: sum(values.values()) for name, values in series.items()},
        "demands_matched": demands_with_matches(start, end),
        "demands_contracted": demands_with_contracts(start, end, district),
    }


def published_counts() -> dict[str, int]:
    """How many listings and demands are published now (for the public page)."""

    def count(model) -> int:
        return db.session.scalar(select(func.count(model.id)).where(model.status == "published")) or 0

    return {"patents": count(Patent), "results": count(ResearchResult), "demands": count(Demand)}


def wan(fen: int | None) -> str | None:
    """万元 as a plain decimal string for the charts (no thousands separators)."""
    return None if fen is None else format_wan_number(fen).replace(",", "")


def progress_chart(targets: Targets, prog: dict) -> dict:
    """The progress chart's series: cumulative trade, the path to the target, the projection."""
    return {
        "months": [m["month"] for m in prog["months"]],
        "cumulative": [wan(m["cumulative_fen"]) for m in prog["months"]],
        "path": [wan(m["path_fen"]) for m in prog["months"]],
        "projection": [wan(m["projection_fen"]) for m in prog["months"]],
        "target": wan(targets.trade_target_fen),
    }


def chart_payload(targets: Targets, prog: dict, summary: queries.Summary, act: dict | None) -> dict:
    """The numbers the charts draw, as JSON-safe values (amounts in 万元 strings for display)."""
    basis = targets.target_basis
    payload = {
        "basis": basis,
        "progress": progress_chart(targets, prog),
        "breakdowns": {
            name: [
                {"label": r.label, "value": wan(getattr(r, basis + "_fen")), "count": r.count} for r in rows
            ]
            for name, rows in summary.breakdowns.items()
        },
        "districts": [
            {"label": r.label, "value": wan(getattr(r, basis + "_fen")), "count": r.count}
            for r in summary.by_district
        ],
    }
    if act is not None:
        payload["activity"] = {
            "months": [row["month"] for row in act["months"]],
            "patents": [row["patents"] for row in act["months"]],
            "results": [row["results"] for row in act["months"]],
            "demands": [row["demands"] for row in act["months"]],
        }
    return payload


def shown_charts(charts: dict) -> dict:
    """The chart data with its category labels in the interface language.

    The figures are cached per process whatever the language, so labels are translated here, per request.
    """
    shown = dict(charts)
    if "breakdowns" in charts:
        shown["breakdowns"] = {
            name: [{**row, "label": tr(row["label"])} for row in rows]
            for name, rows in charts["breakdowns"].items()
        }
    if "districts" in charts:
        shown["districts"] = [{**row, "label": tr(row["label"])} for row in charts["districts"]]
    return shown


# Per process: the assembled figures of recent dashboard requests (see bureau_dashboard).
_figures_cache: dict[tuple, tuple[float, dict]] = {}
_figures_lock = threading.Lock()
_FIGURES_KEPT = 64


def contracts_version() -> tuple:
    """A fingerprint of the contract statistics: changes when a contract is registered, revised or cancelled."""
    return tuple(
        db.session.execute(
            select(
                func.count(ContractFact.id),
                func.max(ContractFact.id),
                func.coalesce(func.sum(ContractFact.contract_amount_fen), 0),
                func.coalesce(func.sum(ContractFact.technical_amount_fen), 0),
            )
        ).one()
    )


def bureau_dashboard(filters: Filters, today: date | None = None) -> dict:
    """Everything the bureau's dashboard shows for the chosen period and district.

    Under load the same figures were recomputed by every request (over a second at p95 while
    listings were being published). The figures are kept per process, keyed by the filters, the
    day, the targets and a fingerprint of the contract statistics, so a registered contract or a
    changed target shows at once. Figures older than STATS_CACHE_SECONDS are still shown while a
    background thread recomputes them (new listings and matches appear within seconds); only a
    process's first request for a key waits. Hand-entered indicators are read each time.
    """
    seconds = float(current_app.config.get("STATS_CACHE_SECONDS", 0) or 0)
    today = today or beijing_today()
    targets = get_targets()
    if seconds <= 0:
        data = _bureau_dashboard(filters, today, targets)
    else:
        key = (filters, today, repr(targets), contracts_version())
        with _figures_lock:
            hit = _figures_cache.get(key)
            stale = hit is not None and monotonic() - hit[0] >= seconds
            refresh = stale and key not in _refreshing
            if refresh:
                _refreshing.add(key)
        if hit is None:
            data = _refresh_figures(key, filters, today, targets)
        else:
            data = hit[1]
            if refresh:
                tasks.run_in_background(_refresh_figures, key, filters, today, targets)
        data = dict(data)
    data["manual"] = _manual(targets)
    return data


_refreshing: set[tuple] = set()


def _refresh_figures(key: tuple, filters: Filters, today: date, targets: Targets) -> dict:
    try:
        data = _bureau_dashboard(filters, today, targets)
        with _figures_lock:
            if len(_figures_cache) >= _FIGURES_KEPT:
                _figures_cache.clear()
            _figures_cache[key] = (monotonic(), data)
        return data
    finally:
        with _figures_lock:
            _refreshing.discard(key)


def _manual(targets: Targets) -> list[dict]:
    indicators = latest_indicators()
    return [
        {
            "key": key,
            "label": label,
            "unit": unit,
            "target": getattr(targets, target_key),
            "entry": indicators.get(key),
        }
        for key, (label, unit, target_key) in INDICATORS.items()
    ]


def _bureau_dashboard(filters: Filters, today: date, targets: Targets) -> dict:
    prog = progress(targets, filters.district, today)
    summary = queries.summarize(filters.start, filters.end, filters.district, basis=targets.target_basis)
    if (filters.start, filters.end) == (targets.period_start, targets.period_end):
        major = summary.major
    else:
        major = queries.aggregate(targets.period_start, targets.period_end, filters.district, ["major"])[0][
            "major"
        ].get("", queries.Figure())
    institutions = recognised_institutions()
    act = activity(filters.start, filters.end, filters.district)
    return {
        "targets": targets,
        "progress": prog,
        "summary": summary,
        "major": major,
        "major_percent": percent(major.count, targets.major_projects_target),
        "institutions": institutions,
        "institutions_percent": percent(institutions, targets.institutions_target),
        "activity": act,
        "charts": chart_payload(targets, prog, summary, act),
    }


def public_overview(today: date | None = None) -> dict:
    """The public 成果转化动态: city totals, progress and monthly trend, and listing counts."""
    targets = get_targets()
    prog = progress(targets, None, today)
    return {
        "targets": targets,
        "progress": prog,
        "counts": published_counts(),
        "charts": {
            "basis": targets.target_basis,
            "progress": progress_chart(targets, prog),
        },
    }


def home_total() -> dict:
    """The registered trade in the target period, for the home page and the workbench."""
    targets = get_targets()
    figure = queries.total_figure(targets.period_start, targets.period_end)
    achieved = figure.amount(targets.target_basis)
    return {
        "targets": targets,
        "figure": figure,
        "achieved_fen": achieved,
        "percent": percent(achieved, targets.trade_target_fen),
    }

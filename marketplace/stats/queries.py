"""Exact figures for a period and district: whole years and months from the rollups, edge days
from the facts.

A period is by registration date with both ends included. Whole calendar years inside it are
answered from the yearly rollup rows, the other whole months from the monthly rows, and the
partial months at either end are aggregated from `contract_facts` with the same keys
(`facts.fact_keys`), so the result equals the sum of the contracts themselves to the 分.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from marketplace.common.domain import TECHNOLOGY_FIELDS, region_label
from marketplace.common.i18n import N_
from marketplace.contracts.models import CONTRACT_TYPES
from marketplace.extensions import db
from marketplace.stats.facts import (
    BUYER_REGIONS,
    CITY,
    COUNTED_COLUMNS,
    DIMENSIONS,
    SELLER_NATURES,
    ContractFact,
    StatRollup,
    fact_keys,
)
from marketplace.stats.threshold import major_threshold_fen

# The breakdowns the dashboard, the exports and the API share, with their fixed key orders.
BREAKDOWNS = {
    "by_type": ("type", N_("合同类别"), CONTRACT_TYPES),
    "by_field": ("field", N_("技术领域"), {name: name for name in TECHNOLOGY_FIELDS}),
    "by_seller_nature": ("seller_nature", N_("卖方主体性质"), SELLER_NATURES),
    "by_buyer_region": ("buyer_region", N_("买方所在地"), BUYER_REGIONS),
}
PARTY_DIMENSIONS = {"seller": N_("卖方"), "buyer": N_("买方"), "broker": N_("技术转移机构（经纪）")}
EDGE_COLUMNS = COUNTED_COLUMNS


@dataclass
class Figure:
    count: int = 0
    contract_amount_fen: int = 0
    technical_amount_fen: int = 0

    def add(self, count: int, contract: int, technical: int) -> None:
        self.count += int(count or 0)
        self.contract_amount_fen += int(contract or 0)
        self.technical_amount_fen += int(technical or 0)

    def amount(self, basis: str) -> int:
        return self.technical_amount_fen if basis == "technical_amount" else self.contract_amount_fen


@dataclass
class Row:
    key: str
    label: str
    count: int
    contract_amount_fen: int
    technical_amount_fen: int

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "count": self.count,
            "contract_amount_fen": self.contract_amount_fen,
            "technical_amount_fen": self.technical_amount_fen,
        }


@dataclass
class Summary:
    start: date
    end: date
    district: str | None
    total: Figure
    major: Figure
    breakdowns: dict[str, list[Row]] = field(default_factory=dict)
    by_district: list[Row] = field(default_factory=list)
    parties: dict[str, list[Row]] = field(default_factory=dict)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _first_of_next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def full_months_range(start: date, end: date) -> tuple[date, date]:
    """The first and last day of the whole months inside [start, end] (empty when first > last)."""
    first_full = start if start.day == 1 else _first_of_next_month(start)
    after_end = end + timedelta(days=1)
    full_end = after_end if after_end.day == 1 else end.replace(day=1)
    return first_full, full_end - timedelta(days=1)


def split_period(start: date, end: date, *, years: bool = True) -> tuple[list[tuple[date, date]], list[str]]:
    """Split [start, end] into edge day ranges and the rollup periods that cover the rest.

    The periods are whole months ('YYYY-MM') and, when `years`, whole years ('YYYY') in place of
    their twelve months.
    """
    first_full = start if start.day == 1 else _first_of_next_month(start)
    after_end = end + timedelta(days=1)
    full_end = after_end if after_end.day == 1 else end.replace(day=1)  # exclusive
    if first_full >= full_end:
        return [(start, end)], []
    edges = []
    if start < first_full:
        edges.append((start, first_full - timedelta(days=1)))
    if full_end <= end:
        edges.append((full_end, end))
    periods = []
    cursor = first_full
    while cursor < full_end:
        next_year = date(cursor.year + 1, 1, 1)
        if years and cursor.month == 1 and next_year <= full_end:
            periods.append(f"{cursor.year:04d}")
            cursor = next_year
        else:
            periods.append(month_key(cursor))
            cursor = _first_of_next_month(cursor)
    return edges, periods


def _rollup_filter(stmt, periods: list[str], district: str | None):
    return stmt.where(StatRollup.period.in_(periods), StatRollup.district == (district or CITY))


def _edge_rows(edges, district: str | None):
    for lo, hi in edges:
        stmt = select(*EDGE_COLUMNS).where(ContractFact.registered_on >= lo, ContractFact.registered_on <= hi)
        if district:
            stmt = stmt.where(ContractFact.district == district)
        yield from _run(stmt)


def _run(stmt):
    # Core rows straight from the connection: these are plain numbers, not ORM entities.
    return db.session.connection().execute(stmt)


def _sums():
    return (
        func.sum(StatRollup.count),
        func.sum(StatRollup.contract_amount_fen),
        func.sum(StatRollup.technical_amount_fen),
    )


def aggregate(start: date, end: date, district: str | None = None, dimensions=None, edge_only=()):
    """Return {dimension: {key: Figure}} and {district: Figure} for the period, exactly.

    Dimensions in `edge_only` (the ones with many keys) get only the edge days' figures here;
    `top_keys()` and `count_keys()` add their rollups without fetching every key.
    """
    wanted = tuple(dimensions) if dimensions else None
    edges, periods = split_period(start, end)
    by_dim: dict[str, dict[str, Figure]] = defaultdict(lambda: defaultdict(Figure))
    by_district: dict[str, Figure] = defaultdict(Figure)
    from_rollups = [dim for dim in (wanted or DIMENSIONS) if dim not in edge_only]
    if periods:
        stmt = select(StatRollup.dimension, StatRollup.key, *_sums()).group_by(
            StatRollup.dimension, StatRollup.key
        )
        stmt = stmt.where(StatRollup.dimension.in_(from_rollups))
        for dim, key, count, contract, technical in _run(_rollup_filter(stmt, periods, district)):
            by_dim[dim][key].add(count, contract, technical)
        stmt = select(StatRollup.district, *_sums()).where(
            StatRollup.dimension == "total", StatRollup.period.in_(periods), StatRollup.district != CITY
        )
        if district:
            stmt = stmt.where(StatRollup.district == district)
        for code, count, contract, technical in _run(stmt.group_by(StatRollup.district)):
            by_district[code].add(count, contract, technical)
    threshold = major_threshold_fen()
    for row in _edge_rows(edges, district):
        for dim, key in fact_keys(row, threshold):
            if wanted is None or dim in wanted:
                by_dim[dim][key].add(1, row.contract_amount_fen, row.technical_amount_fen)
        by_district[row.district].add(1, row.contract_amount_fen, row.technical_amount_fen)
    return by_dim, by_district


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def top_keys(
    dimension: str,
    start: date,
    end: date,
    district: str | None,
    basis: str,
    limit: int,
    edge_figures: dict[str, "Figure"],
) -> list["Row"]:
    """The `limit` keys of a dimension with the largest amounts, exactly.

    Only the top keys of the rollups are fetched, plus the rollups of keys seen on the edge days:
    any other key has no edge amount and at most the rollup amount of each fetched top key, so it
    cannot rank above them.
    """
    _edges, periods = split_period(start, end)
    figures: dict[str, Figure] = defaultdict(Figure)
    if periods:
        amount = (
            StatRollup.technical_amount_fen if basis == "technical_amount" else StatRollup.contract_amount_fen
        )
        base = _rollup_filter(
            select(StatRollup.key, *_sums()).where(StatRollup.dimension == dimension), periods, district
        ).group_by(StatRollup.key)
        ranked = base.order_by(func.sum(amount).desc(), func.sum(StatRollup.count).desc(), StatRollup.key)
        for key, count, contract, technical in _run(ranked.limit(limit)):
            figures[key].add(count, contract, technical)
        candidates = [key for key in edge_figures if key not in figures]
        if len(figures) >= limit and candidates:
            # A key outside the rollups' top has at most the smallest top rollup amount; skip
            # those whose edge amount cannot lift them to the smallest final top amount.
            floor = min(figure.amount(basis) for figure in figures.values())
            final_floor = min(
                figure.amount(basis) + (edge_figures[key].amount(basis) if key in edge_figures else 0)
                for key, figure in figures.items()
            )
            candidates = [key for key in candidates if floor + edge_figures[key].amount(basis) >= final_floor]
        elif len(figures) < limit:
            candidates = []  # every key with rollups is already among the fetched ones
        for chunk in _chunks(candidates):
            for key, count, contract, technical in _run(base.where(StatRollup.key.in_(chunk))):
                figures[key].add(count, contract, technical)
    for key, figure in edge_figures.items():
        figures[key].add(figure.count, figure.contract_amount_fen, figure.technical_amount_fen)
    return _ranked(figures, basis, limit)


def count_keys(
    dimension: str, start: date, end: date, district: str | None, edge_figures: dict[str, "Figure"]
) -> int:
    """How many keys of a dimension have at least one fact in the period (e.g. distinct demands)."""
    _edges, periods = split_period(start, end)
    edge_keys = [key for key, figure in edge_figures.items() if figure.count > 0]
    if not periods:
        return len(edge_keys)
    counted = _rollup_filter(
        select(StatRollup.key).where(StatRollup.dimension == dimension), periods, district
    ).group_by(StatRollup.key)
    counted = counted.having(func.sum(StatRollup.count) > 0)
    total = _run(select(func.count()).select_from(counted.subquery())).scalar_one()
    return total + len(set(edge_keys) - _keys_in_rollups(dimension, start, end, district, edge_keys))


def _keys_in_rollups(
    dimension: str, start: date, end: date, district: str | None, keys: list[str]
) -> set[str]:
    """Which of these keys have facts in the whole months of the period (read from the facts)."""
    if dimension != "demand":
        raise ValueError(f"no fact column for {dimension}")
    first, last = full_months_range(start, end)
    found: set[str] = set()
    for chunk in _chunks([int(key) for key in keys]):
        stmt = select(ContractFact.demand_id).where(
            ContractFact.demand_id.in_(chunk),
            ContractFact.registered_on >= first,
            ContractFact.registered_on <= last,
        )
        if district:
            stmt = stmt.where(ContractFact.district == district)
        found.update(str(value) for value in _run(stmt.distinct()).scalars())
    return found


def _rows(figures: dict[str, Figure], labels: dict[str, str]) -> list[Row]:
    keys = list(labels) + sorted(k for k in figures if k not in labels)
    rows = []
    for key in keys:
        fig = figures.get(key) or Figure()
        if key not in labels and fig.count == 0:
            continue
        rows.append(
            Row(
                key,
                labels.get(key, key or N_("未填写")),
                fig.count,
                fig.contract_amount_fen,
                fig.technical_amount_fen,
            )
        )
    return rows


def _ranked(figures: dict[str, Figure], basis: str, limit: int | None, label=None) -> list[Row]:
    items = [(key, fig) for key, fig in figures.items() if fig.count > 0]
    items.sort(key=lambda item: (-item[1].amount(basis), -item[1].count, item[0]))
    if limit is not None:
        items = items[:limit]
    return [
        Row(key, label(key) if label else key, f.count, f.contract_amount_fen, f.technical_amount_fen)
        for key, f in items
    ]


def summarize(
    start: date,
    end: date,
    district: str | None = None,
    *,
    basis: str = "contract_amount",
    parties: bool = True,
    top: int = 10,
) -> Summary:
    """Totals, breakdowns, districts and (optionally) top parties for a period and district."""
    dims = ["total", "major", *(spec[0] for spec in BREAKDOWNS.values())]
    if parties:
        dims += list(PARTY_DIMENSIONS)
    by_dim, by_district = aggregate(start, end, district, dims, edge_only=PARTY_DIMENSIONS)
    summary = Summary(
        start=start,
        end=end,
        district=district,
        total=by_dim["total"].get("", Figure()),
        major=by_dim["major"].get("", Figure()),
    )
    for name, (dim, _title, labels) in BREAKDOWNS.items():
        summary.breakdowns[name] = _rows(by_dim[dim], labels)
    summary.by_district = _ranked(by_district, basis, None, region_label)
    if parties:
        summary.parties = {
            dim: top_keys(dim, start, end, district, basis, top, by_dim[dim]) for dim in PARTY_DIMENSIONS
        }
    return summary


def total_figure(start: date, end: date, district: str | None = None) -> Figure:
    by_dim, _ = aggregate(start, end, district, ["total"])
    return by_dim["total"].get("", Figure())


def monthly_totals(start: date, end: date, district: str | None = None) -> list[tuple[str, Figure]]:
    """Return every month of the period in order with its registered figures (zero when none)."""
    edges, periods = split_period(start, end, years=False)
    result: dict[str, Figure] = defaultdict(Figure)
    if periods:
        stmt = select(StatRollup.period, *_sums()).where(StatRollup.dimension == "total")
        stmt = _rollup_filter(stmt, periods, district).group_by(StatRollup.period)
        for month, count, contract, technical in _run(stmt):
            result[month].add(count, contract, technical)
    for row in _edge_rows(edges, district):
        result[month_key(row.registered_on)].add(1, row.contract_amount_fen, row.technical_amount_fen)
    return [(key, result.get(key, Figure())) for key in month_keys(start, end)]


def month_keys(start: date, end: date) -> list[str]:
    """Every month ('YYYY-MM') the period touches, in order."""
    keys = []
    cursor = start.replace(day=1)
    while cursor <= end:
        keys.append(month_key(cursor))
        cursor = _first_of_next_month(cursor)
    return keys


def contract_rows(start: date, end: date, district: str | None = None):
    """Select the registered contracts of a period, in registration order (for exports)."""
    stmt = select(ContractFact).where(ContractFact.registered_on >= start, ContractFact.registered_on <= end)
    if district:
        stmt = stmt.where(ContractFact.district == district)
    return stmt.order_by(ContractFact.registered_on, ContractFact.registration_number, ContractFact.id)

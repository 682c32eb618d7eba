"""The contract facts the dashboard counts, and the rollups that keep it fast and exact.

This module is the only way statistics learn about contracts. Stats' subscriber to the contracts'
signals (`stats/subscribers.py`) calls `upsert_contract_fact()` when a contract or an amendment is
registered, and `remove_contract_fact()` when a registered contract is cancelled, inside the
contract's own transaction.
Every call also adjusts `stat_rollups` by the exact difference, so the figures of every month and
year stay equal to the sum of the facts to the 分 without aggregating every contract on each view.

How a contract maps onto a fact: `registered_on` is the date of the registered revision's approval,
`district` the registering party's district (the seller's; the domestic buyer's for a technology
import), `buyer_region_code`/`buyer_country` where the buyer is, `broker_*` the filing broker, the
amounts those of the registered revision, and `demand_id` the demand the contract came from.
`flask stats rebuild` recomputes every rollup from the facts.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import date

from flask_babel import gettext
from sqlalchemy import BigInteger, Index, Integer, String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.common.domain import NATURE_CODES, SHIJIAZHUANG, TECHNOLOGY_FIELDS
from marketplace.common.errors import ValidationError
from marketplace.common.i18n import N_
from marketplace.contracts.models import CONTRACT_TYPES
from marketplace.extensions import db
from marketplace.stats.threshold import major_threshold_fen

SELLER_NATURES = {
    "university": N_("高校"),
    "institute": N_("科研院所"),
    "enterprise": N_("企业"),
    "other": N_("其他"),
}
BUYER_REGIONS = {
    "city": N_("本市"),
    "province": N_("省内其他"),
    "beijing": N_("北京"),
    "tianjin": N_("天津"),
    "other_province": N_("其他省份"),
    "foreign": N_("境外"),
}
# What the rollups are broken down by. "total" and "major" have a single key ""; "demand" is keyed
# by the id of the demand a contract came from, so distinct demands can be counted per period.
DIMENSIONS = (
    "total",
    "type",
    "field",
    "seller_nature",
    "buyer_region",
    "seller",
    "buyer",
    "broker",
    "major",
    "demand",
)
KEY_LENGTH = 200


class ContractFact(db.Model):
    """One registered, not cancelled contract at its current registered revision."""

    __tablename__ = "contract_facts"
    __table_args__ = (Index("ix_contract_facts_district_registered_on", "district", "registered_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: statistics must not depend on the contracts tables' shape or migrations.
    contract_id: Mapped[int] = mapped_column(unique=True)
    registration_number: Mapped[str] = mapped_column(String(20), default="")
    registered_on: Mapped[date] = mapped_column(index=True)
    contract_type: Mapped[str] = mapped_column(String(20))
    subtype: Mapped[str] = mapped_column(String(30), default="")
    technology_field: Mapped[str] = mapped_column(String(30))
    seller_name: Mapped[str] = mapped_column(String(200))
    seller_org_id: Mapped[int | None]
    seller_nature_code: Mapped[str] = mapped_column(String(3))
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_org_id: Mapped[int | None]
    buyer_region_code: Mapped[str | None] = mapped_column(String(6))
    buyer_country: Mapped[str | None] = mapped_column(String(3))
    district: Mapped[str] = mapped_column(String(6))
    broker_org_id: Mapped[int | None]
    broker_name: Mapped[str | None] = mapped_column(String(200))
    registration_point_id: Mapped[int | None]
    demand_id: Mapped[int | None] = mapped_column(index=True)
    contract_amount_fen: Mapped[int] = mapped_column(BigInteger)
    technical_amount_fen: Mapped[int] = mapped_column(BigInteger)


class StatRollup(db.Model):
    """Count and amounts of the facts of one period and district, by one dimension and key.

    Each fact is counted four times: in its month ('YYYY-MM') and its year ('YYYY'), each for its
    district and for the whole city (district ''). Long periods then read a few yearly rows, and
    the unfiltered dashboard does not add up every district's rows.
    """

    __tablename__ = "stat_rollups"

    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # 'YYYY-MM' or 'YYYY'
    district: Mapped[str] = mapped_column(String(6), primary_key=True)  # '' = whole city
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    contract_amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    technical_amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)


@dataclass
class ContractFactData:
    """What statistics need to know about a registered contract (amounts in integer 分)."""

    contract_id: int
    registration_number: str
    registered_on: date
    contract_type: str
    technology_field: str
    seller_name: str
    seller_nature_code: str
    buyer_name: str
    district: str
    contract_amount_fen: int
    technical_amount_fen: int
    subtype: str = ""
    seller_org_id: int | None = None
    buyer_org_id: int | None = None
    buyer_region_code: str | None = None
    buyer_country: str | None = None
    broker_org_id: int | None = None
    broker_name: str | None = None
    registration_point_id: int | None = None
    demand_id: int | None = None


# ---------------------------------------------------------------------------------------------
# Buckets


def seller_nature_bucket(code: str | None) -> str:
    """Group a 主体性质 code into 高校 / 科研院所 / 企业 / 其他."""
    code = code or ""
    if code == "022":
        return "university"
    if code == "021":
        return "institute"
    if len(code) == 3 and code[0] in "123":
        return "enterprise"
    return "other"


def buyer_region_bucket(region_code: str | None, country: str | None) -> str:
    """Group a buyer's location into 本市 / 省内其他 / 北京 / 天津 / 其他省份 / 境外."""
    if country and country.upper() != "CHN":
        return "foreign"
    code = region_code or ""
    if code == SHIJIAZHUANG or code.startswith("1301"):
        return "city"
    if code.startswith("13"):
        return "province"
    if code.startswith("11"):
        return "beijing"
    if code.startswith("12"):
        return "tianjin"
    return "other_province"


def party_key(name: str | None) -> str:
    return (name or "").strip()[:KEY_LENGTH]


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


CITY = ""  # the district value of the city-wide rollup rows


def rollup_cells(fact, threshold: int) -> Iterator[tuple[str, str, str, str]]:
    """Yield the (dimension, period, district, key) rows one fact adds to."""
    month = _month(fact.registered_on)
    year = month[:4]
    for dimension, key in fact_keys(fact, threshold):
        for period in (month, year):
            yield dimension, period, fact.district, key
            yield dimension, period, CITY, key


def fact_keys(fact, major_threshold_fen: int) -> Iterator[tuple[str, str]]:
    """Yield every (dimension, key) a fact counts under; rollups and edge queries share this."""
    yield "total", ""
    yield "type", fact.contract_type
    yield "field", fact.technology_field
    yield "seller_nature", seller_nature_bucket(fact.seller_nature_code)
    yield "buyer_region", buyer_region_bucket(fact.buyer_region_code, fact.buyer_country)
    yield "seller", party_key(fact.seller_name)
    yield "buyer", party_key(fact.buyer_name)
    if fact.broker_name:
        yield "broker", party_key(fact.broker_name)
    if fact.contract_amount_fen >= major_threshold_fen:
        yield "major", ""
    if fact.demand_id is not None:
        yield "demand", str(fact.demand_id)


# ---------------------------------------------------------------------------------------------
# Validation


def _validate(data: ContractFactData) -> None:
    problems = {}
    if data.contract_type not in CONTRACT_TYPES:
        problems["contract_type"] = gettext("未知的合同类别：%(code)s", code=data.contract_type)
    if data.technology_field not in TECHNOLOGY_FIELDS:
        problems["technology_field"] = gettext("未知的技术领域：%(code)s", code=data.technology_field)
    if data.seller_nature_code not in NATURE_CODES:
        problems["seller_nature_code"] = gettext("未知的主体性质代码：%(code)s", code=data.seller_nature_code)
    if not (isinstance(data.district, str) and len(data.district) == 6 and data.district.isdigit()):
        problems["district"] = gettext("登记方所在区县须为 6 位行政区划代码")
    for name in ("contract_amount_fen", "technical_amount_fen"):
        value = getattr(data, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems[name] = gettext("金额须为非负整数（分）")
    if not problems and data.technical_amount_fen > data.contract_amount_fen:
        problems["technical_amount_fen"] = gettext("技术交易额不能大于合同成交额")
    if not isinstance(data.registered_on, date):
        problems["registered_on"] = gettext("登记日期须为日期")
    if not data.seller_name or not data.buyer_name:
        problems["seller_name"] = gettext("买卖双方名称不能为空")
    if problems:
        raise ValidationError(gettext("合同统计数据不完整或有误"), fields=problems)


# ---------------------------------------------------------------------------------------------
# Rollup deltas

Delta = dict[tuple[str, str, str, str], list[int]]  # (dimension, period, district, key)


def _add_fact(deltas: Delta, fact, sign: int, threshold: int, wanted=None) -> None:
    for cell_key in rollup_cells(fact, threshold):
        if wanted is not None and cell_key[0] not in wanted:
            continue
        cell = deltas[cell_key]
        cell[0] += sign
        cell[1] += sign * fact.contract_amount_fen
        cell[2] += sign * fact.technical_amount_fen


def _new_delta() -> Delta:
    return defaultdict(lambda: [0, 0, 0])


def _apply(deltas: Delta) -> None:
    """Add the deltas to the rollups atomically (an upsert per key, in a stable order)."""
    rows = [
        {
            "dimension": dim,
            "period": period,
            "district": district,
            "key": key,
            "count": cell[0],
            "contract_amount_fen": cell[1],
            "technical_amount_fen": cell[2],
        }
        for (dim, period, district, key), cell in sorted(deltas.items())
        if cell != [0, 0, 0]
    ]
    if not rows:
        return
    table = StatRollup.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["dimension", "period", "district", "key"],
        set_={
            "count": table.c.count + stmt.excluded.count,
            "contract_amount_fen": table.c.contract_amount_fen + stmt.excluded.contract_amount_fen,
            "technical_amount_fen": table.c.technical_amount_fen + stmt.excluded.technical_amount_fen,
        },
    )
    # One statement for many rows (executemany); the keys are unique within `rows`.
    db.session.execute(stmt, rows)


# ---------------------------------------------------------------------------------------------
# Services


def upsert_contract_facts(items: Iterable[ContractFactData]) -> int:
    """Record registered contracts (new or amended) and adjust the rollups; never commits."""
    batch: dict[int, ContractFactData] = {}
    for data in items:
        _validate(data)
        batch[data.contract_id] = data  # the last revision in a batch wins
    if not batch:
        return 0
    threshold = major_threshold_fen()
    deltas = _new_delta()
    existing = {
        fact.contract_id: fact
        for start in range(0, len(batch), 1000)
        for fact in db.session.scalars(
            select(ContractFact).where(ContractFact.contract_id.in_(list(batch)[start : start + 1000]))
        )
    }
    new_rows = []
    for contract_id, data in batch.items():
        values = asdict(data)
        fact = existing.get(contract_id)
        if fact is not None:
            _add_fact(deltas, fact, -1, threshold)
            for name, value in values.items():
                setattr(fact, name, value)
        else:
            new_rows.append(values)
        _add_fact(deltas, data, +1, threshold)
    if new_rows:
        db.session.execute(ContractFact.__table__.insert(), new_rows)
    db.session.flush()
    _apply(deltas)
    return len(batch)


def upsert_contract_fact(data: ContractFactData) -> None:
    """Record a registered contract, or its amended revision, inside the caller's transaction."""
    upsert_contract_facts([data])


def remove_contract_fact(contract_id: int) -> bool:
    """Stop counting a contract (cancelled); return whether it was counted. Never commits."""
    fact = db.session.scalar(select(ContractFact).where(ContractFact.contract_id == contract_id))
    if fact is None:
        return False
    deltas = _new_delta()
    _add_fact(deltas, fact, -1, major_threshold_fen())
    db.session.delete(fact)
    db.session.flush()
    _apply(deltas)
    return True


def fact_data(fact: ContractFact) -> ContractFactData:
    """Return the plain data of a stored fact (for tests and re-upserts)."""
    return ContractFactData(**{f.name: getattr(fact, f.name) for f in fields(ContractFactData)})


# The columns a fact is counted by (rollup_deltas reads rows of exactly these).
COUNTED_COLUMNS = (
    ContractFact.registered_on,
    ContractFact.district,
    ContractFact.contract_type,
    ContractFact.technology_field,
    ContractFact.seller_nature_code,
    ContractFact.buyer_region_code,
    ContractFact.buyer_country,
    ContractFact.seller_name,
    ContractFact.buyer_name,
    ContractFact.broker_name,
    ContractFact.demand_id,
    ContractFact.contract_amount_fen,
    ContractFact.technical_amount_fen,
)


def _expected_deltas(wanted: set[str]) -> Delta:
    """Compute the rollups of the given dimensions from the facts alone."""
    threshold = major_threshold_fen()
    deltas = _new_delta()
    for row in db.session.execute(select(*COUNTED_COLUMNS).execution_options(yield_per=5000)):
        _add_fact(deltas, row, +1, threshold, wanted)
    return deltas


def rebuild_rollups(dimensions: Iterable[str] | None = None) -> int:
    """Recompute the rollups (all, or some dimensions) from the facts; return the rows written."""
    wanted = set(dimensions or DIMENSIONS)
    stmt = delete(StatRollup)
    if dimensions is not None:
        stmt = stmt.where(StatRollup.dimension.in_(wanted))
    db.session.execute(stmt)
    deltas = _expected_deltas(wanted)
    _apply(deltas)
    return len(deltas)


def rollup_differences(limit: int = 10) -> list[tuple]:
    """Compare every rollup row with what the facts give; return up to `limit` differences."""
    expected = {key: tuple(cell) for key, cell in _expected_deltas(set(DIMENSIONS)).items() if any(cell)}
    actual = {}
    for row in db.session.execute(select(StatRollup)).scalars():
        values = (row.count, row.contract_amount_fen, row.technical_amount_fen)
        if any(values):
            actual[(row.dimension, row.period, row.district, row.key)] = values
    differences = []
    for key in sorted(expected.keys() | actual.keys()):
        if expected.get(key) != actual.get(key):
            differences.append((key, expected.get(key), actual.get(key)))
            if len(differences) >= limit:
                break
    return differences

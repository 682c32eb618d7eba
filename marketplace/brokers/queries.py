"""Reading the directory: listed profiles with filters, a person's performance, training hours.

Performance is computed from what the platform recorded, never typed in:
- introductions: inquiries the person sent as an introducing broker (`sent_by_id`, with an
  introducer organisation), by the year they were sent;
- deals brokered: deals opened from those inquiries, crediting the introducer, by the year opened;
- contracts registered: registered contracts the person filed (or is named as broker on), by the
  year of registration;
- 技术交易额 credited: the registered revision's technical amount of those contracts and of the
  contracts that closed the person's deals, each contract counted once, by year of registration.
Years are Beijing calendar years.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from time import monotonic

from flask import current_app
from sqlalchemy import and_, case, exists, func, or_, select

from marketplace.accounts.models import User
from marketplace.brokers.models import LEVELS, BrokerField, BrokerProfile, BrokerRegion, TrainingRecord
from marketplace.common.domain import DISTRICTS, TECHNOLOGY_FIELDS
from marketplace.common.timeutil import to_beijing
from marketplace.contracts.models import ContractRevision, TechContract
from marketplace.deals.models import Deal, Inquiry
from marketplace.extensions import db
from marketplace.organisations.models import Organisation


@dataclass
class DirectoryFilters:
    field: str = ""
    level: str = ""
    district: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args) -> "DirectoryFilters":
        """Read the filters from query arguments; unknown values are ignored."""
        chosen = cls()
        if args.get("field") in TECHNOLOGY_FIELDS:
            chosen.field = args["field"]
        if args.get("level") in LEVELS:
            chosen.level = args["level"]
        if args.get("district") in DISTRICTS:
            chosen.district = args["district"]
        chosen.q = (args.get("q") or "").strip()[:50]
        return chosen

    @property
    def active(self) -> bool:
        return bool(self.field or self.level or self.district or self.q)


def listed_clause():
    """Profiles the public sees: verified, of an active member of a verified organisation."""
    return and_(
        BrokerProfile.status == "verified",
        exists().where(
            Organisation.id == BrokerProfile.organisation_id, Organisation.verification_status == "verified"
        ),
        exists().where(
            User.id == BrokerProfile.user_id,
            User.organisation_id == BrokerProfile.organisation_id,
            User.membership == "active",
            User.is_disabled.is_(False),
        ),
    )


def directory_select(filters: DirectoryFilters):
    stmt = select(BrokerProfile).where(listed_clause())
    if filters.field:
        stmt = stmt.where(
            exists().where(BrokerField.profile_id == BrokerProfile.id, BrokerField.field == filters.field)
        )
    if filters.level:
        stmt = stmt.where(BrokerProfile.level == filters.level)
    if filters.district:
        stmt = stmt.where(
            exists().where(
                BrokerRegion.profile_id == BrokerProfile.id, BrokerRegion.region_code == filters.district
            )
        )
    if filters.q:
        like = f"%{filters.q}%"
        org_names = select(Organisation.id).where(Organisation.name.ilike(like))
        stmt = stmt.where(
            or_(
                BrokerProfile.name.ilike(like),
                BrokerProfile.introduction.ilike(like),
                BrokerProfile.organisation_id.in_(org_names),
            )
        )
    # Senior brokers first, then the longest verified.
    rank = {"senior": 0, "intermediate": 1, "junior": 2}
    return stmt.order_by(
        case(rank, value=BrokerProfile.level, else_=3), BrokerProfile.reviewed_at, BrokerProfile.id
    )


def is_listed(profile: BrokerProfile) -> bool:
    return bool(
        db.session.scalar(select(BrokerProfile.id).where(BrokerProfile.id == profile.id, listed_clause()))
    )


@dataclass
class YearFigures:
    introductions: int = 0
    deals: int = 0
    contracts: int = 0
    technical_amount_fen: int = 0
    training_hours: float = 0.0


@dataclass
class Performance:
    years: dict[int, YearFigures] = field(default_factory=dict)

    def year(self, year: int) -> YearFigures:
        return self.years.setdefault(year, YearFigures())

    @property
    def rows(self) -> list[tuple[int, YearFigures]]:
        """Years newest first."""
        return sorted(self.years.items(), reverse=True)

    @property
    def total(self) -> YearFigures:
        total = YearFigures()
        for figures in self.years.values():
            total.introductions += figures.introductions
            total.deals += figures.deals
            total.contracts += figures.contracts
            total.technical_amount_fen += figures.technical_amount_fen
            total.training_hours += figures.training_hours
        return total


def _year(moment) -> int:
    return to_beijing(moment).year


def introduced_inquiries_clause(user_id: int):
    return and_(Inquiry.sent_by_id == user_id, Inquiry.introducer_org_id.is_not(None))


def performance(user_id: int) -> Performance:
    """The person's record by year (see the module's docstring for what counts)."""
    result = Performance()
    for (sent_at,) in db.session.execute(
        select(Inquiry.created_at).where(introduced_inquiries_clause(user_id))
    ):
        result.year(_year(sent_at)).introductions += 1
    deal_rows = db.session.execute(
        select(Deal.created_at, Deal.contract_id)
        .join(Inquiry, Inquiry.id == Deal.inquiry_id)
        .where(introduced_inquiries_clause(user_id), Deal.broker_org_id == Inquiry.introducer_org_id)
    ).all()
    deal_contract_ids = set()
    for opened_at, contract_id in deal_rows:
        result.year(_year(opened_at)).deals += 1
        if contract_id:
            deal_contract_ids.add(contract_id)
    registered = (
        select(
            TechContract.id,
            TechContract.registered_on,
            TechContract.filed_by_id,
            TechContract.broker_id,
            ContractRevision.technical_amount_fen,
        )
        .join(ContractRevision, ContractRevision.id == TechContract.registered_revision_id)
        .where(
            TechContract.status == "registered",
            TechContract.registered_on.is_not(None),
            or_(
                TechContract.filed_by_id == user_id,
                TechContract.broker_id == user_id,
                TechContract.id.in_(deal_contract_ids or {0}),
            ),
        )
    )
    for _id, registered_on, filed_by, broker, amount in db.session.execute(registered):
        figures = result.year(registered_on.year)
        if user_id in (filed_by, broker):
            figures.contracts += 1
        figures.technical_amount_fen += amount or 0
    for year, hours in training_hours_by_year(user_id).items():
        result.year(year).training_hours = hours
    return result


def training_hours_by_year(user_id: int | None = None) -> dict[int, float]:
    """Training hours by year of attendance, for one person or for everyone."""
    stmt = select(TrainingRecord.attended_on, TrainingRecord.hours)
    if user_id is not None:
        stmt = stmt.where(TrainingRecord.user_id == user_id)
    hours: dict[int, float] = defaultdict(float)
    for attended_on, amount in db.session.execute(stmt):
        hours[attended_on.year] += float(amount or 0)
    return {year: round(value, 1) for year, value in sorted(hours.items(), reverse=True)}


def training_records(user_id: int) -> list[TrainingRecord]:
    return list(
        db.session.scalars(
            select(TrainingRecord)
            .where(TrainingRecord.user_id == user_id)
            .order_by(TrainingRecord.attended_on.desc())
        )
    )


def dashboard_figures() -> dict:
    """For the bureau's dashboard: qualified (listed) brokers by level, and training hours by year."""
    by_level = dict(
        db.session.execute(
            select(BrokerProfile.level, func.count(BrokerProfile.id))
            .where(listed_clause())
            .group_by(BrokerProfile.level)
        ).all()
    )
    pending = (
        db.session.scalar(select(func.count(BrokerProfile.id)).where(BrokerProfile.status == "pending")) or 0
    )
    return {
        "qualified": sum(by_level.values()),
        "by_level": [(label, by_level.get(key, 0)) for key, label in LEVELS.items()],
        "pending": pending,
        "training_hours": training_hours_by_year(),
        "trained_people": db.session.scalar(select(func.count(func.distinct(TrainingRecord.user_id)))) or 0,
    }


# Per app: (when computed, the figures). The dashboard is reloaded often and these figures move
# slowly, so they are reused for STATS_CACHE_SECONDS like the dashboard's own (0 in tests).
_dashboard_cache: dict[int, tuple[float, dict]] = {}


def cached_dashboard_figures() -> dict:
    """`dashboard_figures()`, reused for STATS_CACHE_SECONDS seconds."""
    seconds = float(current_app.config.get("STATS_CACHE_SECONDS", 0) or 0)
    if seconds <= 0:
        return dashboard_figures()
    key = id(current_app._get_current_object())
    hit = _dashboard_cache.get(key)
    if hit is not None and monotonic() - hit[0] < seconds:
        return hit[1]
    figures = dashboard_figures()
    if len(_dashboard_cache) > 16:
        _dashboard_cache.clear()
    _dashboard_cache[key] = (monotonic(), figures)
    return figures

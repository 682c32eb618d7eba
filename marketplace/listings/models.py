"""Listings: patents (专利), research results (科技成果) and technology demands (技术需求)."""

from datetime import date, datetime, timedelta

from flask_babel import gettext
from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, Table, Text, or_, select, true
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from marketplace.common.i18n import N_
from marketplace.common.roles import Role
from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.extensions import db

STATUSES = {
    "draft": N_("草稿"),
    "published": N_("已发布"),
    "withdrawn": N_("已撤回"),
    "taken_down": N_("已下架"),
    "expired": N_("已过期"),
}
PATENT_TYPES = {"invention": N_("发明"), "utility_model": N_("实用新型"), "design": N_("外观设计")}
LEGAL_STATUSES = {"valid": N_("有效"), "pending": N_("审中"), "lapsed": N_("失效")}
# What the kind code at the end of a CN publication number says.
PUBLICATION_KINDS = {
    "A": N_("发明公开"),
    "B": N_("发明授权"),
    "C": N_("发明授权"),
    "U": N_("实用新型"),
    "Y": N_("实用新型"),
    "S": N_("外观设计"),
}
# Patent terms from the filing date (专利法 art. 42; designs filed from 2021-06-01 have 15 years).
DESIGN_15_YEARS_FROM = date(2021, 6, 1)


def patent_term_years(patent_type: str | None, filing_date: date | None) -> int | None:
    """Years of protection from the filing date: invention 20, utility model 10, design 10 or 15."""
    if patent_type == "invention":
        return 20
    if patent_type == "utility_model":
        return 10
    if patent_type == "design":
        return 15 if filing_date and filing_date >= DESIGN_15_YEARS_FROM else 10
    return None


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


TRANSFER_MODES = {
    "transfer": N_("转让"),
    "license": N_("许可"),
    "investment": N_("作价投资"),
    "cooperation": N_("合作实施"),
    "other": N_("其他"),
}
RESULT_FORMS = {
    "new_technology": N_("新技术"),
    "new_process": N_("新工艺"),
    "new_product": N_("新产品"),
    "new_material": N_("新材料"),
    "new_variety": N_("新品种"),
    "software": N_("软件"),
    "other": N_("其他"),
}
SOLUTION_MODES = {
    "independent": N_("独立研发"),
    "commissioned": N_("委托研发"),
    "cooperative": N_("合作研发"),
    "other": N_("其他"),
}
# GB/T 22900 technology readiness levels, with the coarse stage people use in conversation.
MATURITY_LEVELS = {
    1: N_("TRL1 基本原理清晰"),
    2: N_("TRL2 技术概念和应用设想明确"),
    3: N_("TRL3 关键功能分析和实验验证"),
    4: N_("TRL4 实验室环境验证（研发阶段）"),
    5: N_("TRL5 相关环境验证（小试）"),
    6: N_("TRL6 模拟使用环境验证（中试）"),
    7: N_("TRL7 实际使用环境验证"),
    8: N_("TRL8 定型并试生产（产业化）"),
    9: N_("TRL9 批量生产（产业化）"),
}
STALE_AFTER = timedelta(days=365)
HIDDEN_NAME = N_("某企业")


def _acting_org(user):
    """The organisation a signed-in user acts for, or None (anonymous, pending or removed)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.org


def sees_every_hidden_name(user) -> bool:
    """The bureau and verified technology brokers see every enterprise name a demand hides.

    A self-registered broker is not trusted with hidden names until the bureau verifies it.
    """
    org = _acting_org(user)
    if org is None:
        return False
    return org.org_type == Role.BUREAU or (org.org_type == Role.BROKER and org.is_verified)


def _counterpart_demand_ids(org_id: int, demand_id: int | None = None):
    """Demands on which this organisation took part in an accepted inquiry (its counterpart)."""
    # The deals feature builds on listings; import its model only when the rule runs.
    from marketplace.deals.models import Inquiry

    return select(Inquiry.demand_id).where(
        Inquiry.demand_id.is_not(None) if demand_id is None else Inquiry.demand_id == demand_id,
        Inquiry.status == "accepted",
        or_(
            Inquiry.sender_org_id == org_id,
            Inquiry.recipient_org_id == org_id,
            Inquiry.introducer_org_id == org_id,
        ),
    )


class ListingMixin:
    """Columns and behaviour shared by the three kinds of listing."""

    kind: str = ""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    takedown_reason: Mapped[str] = mapped_column(String(500), default="")
    transfer_modes: Mapped[list] = mapped_column(JSON, default=list)
    # The private part of a listing, revealed to the other side only after contact is accepted.
    private_details: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Set when the owner confirms an unchanged listing is still current.
    confirmed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    # What the search model predicts from the text (search/inference.py), shown marked 推断: the
    # 技术领域 of a listing without one of its own, and its likely IPC subclasses. Derived data,
    # written when the listing is indexed; never typed by anyone.
    inferred_field: Mapped[str | None] = mapped_column(String(40), index=True)
    inferred_ipc: Mapped[list | None] = mapped_column(JSON)

    @declared_attr
    def organisation_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organisations.id"), index=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @declared_attr
    def organisation(cls):
        return relationship("Organisation")

    @declared_attr
    def created_by(cls):
        return relationship("User")

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.effective_status, self.effective_status)

    @property
    def effective_status(self) -> str:
        return self.status

    @property
    def is_public(self) -> bool:
        return self.effective_status == "published"

    @property
    def fresh_at(self) -> datetime:
        """When the owner last touched the listing: an edit or a confirmation."""
        return max(self.updated_at, self.confirmed_at or self.updated_at)

    @property
    def is_stale(self) -> bool:
        return self.status == "published" and utcnow() - self.fresh_at > STALE_AFTER

    def is_owned_by(self, user) -> bool:
        org = getattr(user, "org", None)
        return org is not None and org.id == self.organisation_id

    def can_edit(self, user) -> bool:
        """Any active member of the owning organisation may edit its listings."""
        return self.is_owned_by(user)

    @property
    def transfer_mode_labels(self) -> list[str]:
        return [TRANSFER_MODES.get(m, m) for m in self.transfer_modes or []]


result_patents = Table(
    "result_patents",
    db.metadata,
    Column("result_id", ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
    Column("patent_id", ForeignKey("patents.id", ondelete="CASCADE"), primary_key=True),
)


class Patent(ListingMixin, db.Model):
    __tablename__ = "patents"
    __table_args__ = (Index("ix_patents_org_status", "organisation_id", "status"),)
    kind = "patent"

    application_number: Mapped[str | None] = mapped_column(String(20), index=True)
    publication_number: Mapped[str | None] = mapped_column(String(20), index=True)
    patent_type: Mapped[str | None] = mapped_column(String(20))
    abstract: Mapped[str] = mapped_column(Text, default="")
    ipc_codes: Mapped[list] = mapped_column(JSON, default=list)
    applicants: Mapped[list] = mapped_column(JSON, default=list)
    inventors: Mapped[list] = mapped_column(JSON, default=list)
    filing_date: Mapped[date | None]
    grant_date: Mapped[date | None]
    legal_status: Mapped[str | None] = mapped_column(String(20))
    # The finer status as the patent database wrote it (授权, 实质审查, 未缴年费终止 …), its date,
    # and how the coarse status was found when no export said it (demo data: from the kind code).
    legal_status_detail: Mapped[str] = mapped_column(String(100), default="")
    legal_status_date: Mapped[date | None]
    legal_status_note: Mapped[str] = mapped_column(String(200), default="")
    publication_date: Mapped[date | None]
    price_fen: Mapped[int | None] = mapped_column(BigInteger)

    results = relationship("ResearchResult", secondary=result_patents, back_populates="patents")

    @property
    def patent_type_label(self) -> str:
        return PATENT_TYPES.get(self.patent_type or "", "")

    @property
    def legal_status_label(self) -> str:
        return LEGAL_STATUSES.get(self.legal_status or "", "")

    @property
    def publication_kind(self) -> str:
        """发明公开 / 发明授权 / 实用新型 / 外观设计, from the publication number's kind code."""
        number = (self.publication_number or "").upper()
        code = number.rstrip("0123456789")[-1:] if number.startswith("CN") else ""
        return PUBLICATION_KINDS.get(code, "")

    @property
    def is_granted(self) -> bool:
        return self.legal_status == "valid" or (self.grant_date is not None and self.legal_status != "lapsed")

    @property
    def term_years(self) -> int | None:
        return patent_term_years(self.patent_type, self.filing_date)

    @property
    def expiry_date(self) -> date | None:
        """When protection ends at the latest (the term from filing), if the filing date is known."""
        years = patent_term_years(self.patent_type, self.filing_date)
        if years is None or self.filing_date is None:
            return None
        return _add_years(self.filing_date, years) - timedelta(days=1)

    def remaining_term(self, today: date | None = None) -> str:
        """The protection left for a granted patent in force, in words ("" when not applicable)."""
        expiry = self.expiry_date
        if expiry is None or not self.is_granted or self.legal_status == "lapsed":
            return ""
        today = today or beijing_today()
        end = f"{expiry:%Y-%m-%d}"
        if expiry < today:
            return gettext("保护期已于 %(date)s 届满", date=end)
        months = (expiry.year - today.year) * 12 + expiry.month - today.month - (expiry.day < today.day)
        years, months = divmod(max(months, 0), 12)
        parts = [gettext("%(n)s 年", n=years)] * bool(years) + [gettext("%(n)s 个月", n=months)] * bool(
            months
        )
        left = " ".join(parts) or gettext("不到 1 个月")
        return gettext("剩余约 %(left)s（至 %(date)s 届满）", left=left, date=end)


class ResearchResult(ListingMixin, db.Model):
    __tablename__ = "results"
    __table_args__ = (Index("ix_results_org_status", "organisation_id", "status"),)
    kind = "result"

    abstract: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    technology_field: Mapped[str | None] = mapped_column(String(40), index=True)
    industry: Mapped[str | None] = mapped_column(String(40))
    form: Mapped[str | None] = mapped_column(String(30))
    maturity: Mapped[int | None]
    technical_level: Mapped[str] = mapped_column(String(100), default="")
    completers: Mapped[list] = mapped_column(JSON, default=list)
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    price_fen: Mapped[int | None] = mapped_column(BigInteger)

    patents = relationship("Patent", secondary=result_patents, back_populates="results")

    @property
    def maturity_label(self) -> str:
        return MATURITY_LEVELS.get(self.maturity or 0, "")

    @property
    def form_label(self) -> str:
        return RESULT_FORMS.get(self.form or "", "")


class Demand(ListingMixin, db.Model):
    __tablename__ = "demands"
    __table_args__ = (Index("ix_demands_org_status", "organisation_id", "status"),)
    kind = "demand"

    description: Mapped[str] = mapped_column(Text, default="")
    technical_indicators: Mapped[str] = mapped_column(Text, default="")
    expected_outcome: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    technology_field: Mapped[str | None] = mapped_column(String(40), index=True)
    industry: Mapped[str | None] = mapped_column(String(40))
    budget_fen: Mapped[int | None] = mapped_column(BigInteger)
    start_date: Mapped[date | None]
    deadline: Mapped[date] = mapped_column(index=True)
    solution_mode: Mapped[str | None] = mapped_column(String(20))
    partner_preference: Mapped[str] = mapped_column(String(200), default="")
    hide_name: Mapped[bool] = mapped_column(default=False)

    @property
    def effective_status(self) -> str:
        # A published demand past its deadline is expired even before a job marks it so.
        if self.status == "published" and self.deadline and self.deadline < beijing_today():
            return "expired"
        return self.status

    # The one rule for a hidden enterprise name, in Python (shows_name_to) and in SQL
    # (name_shown_clause); every page, list, filter, export and API answer goes through them.
    def shows_name_to(self, user) -> bool:
        """Whether this user may see who posted the demand.

        A hidden name is shown to the owner's members, the bureau, verified brokers and the
        counterpart of an accepted inquiry about the demand; everyone else sees 某企业.
        """
        if not self.hide_name:
            return True
        org = _acting_org(user)
        if org is None:
            return False
        if org.id == self.organisation_id or sees_every_hidden_name(user):
            return True
        return db.session.scalar(_counterpart_demand_ids(org.id, self.id).limit(1)) is not None

    @classmethod
    def name_shown_clause(cls, user):
        """The demands whose owner this user may see, as a where-clause (see shows_name_to)."""
        if sees_every_hidden_name(user):
            return true()
        org = _acting_org(user)
        if org is None:
            return cls.hide_name.is_(False)
        return or_(
            cls.hide_name.is_(False),
            cls.organisation_id == org.id,
            cls.id.in_(_counterpart_demand_ids(org.id)),
        )

    def public_org_name(self, user) -> str:
        return self.organisation.name if self.shows_name_to(user) else HIDDEN_NAME

    @property
    def solution_mode_label(self) -> str:
        return SOLUTION_MODES.get(self.solution_mode or "", "")


LISTING_MODELS = {"patent": Patent, "result": ResearchResult, "demand": Demand}


IMPORT_STATES = {
    "preview": N_("待确认"),
    "queued": N_("排队中"),
    "running": N_("导入中"),
    "done": N_("已完成"),
    "failed": N_("未导入"),
}


class ImportJob(db.Model):
    """A bulk import from an uploaded file; the progress page polls its state."""

    __tablename__ = "listing_import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200), default="")
    stored_path: Mapped[str] = mapped_column(String(300), default="")
    file_format: Mapped[str] = mapped_column(String(10), default="")
    as_draft: Mapped[bool] = mapped_column(default=False)
    # Chosen on the preview page: {column index: target column}, what to do with rows already on
    # the platform (skip, update or error) and the lines whose flagged values the user accepted.
    column_mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    on_duplicate: Mapped[str] = mapped_column(String(10), default="error")
    accepted_lines: Mapped[list] = mapped_column(JSON, default=list)
    updated_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    imported_count: Mapped[int] = mapped_column(default=0)
    # [{"line": N, "message": "..."}]; a file with any bad row imports nothing.
    errors: Mapped[list] = mapped_column(JSON, default=list)
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Written every few seconds by the process running the job; a running job whose heartbeat
    # stopped belongs to a process that died (see importer.fail_stale_jobs).
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    organisation = relationship("Organisation")

    @property
    def state_label(self) -> str:
        return IMPORT_STATES.get(self.state, self.state)

    @property
    def percent(self) -> int:
        if self.state in ("done", "failed"):
            return 100
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0

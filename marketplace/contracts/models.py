"""Technology contracts (技术合同认定登记): contracts, their reviewed revisions, and the bureau's data.

A contract keeps every revision it went through. `registered_revision` is the one that counts in
statistics; `pending_revision` is the one being drafted or reviewed (the first filing, or an
amendment of a registered contract, during which the registered revision keeps counting).
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.common.domain import NATURE_CODES, region_label
from marketplace.common.i18n import N_
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db

CONTRACT_TYPES = {
    "development": N_("技术开发"),
    "transfer": N_("技术转让"),
    "license": N_("技术许可"),
    "consulting": N_("技术咨询"),
    "service": N_("技术服务"),
}
SUBTYPE_LABELS = {
    "commissioned": N_("委托开发"),
    "cooperative": N_("合作开发"),
    "patent_right": N_("专利权转让"),
    "patent_application_right": N_("专利申请权转让"),
    "technical_secret": N_("技术秘密转让"),
    "patent_license": N_("专利实施许可"),
    "secret_license": N_("技术秘密使用许可"),
    "technical_service": N_("技术服务"),
    "training": N_("技术培训"),
    "intermediary": N_("技术中介"),
    "other": N_("其他"),
}
# Which subtypes belong to which type (技术合同认定规则).
SUBTYPES = {
    "development": ("commissioned", "cooperative"),
    "transfer": ("patent_right", "patent_application_right", "technical_secret", "other"),
    "license": ("patent_license", "secret_license"),
    "consulting": ("other",),
    "service": ("technical_service", "training", "intermediary"),
}
SUBTYPE_LABELS_FOR = {"consulting": {"other": N_("技术咨询")}}

STATUSES = {
    "draft": N_("草稿"),
    "submitted": N_("已提交"),
    "under_review": N_("审核中"),
    "needs_correction": N_("待补正"),
    "registered": N_("已登记"),
    "refused": N_("不予登记"),
    "cancelled": N_("已注销"),
}
# A revision also ends as `superseded` (an amendment replaced it) or `discarded` (the contract
# was cancelled while the amendment was open).
REVISION_STATUSES = {**STATUSES, "superseded": N_("已被变更"), "discarded": N_("已作废")}
OPEN_STATUSES = ("draft", "submitted", "under_review", "needs_correction")
EDITABLE_STATUSES = ("draft", "needs_correction")
IN_REVIEW_STATUSES = ("submitted", "under_review")

REFUSAL_REASONS = {
    "invalid_contract": N_("合同无效或尚未生效"),
    "not_technology_contract": N_("不属于技术合同"),
    "unclear_terms": N_("主体、标的、价款或报酬不明确"),
    "approvals_missing": N_("缺少应有的审批"),
    "name_mismatch": N_("合同名称与内容不符"),
    "monopolising_clauses": N_("非法垄断技术、妨碍技术进步"),
    "documents_missing": N_("证明文件缺失或不合规"),
    "seal_problem": N_("印章缺失或与名称不符"),
    "other": N_("其他"),
}
DEDUCTION_CATEGORIES = {
    "equipment": N_("设备"),
    "instruments": N_("仪器"),
    "parts": N_("零部件"),
    "materials": N_("原材料"),
}
IP_TYPES = {
    "invention_patent": N_("发明专利"),
    "utility_model_patent": N_("实用新型专利"),
    "design_patent": N_("外观设计专利"),
    "technical_secret": N_("技术秘密"),
    "software_copyright": N_("计算机软件著作权"),
    "ic_layout": N_("集成电路布图设计"),
    "plant_variety": N_("植物新品种"),
    "biomedical_variety": N_("生物医药新品种"),
    "other": N_("其他"),
    "none": N_("未涉及知识产权"),
}
CALENDAR_KINDS = {"holiday": N_("节假日（休息）"), "workday": N_("调休上班日")}
DOMESTIC_COUNTRY = "CHN"


revision_patents = Table(
    "contract_revision_patents",
    db.metadata,
    Column("revision_id", ForeignKey("contract_revisions.id", ondelete="CASCADE"), primary_key=True),
    Column("patent_id", ForeignKey("patents.id", ondelete="CASCADE"), primary_key=True),
)
revision_results = Table(
    "contract_revision_results",
    db.metadata,
    Column("revision_id", ForeignKey("contract_revisions.id", ondelete="CASCADE"), primary_key=True),
    Column("result_id", ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
)


class RegistrationPoint(db.Model):
    """A 技术合同登记机构 of the city; its codes form part of the registration numbers it issues."""

    __tablename__ = "registration_points"
    __table_args__ = (UniqueConstraint("region_code", "point_code", name="uq_registration_points_codes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    region_code: Mapped[str] = mapped_column(String(6))
    point_code: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation = relationship("Organisation")

    @property
    def label(self) -> str:
        return f"{self.name}（{self.region_code}-{self.point_code}）"

    @property
    def region_label(self) -> str:
        return region_label(self.region_code)


class RegistrationReviewer(db.Model):
    """A bureau user's assignment to the registration point whose numbers they issue."""

    __tablename__ = "registration_reviewers"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    point_id: Mapped[int] = mapped_column(
        ForeignKey("registration_points.id", ondelete="CASCADE"), index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")
    point = relationship("RegistrationPoint")


class RegistrationCounter(db.Model):
    """The last serial issued by a point in a year; locked FOR UPDATE while a number is issued."""

    __tablename__ = "registration_counters"

    point_id: Mapped[int] = mapped_column(
        ForeignKey("registration_points.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_serial: Mapped[int] = mapped_column(default=0)


class CalendarDay(db.Model):
    """A date that breaks the weekday rule: a holiday on a weekday, or a make-up working day."""

    __tablename__ = "contract_calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(100), default="")

    @property
    def kind_label(self) -> str:
        return CALENDAR_KINDS.get(self.kind, self.kind)


class TechContract(db.Model):
    __tablename__ = "tech_contracts"
    __table_args__ = (Index("ix_tech_contracts_status_updated", "status", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The state of the contract as a whole; a registered contract stays `registered` while an
    # amendment is reviewed (that state is on the pending revision).
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filer_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # The broker user when a 技术转移机构 filed it on the registering party's behalf.
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    registration_number: Mapped[str | None] = mapped_column(String(16), unique=True)
    # Printed on the certificate with the number; /verify answers only for the pair.
    verification_code: Mapped[str | None] = mapped_column(String(16))
    registered_on: Mapped[date | None]
    point_id: Mapped[int | None] = mapped_column(ForeignKey("registration_points.id", ondelete="SET NULL"))
    # No foreign keys: revisions point at their contract, and a cycle would complicate migrations.
    registered_revision_id: Mapped[int | None] = mapped_column(index=True)
    pending_revision_id: Mapped[int | None] = mapped_column(index=True)
    # Deals come later; a plain column now so the deals feature can point contracts at deals.
    deal_id: Mapped[int | None] = mapped_column(index=True)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    filed_by = relationship("User", foreign_keys=[filed_by_id])
    broker = relationship("User", foreign_keys=[broker_id])
    filer_org = relationship("Organisation", foreign_keys=[filer_org_id])
    point = relationship("RegistrationPoint")
    registered_revision = relationship(
        "ContractRevision",
        primaryjoin="foreign(TechContract.registered_revision_id) == ContractRevision.id",
        post_update=True,
    )
    pending_revision = relationship(
        "ContractRevision",
        primaryjoin="foreign(TechContract.pending_revision_id) == ContractRevision.id",
        post_update=True,
    )
    revisions = relationship(
        "ContractRevision",
        foreign_keys="ContractRevision.contract_id",
        back_populates="contract",
        order_by="ContractRevision.number",
    )
    attachments = relationship(
        "ContractAttachment", back_populates="contract", order_by="ContractAttachment.id"
    )

    @property
    def current(self) -> "ContractRevision":
        """The revision to show: the one being worked on, else the registered one."""
        return self.pending_revision or self.registered_revision or self.revisions[-1]

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def workflow_status(self) -> str:
        """The status people act on: the pending revision's while one is open."""
        if self.pending_revision is not None:
            return self.pending_revision.status
        return self.status

    @property
    def is_amending(self) -> bool:
        return self.registered_revision_id is not None and self.pending_revision is not None


class ContractRevision(db.Model):
    """One reviewed version of a contract's content and amounts."""

    __tablename__ = "contract_revisions"
    __table_args__ = (
        UniqueConstraint("contract_id", "number", name="uq_contract_revisions_number"),
        CheckConstraint(
            "technical_amount_fen >= 0 AND technical_amount_fen <= contract_amount_fen",
            name="technical_within_contract",
        ),
        Index("ix_contract_revisions_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("tech_contracts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)

    project_name: Mapped[str] = mapped_column(String(200))
    contract_type: Mapped[str] = mapped_column(String(20), index=True)
    subtype: Mapped[str] = mapped_column(String(30))
    signed_on: Mapped[date]
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    technology_field: Mapped[str] = mapped_column(String(40))
    ip_type: Mapped[str] = mapped_column(String(30))

    seller_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    seller_name: Mapped[str] = mapped_column(String(200), default="")
    seller_credit_code: Mapped[str | None] = mapped_column(String(18))
    seller_region_code: Mapped[str | None] = mapped_column(String(6))
    seller_nature_code: Mapped[str] = mapped_column(String(3), default="900")
    seller_country: Mapped[str] = mapped_column(String(3), default=DOMESTIC_COUNTRY)
    buyer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    buyer_name: Mapped[str] = mapped_column(String(200), default="")
    buyer_credit_code: Mapped[str | None] = mapped_column(String(18))
    buyer_region_code: Mapped[str | None] = mapped_column(String(6))
    buyer_nature_code: Mapped[str] = mapped_column(String(3), default="900")
    buyer_country: Mapped[str] = mapped_column(String(3), default=DOMESTIC_COUNTRY)
    # The party that registers (the seller, or the domestic buyer of a technology import).
    registrant_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)

    contract_amount_fen: Mapped[int] = mapped_column(BigInteger)
    technical_amount_fen: Mapped[int] = mapped_column(BigInteger)
    # The unit the filer typed the amounts in (yuan or wan), so the form reopens in it.
    amount_unit: Mapped[str] = mapped_column(String(4), default="yuan", server_default="yuan")
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demands.id", ondelete="SET NULL"))

    submitted_at: Mapped[datetime | None]
    due_on: Mapped[date | None]
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_started_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    refusal_reasons: Mapped[list] = mapped_column(JSON, default=list)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    contract = relationship("TechContract", foreign_keys=[contract_id], back_populates="revisions")
    seller_org = relationship("Organisation", foreign_keys=[seller_org_id])
    buyer_org = relationship("Organisation", foreign_keys=[buyer_org_id])
    registrant_org = relationship("Organisation", foreign_keys=[registrant_org_id])
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    demand = relationship("Demand")
    patents = relationship("Patent", secondary=revision_patents, order_by="Patent.id")
    results = relationship("ResearchResult", secondary=revision_results, order_by="ResearchResult.id")
    deductions = relationship(
        "ContractDeduction",
        back_populates="revision",
        cascade="all, delete-orphan",
        order_by="ContractDeduction.position",
    )

    @property
    def status_label(self) -> str:
        return REVISION_STATUSES.get(self.status, self.status)

    @property
    def type_label(self) -> str:
        return CONTRACT_TYPES.get(self.contract_type, self.contract_type)

    @property
    def subtype_label(self) -> str:
        return SUBTYPE_LABELS_FOR.get(self.contract_type, {}).get(self.subtype) or SUBTYPE_LABELS.get(
            self.subtype, self.subtype
        )

    @property
    def ip_type_label(self) -> str:
        return IP_TYPES.get(self.ip_type, self.ip_type)

    @property
    def deductions_fen(self) -> int:
        return sum(d.amount_fen for d in self.deductions)

    @property
    def refusal_labels(self) -> list[str]:
        return [REFUSAL_REASONS.get(code, code) for code in self.refusal_reasons or []]

    def party(self, side: str) -> "Party":
        return Party(self, side)


class Party:
    """A read view of one side of a revision, whether a platform organisation or an outside party."""

    def __init__(self, revision: ContractRevision, side: str) -> None:
        self.side = side
        self.org = getattr(revision, f"{side}_org")
        self.org_id = getattr(revision, f"{side}_org_id")
        if self.org is not None:
            self.name = self.org.name
            self.credit_code = self.org.credit_code
            self.region_code = self.org.district
            self.nature_code = self.org.nature_code
            self.country = DOMESTIC_COUNTRY
        else:
            self.name = getattr(revision, f"{side}_name")
            self.credit_code = getattr(revision, f"{side}_credit_code")
            self.region_code = getattr(revision, f"{side}_region_code")
            self.nature_code = getattr(revision, f"{side}_nature_code")
            self.country = getattr(revision, f"{side}_country") or DOMESTIC_COUNTRY

    @property
    def is_foreign(self) -> bool:
        return self.country != DOMESTIC_COUNTRY

    @property
    def region_label(self) -> str:
        return region_label(self.region_code) if self.region_code else ""

    @property
    def nature_label(self) -> str:
        return NATURE_CODES.get(self.nature_code, self.nature_code)


class ContractDeduction(db.Model):
    """A non-technical cost (equipment, instruments, parts, raw materials) taken off 成交额."""

    __tablename__ = "contract_deductions"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="positive_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("contract_revisions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)

    revision = relationship("ContractRevision", back_populates="deductions")

    @property
    def category_label(self) -> str:
        return DEDUCTION_CATEGORIES.get(self.category, self.category)


class ContractAttachment(db.Model):
    """The signed contract (PDF or scans), stored under UPLOAD_DIR and served after a check."""

    __tablename__ = "contract_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("tech_contracts.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("contract_revisions.id", ondelete="SET NULL"))
    path: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contract = relationship("TechContract", back_populates="attachments")
    revision = relationship("ContractRevision")
    uploaded_by = relationship("User")

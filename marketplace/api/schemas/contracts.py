"""The technical contract in the API, written once: what a client sends and what it gets back.

`Contract` is `ContractInput` plus the fields the platform sets; those a client may echo back
unchanged are marked read-only (`READ_ONLY`), the API ignores them on create and refuses a change
to them on update.
"""

from pydantic import Field

from marketplace.api.schemas.base import (
    ApiModel,
    Boolean,
    Date,
    Fen,
    Id,
    Text,
    choice,
    fen,
    integer,
    one_of,
    text,
)
from marketplace.contracts.models import (
    CONTRACT_TYPES,
    DEDUCTION_CATEGORIES,
    REFUSAL_REASONS,
    REVISION_STATUSES,
    STATUSES,
    SUBTYPE_LABELS,
)
from marketplace.contracts.payload import REQUIRED_FIELDS

READ_ONLY = {"readOnly": True}


class ContractParty(ApiModel):
    """平台单位 {"org_id": N}，或平台外单位（国内须填 credit_code 与 region_code，境外填 country）"""

    org_id: Id | None = None
    name: text(200) | None = None
    credit_code: text(None, description="统一社会信用代码（国内单位）") | None = None
    region_code: text(None, pattern="^[0-9]{6}$", description="GB/T 2260 区划代码") | None = None
    nature_code: text(None, description="主体性质代码，如 150") | None = None
    country: text(None, pattern="^[A-Z]{3}$", description="ISO 3166-1 alpha-3；国内为 CHN") | None = None


class ContractDeduction(ApiModel):
    REQUIRED = ("category", "description", "amount_fen")

    category: choice(DEDUCTION_CATEGORIES) | None = None
    description: text(200) | None = None
    amount_fen: fen(1) | None = None


class ContractInput(ApiModel):
    """填报或修改合同时提交的字段；金额一律为分。"""

    REQUIRED = REQUIRED_FIELDS

    project_name: text(200) | None = None
    contract_type: choice(CONTRACT_TYPES) | None = None
    subtype: choice(SUBTYPE_LABELS) | None = None
    signed_on: Date | None = None
    valid_from: Date | None = None
    valid_to: Date | None = None
    seller: ContractParty | None = None
    buyer: ContractParty | None = None
    technology_field: Text | None = None
    ip_type: Text | None = None
    contract_amount_fen: fen(1, description="合同成交额（分）") | None = None
    deductions: list[ContractDeduction] | None = None
    patent_ids: list[Id] | None = None
    result_ids: list[Id] | None = None
    demand_id: Id | None = None
    deal_id: Id | None = None
    amount_unit: (
        choice(["yuan", "wan"], description="填报时使用的金额单位（仅用于网页表单回显；金额始终以分为单位）")
        | None
    ) = None


class RegisteredAmounts(ApiModel):
    revision: integer(1)
    contract_amount_fen: Fen
    technical_amount_fen: Fen


class ContractBroker(ApiModel):
    id: Id
    name: Text
    org_id: Id | None


class ContractReviewState(ApiModel):
    due_on: Date | None
    overdue: Boolean
    reasons: list[Text]
    comment: Text | None


class Attachment(ApiModel):
    id: Id
    filename: Text
    mimetype: Text
    size: integer(0)


class Contract(ContractInput):
    """A contract as the API shows it: the open revision if any, else the registered one."""

    REQUIRED = ()

    id: Id = Field(json_schema_extra=READ_ONLY)
    registrant: choice(["seller", "buyer"], description="登记方") | None = None
    technical_amount_fen: fen(description="技术交易额 = 成交额 − 扣除") = Field(json_schema_extra=READ_ONLY)
    status: choice(STATUSES) = Field(json_schema_extra=READ_ONLY)
    revision: integer(1)
    revision_status: choice(REVISION_STATUSES, description="所显示版本的状态（变更办理中时为变更版本的状态）")
    registration_number: Text | None = Field(json_schema_extra=READ_ONLY)
    registered_on: Date | None = Field(json_schema_extra=READ_ONLY)
    registered_amounts: RegisteredAmounts | None
    broker: ContractBroker | None = Field(json_schema_extra=READ_ONLY)
    review: ContractReviewState
    attachments: list[Attachment]


# Fields the platform sets that a client may send back as it got them.
READ_ONLY_FIELDS = frozenset(
    name for name, info in Contract.model_fields.items() if (info.json_schema_extra or {}).get("readOnly")
)


class ContractCreated(ApiModel):
    id: Id
    status: choice(STATUSES)


class ContractList(ApiModel):
    items: list[Contract]
    total: integer(0)
    page: integer(1)
    per_page: integer(1)


class ContractReview(ApiModel):
    REQUIRED = ("action",)

    action: choice(["start", "approve", "request_changes", "refuse"]) | None = None
    reasons: list[choice(REFUSAL_REASONS)] | None = None
    comment: Text | None = None


class ContractCancel(ApiModel):
    """科技局注销已登记合同；reason（或 comment）写明原因。"""

    reason: Text | None = None
    comment: Text | None = None


class ContractQuery(ApiModel):
    status: one_of(STATUSES) | None = None

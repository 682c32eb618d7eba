"""The registered technology trade summary in the API."""

from pydantic import Field

from marketplace.api.schemas.base import ApiModel, Date, Fen, Text, choice, integer, text


class StatsBreakdownRow(ApiModel):
    REQUIRED = ("key", "label", "count", "contract_amount_fen", "technical_amount_fen")

    key: Text
    label: Text
    count: integer(0)
    contract_amount_fen: integer(description="合同成交额，分")
    technical_amount_fen: integer(description="技术交易额，分")


class StatsSummary(ApiModel):
    REQUIRED = (
        "contract_amount_fen",
        "technical_amount_fen",
        "registered_contracts",
        "target_fen",
        "target_basis",
        "period_start",
        "period_end",
        "by_type",
        "by_field",
        "by_seller_nature",
        "by_buyer_region",
        "by_district",
    )

    from_: Date | None = Field(None, alias="from")
    to: Date | None = None
    district: Text | None = None
    contract_amount_fen: integer()
    technical_amount_fen: integer()
    registered_contracts: integer(0)
    target_fen: Fen
    target_basis: choice(["contract_amount", "technical_amount"])
    period_start: Date
    period_end: Date
    major_projects: integer(0, description="期间内重大技术合作项目数")
    by_type: list[StatsBreakdownRow]
    by_field: list[StatsBreakdownRow]
    by_seller_nature: list[StatsBreakdownRow]
    by_buyer_region: list[StatsBreakdownRow]
    by_district: list[StatsBreakdownRow]


class StatsQuery(ApiModel):
    """起止日期均包含在内；默认为目标期。"""

    from_: text(None, description="起始日期（含），YYYY-MM-DD；空或无效时为目标期起始日") | None = Field(
        None, alias="from"
    )
    to: text(None, description="截止日期（含），YYYY-MM-DD；空或无效时为目标期截止日") | None = None
    district: (
        text(
            None, pattern="^(1301[0-9]{2})?$", description="登记方所在区县（GB/T 2260 代码）；空或不给为全市"
        )
        | None
    ) = None

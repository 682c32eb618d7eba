"""The broker directory in the API: listed profiles and their computed record."""

from marketplace.api.schemas.base import ApiModel, Date, Id, Text, choice, integer, text
from marketplace.brokers.models import LEVELS


class BrokerOrganisation(ApiModel):
    id: Id
    name: Text


class BrokerYear(ApiModel):
    REQUIRED = ("year", "introductions", "deals", "contracts", "technical_amount_fen", "training_hours")

    year: integer(1900, 9999)
    introductions: integer(0, description="作为经纪人发送的对接意向")
    deals: integer(0, description="由这些意向建立的对接")
    contracts: integer(0, description="本人经办并已登记的技术合同")
    technical_amount_fen: integer(0, description="计入的技术交易额，分")
    training_hours: float


class BrokerSummary(ApiModel):
    REQUIRED = ("id", "name", "organisation", "level", "level_label", "fields", "regions", "url")

    id: Id
    name: Text
    organisation: BrokerOrganisation
    level: choice(list(LEVELS))
    level_label: Text
    fields: list[Text]
    regions: list[text(None, description="GB/T 2260 区县代码")]
    introduction: Text | None = None
    url: Text


class BrokerDetail(BrokerSummary):
    REQUIRED = (
        *BrokerSummary.REQUIRED,
        "certificate_number",
        "certificate_issuer",
        "certificate_date",
        "years",
    )

    certificate_number: Text
    certificate_issuer: Text
    certificate_date: Date
    years: list[BrokerYear]


class BrokerPage(ApiModel):
    REQUIRED = ("total", "page", "per_page", "items")

    total: integer(0)
    page: integer(1)
    per_page: integer(1, 100)
    items: list[BrokerSummary]

"""Inquiries and deals in the API: what a client sends and what it gets back."""

from typing import Any

from marketplace.api.schemas.base import ApiModel, Boolean, DateTime, Id, Text, choice, integer
from marketplace.api.schemas.base import text as text_of
from marketplace.deals.models import DECLINE_REASONS, INQUIRY_STATUSES, PURPOSES, STAGES


class OrgRef(ApiModel):
    """An organisation; `id` is null where its name is hidden from the caller."""

    id: Id | None
    name: Text


class ListingRef(ApiModel):
    type: choice(["patent", "result", "demand"])
    id: Id
    title: Text


class InquiryInput(ApiModel):
    REQUIRED = ("purpose", "message")

    patent_id: Id | None = None
    result_id: Id | None = None
    demand_id: Id | None = None
    purpose: choice(PURPOSES) | None = None
    message: text_of(2000) | None = None
    wants_private_details: Boolean | None = None
    on_behalf_of_org_id: Id | None = None


class InquiryDecline(ApiModel):
    REQUIRED = ("reason",)

    reason: choice(DECLINE_REASONS) | None = None
    text: text_of(500, description="reason 为 other 时必填") | None = None


class DealMessageInput(ApiModel):
    REQUIRED = ("body",)

    body: text_of(5000) | None = None


class Inquiry(ApiModel):
    id: Id
    kind: choice(["inquiry", "offer"])
    status: choice(INQUIRY_STATUSES)
    purpose: choice(PURPOSES)
    message: Text
    wants_private_details: Boolean
    sender: OrgRef | None
    recipient: OrgRef | None
    introducer: OrgRef | None
    listing: ListingRef | None
    demand: ListingRef | None
    decline_reason: choice(DECLINE_REASONS) | None
    decline_text: Text | None
    overdue: Boolean
    created_at: DateTime
    answered_at: DateTime | None
    deal_id: Id | None
    contacts: list[dict[str, Any]]
    private_details: list[dict[str, Any]]


class InquiryList(ApiModel):
    total: integer(0)
    items: list[Inquiry]


class InquiryAccepted(ApiModel):
    inquiry: Inquiry
    deal_id: Id


class InquiryDeclined(ApiModel):
    inquiry: Inquiry


class InquiryQuery(ApiModel):
    box: choice(["received", "sent", "introduced"], description="默认 received") | None = None
    status: choice(INQUIRY_STATUSES) | None = None


class MessageAttachment(ApiModel):
    filename: Text
    mimetype: Text
    size: integer(0)


class DealMessage(ApiModel):
    id: Id
    author_org: OrgRef
    body: Text
    attachment: MessageAttachment | None
    created_at: DateTime


class Deal(ApiModel):
    id: Id
    inquiry_id: Id
    stage: choice(STAGES)
    close_reason: Text | None
    close_text: Text | None
    seller: OrgRef | None
    buyer: OrgRef | None
    broker: OrgRef | None
    broker_source: choice(["introduced", "invited"]) | None
    broker_credited: Boolean
    contract_id: Id | None
    listing: ListingRef | None
    demand: ListingRef | None
    technology_field: Text | None
    created_at: DateTime
    agreed_at: DateTime | None
    contracted_at: DateTime | None
    contacts: list[dict[str, Any]]
    private_details: list[dict[str, Any]]
    messages: list[DealMessage]

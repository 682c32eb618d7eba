"""The deals feature's public face: inquiries, deals and reports, for pages, the API and the CLI.

The rules live in modules by concern; this module re-exports the names other code imports, so
`from marketplace.deals import services` keeps working:

- `inquiries`: sending inquiries and offers, answering, withdrawing, reminders;
- `pipeline`: a deal's messages, stages, broker and registered contract;
- `access`: who may see and act (the rules behind `can(user, action, obj)`);
- `moderation`: reports of abuse and the bureau's handling;
- `queries`: lists, counts and what a page shows a viewer.
"""

from marketplace.deals.access import can_answer, can_view_inquiry, viewer_org_id
from marketplace.deals.inquiries import (
    INQUIRER_TYPES,
    OFFERER_TYPES,
    accept_inquiry,
    daily_cap,
    decline_inquiry,
    offer_result,
    remind_overdue,
    send_inquiry,
    sent_today,
    withdraw_inquiry,
)
from marketplace.deals.moderation import open_report_count, report_inquiry, resolve_report
from marketplace.deals.pipeline import (
    ATTACHMENT_KINDS,
    MESSAGE_MAX,
    change_stage,
    invite_broker,
    on_contract_registered,
    post_message,
)
from marketplace.deals.queries import (
    broker_choices,
    contacts_for,
    deal_path,
    deals_stmt,
    existing_inquiry,
    get_deal_for,
    inquiries_stmt,
    inquiry_path,
    is_overdue,
    org_name_for,
    overdue_after,
    pending_counts,
    private_details_for,
    stage_history,
)

__all__ = [
    "ATTACHMENT_KINDS",
    "INQUIRER_TYPES",
    "MESSAGE_MAX",
    "OFFERER_TYPES",
    "accept_inquiry",
    "broker_choices",
    "can_answer",
    "can_view_inquiry",
    "change_stage",
    "contacts_for",
    "daily_cap",
    "deal_path",
    "deals_stmt",
    "decline_inquiry",
    "existing_inquiry",
    "get_deal_for",
    "inquiries_stmt",
    "inquiry_path",
    "invite_broker",
    "is_overdue",
    "offer_result",
    "on_contract_registered",
    "open_report_count",
    "org_name_for",
    "overdue_after",
    "pending_counts",
    "post_message",
    "private_details_for",
    "remind_overdue",
    "report_inquiry",
    "resolve_report",
    "send_inquiry",
    "sent_today",
    "stage_history",
    "viewer_org_id",
    "withdraw_inquiry",
]

"""The contracts feature's public operations, gathered from the modules that hold them.

Other features, the API layer, the demo data and the tests import `services.X`; the work is done in

- `access`: who may see, change and review a contract (rules for `can(user, action, contract)`);
- `citations`: which deals a contract may cite;
- `payload`: checking and normalising a contract's content;
- `filing`: drafts, corrections, attachments, submission, amendments;
- `review`: the bureau's decisions, registration numbers, cancellation (announced by `signals`);
- `queries`: lists, the queue, counts, the timeline, the contracts that count in statistics;
- `registry`: registration points, reviewers and the review calendar the bureau maintains;
- `transitions`: the row claim and status rule every state change shares.
"""

from marketplace.contracts.access import can_edit, can_view
from marketplace.contracts.citations import citable_deal, citable_deals
from marketplace.contracts.filing import (
    add_attachment,
    attachment_content,
    create_contract,
    open_amendment,
    remove_attachment,
    submit_contract,
    update_contract,
)
from marketplace.contracts.payload import (
    READ_ONLY_FIELDS,
    amount_warnings,
    clean_payload,
    registrant_side,
    revision_payload,
)
from marketplace.contracts.queries import (
    bureau_counts,
    filer_counts,
    find_for_verification,
    is_overdue,
    queue_stmt,
    registered_contracts_query,
    timeline,
    timeline_note,
    visible_contracts_stmt,
    with_workflow_status,
)
from marketplace.contracts.registry import add_calendar_day, assign_reviewer, remove_calendar_day, save_point
from marketplace.contracts.review import (
    approve_contract,
    cancel_contract,
    issue_registration_number,
    new_verification_code,
    refuse_contract,
    request_changes,
    review_contract,
    reviewer_point,
    start_review,
)

__all__ = [
    "READ_ONLY_FIELDS",
    "add_attachment",
    "add_calendar_day",
    "amount_warnings",
    "approve_contract",
    "assign_reviewer",
    "attachment_content",
    "bureau_counts",
    "can_edit",
    "can_view",
    "cancel_contract",
    "citable_deal",
    "citable_deals",
    "clean_payload",
    "create_contract",
    "filer_counts",
    "find_for_verification",
    "is_overdue",
    "issue_registration_number",
    "new_verification_code",
    "open_amendment",
    "queue_stmt",
    "refuse_contract",
    "registered_contracts_query",
    "registrant_side",
    "remove_attachment",
    "remove_calendar_day",
    "request_changes",
    "review_contract",
    "reviewer_point",
    "revision_payload",
    "save_point",
    "start_review",
    "submit_contract",
    "timeline",
    "timeline_note",
    "update_contract",
    "visible_contracts_stmt",
    "with_workflow_status",
]

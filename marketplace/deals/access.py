"""Who may see and act on inquiries and deals, registered as the rules behind `can(user, action, obj)`.

Pages, the API and the services ask `can(user, "view", deal)` and so on; the rules live here so a
change to who sees a deal is made once. `can_view_inquiry` and `can_answer` keep their names because
the API module imports them.
"""

from marketplace.common.permissions import object_rule
from marketplace.deals.models import Deal, Inquiry


def viewer_org_id(user) -> int | None:
    """The organisation a signed-in user acts for, or None."""
    org = getattr(user, "org", None) if getattr(user, "is_authenticated", False) else None
    return org.id if org is not None else None


def broker_org_ids(inquiry: Inquiry) -> set[int]:
    """The brokers involved: the one that introduced the inquiry and the one invited to its deal."""
    ids = {inquiry.introducer_org_id} if inquiry.introducer_org_id else set()
    if inquiry.deal is not None and inquiry.deal.broker_org_id:
        ids.add(inquiry.deal.broker_org_id)
    return ids


@object_rule(Inquiry, "view")
def can_view_inquiry(user, inquiry: Inquiry) -> bool:
    """The sender, the recipient and their brokers see an inquiry."""
    org_id = viewer_org_id(user)
    if org_id is None:
        return False
    return org_id in (inquiry.sender_org_id, inquiry.recipient_org_id) or org_id in broker_org_ids(inquiry)


@object_rule(Inquiry, "answer")
def can_answer(user, inquiry: Inquiry) -> bool:
    """Only the organisation that was contacted answers."""
    return viewer_org_id(user) == inquiry.recipient_org_id


@object_rule(Inquiry, "withdraw")
def can_withdraw(user, inquiry: Inquiry) -> bool:
    """The sender, or the broker that sent it for the sender, takes an inquiry back."""
    return viewer_org_id(user) in (inquiry.sender_org_id, inquiry.introducer_org_id)


@object_rule(Deal, "view")
def can_view_deal(user, deal: Deal) -> bool:
    """Only the two parties and their broker see a deal."""
    org = getattr(user, "org", None)
    if org is None:
        return False
    return org.id in deal.party_ids or (deal.broker_org_id is not None and org.id == deal.broker_org_id)


@object_rule(Deal, "update")
def is_party(user, deal: Deal) -> bool:
    """Moving the stage and inviting a broker are for the two parties, not the broker."""
    org = getattr(user, "org", None)
    return org is not None and org.id in deal.party_ids

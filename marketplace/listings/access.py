"""Who may see, edit and read the private part of a listing: the rules behind `can(user, action, obj)`.

Registered on `ListingMixin`, so one rule covers patents, results and demands. `can_view` and
`can_see_private` keep their old `(listing, user)` form only because `listings/api.py` and the
search feature still call them; new code asks `can(user, "view", listing)`.
"""

from marketplace.common.permissions import can, object_rule
from marketplace.common.roles import is_bureau
from marketplace.listings.models import ListingMixin

# Statuses the public sees: published, and demands that expired (shown as expired).
PUBLIC_STATUSES = ("published", "expired")


@object_rule(ListingMixin, "edit")
def _may_edit(user, listing) -> bool:
    """Any active member of the owning organisation edits its listings (the model's own rule)."""
    return listing.can_edit(user)


@object_rule(ListingMixin, "view")
def _may_view(user, listing) -> bool:
    """The public sees published (and expired) listings; the owner all; the bureau all but drafts."""
    if listing.status in PUBLIC_STATUSES:
        return True
    if listing.can_edit(user):
        return True
    return is_bureau(user) and listing.status != "draft"


@object_rule(ListingMixin, "see_private")
def _may_see_private(user, listing) -> bool:
    """Private details are for the owning organisation and the bureau (and, via deals, the other side)."""
    return listing.can_edit(user) or is_bureau(user)


def can_view(listing, user) -> bool:
    return can(user, "view", listing)


def can_see_private(listing, user) -> bool:
    return can(user, "see_private", listing)

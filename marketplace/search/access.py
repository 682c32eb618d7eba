"""Who may see a listing's stored matches, registered with `can(user, "see_matches", listing)`.

A demand's matches name the listings that could meet it, so they are for its owner and for those
who see hidden names anyway (the bureau, verified brokers); a result's or patent's matching
demands are for its owner only.
"""

from marketplace.common.i18n import N_
from marketplace.common.permissions import object_rule
from marketplace.listings.models import Demand, Patent, ResearchResult, sees_every_hidden_name

ACTION = "see_matches"

# Who may, in the message of a refusal.
MATCH_VIEWERS = {
    "demand": N_("需求发布单位、经认证的技术经纪机构和科技局"),
    "result": N_("成果发布单位"),
    "patent": N_("专利发布单位"),
}


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


@object_rule(Demand, ACTION)
def may_see_demand_matches(user, demand: Demand) -> bool:
    return _signed_in(user) and (demand.is_owned_by(user) or sees_every_hidden_name(user))


@object_rule(ResearchResult, ACTION)
@object_rule(Patent, ACTION)
def may_see_listing_matches(user, listing) -> bool:
    return _signed_in(user) and listing.is_owned_by(user)

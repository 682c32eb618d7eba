"""Who may use the search routes (see tests/test_permissions.py)."""

from marketplace.extensions import db
from marketplace.search.models import SearchTerm
from tests.permission_roles import ANY, AUTH, BUREAU
from tests.search.factories import make_demand, make_patent, make_result

DEMAND_VIEWERS = frozenset({"enterprise", "broker", "bureau", "admin"})
OWNER = frozenset({"university"})

RULES = {
    "search.index": ("GET", "/search/?q=锂电池", ANY),
    "search.matches": ("GET", "/search/matches/demand/{s_demand}", DEMAND_VIEWERS),
    "search.dismiss_match": ("POST", "/search/matches/demand/{s_demand}/dismiss", DEMAND_VIEWERS),
    "search.digest_preferences": ("POST", "/search/digest", AUTH),
    "search.terms": ("GET", "/search/terms", BUREAU),
    "search.delete_term": ("POST", "/search/terms/{s_term}/delete", BUREAU),
    "search.reindex": ("POST", "/search/reindex", BUREAU),
    "api.search": ("GET", "/api/v1/search?q=锂电池", ANY),
    "api.demand_matches": ("GET", "/api/v1/demands/{s_demand}/matches", DEMAND_VIEWERS),
    "api.result_matches": ("GET", "/api/v1/results/{s_result}/matches", OWNER),
    "api.patent_matches": ("GET", "/api/v1/patents/{s_patent}/matches", OWNER),
}


def setup(users):
    demand = make_demand(users["enterprise"].organisation, hide_name=True)
    result = make_result(users["university"].organisation)
    patent = make_patent(users["university"].organisation)
    term = SearchTerm(term="钙钛矿叠层电池")
    db.session.add(term)
    db.session.commit()
    return {"s_demand": demand.id, "s_result": result.id, "s_patent": patent.id, "s_term": term.id}

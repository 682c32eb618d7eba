"""The listing pages show stored matches to the right people and record them for the funnel."""

from sqlalchemy import func, select

from marketplace.deals.models import MatchShown
from marketplace.extensions import db
from tests.factories import login, make_user
from tests.search.factories import make_demand, make_result


def test_demand_page_shows_matches_to_its_owner_and_counts_them(app, client):
    with app.app_context():
        university = make_user("university")
        enterprise = make_user("enterprise")
        result = make_result(university.organisation, title="锂离子电池低温电解液配方")
        demand = make_demand(enterprise.organisation, title="寻求锂离子电池低温电解液技术", hide_name=True)
        result_id, demand_id = result.id, demand.id
        login(client, enterprise)
    page = client.get(f"/demands/{demand_id}").get_data(as_text=True)
    assert "匹配的科技成果与专利" in page and f"/results/{result_id}" in page
    with app.app_context():
        shown = db.session.scalar(select(func.count(MatchShown.id)).where(MatchShown.demand_id == demand_id))
        assert shown == 1
    # Someone who may not see the matches gets the page without them, and nothing is recorded.
    anonymous = app.test_client().get(f"/demands/{demand_id}").get_data(as_text=True)
    assert "匹配的科技成果与专利" not in anonymous and "某企业" in anonymous
    assert enterprise.organisation.name not in anonymous


def test_result_page_shows_matching_demands_only_to_its_owner(app, client):
    with app.app_context():
        university = make_user("university")
        enterprise = make_user("enterprise")
        result = make_result(university.organisation, title="锂离子电池低温电解液配方")
        demand = make_demand(enterprise.organisation, title="寻求锂离子电池低温电解液技术")
        result_id, demand_id = result.id, demand.id
        login(client, university)
    owner_page = client.get(f"/results/{result_id}").get_data(as_text=True)
    assert f"/demands/{demand_id}" in owner_page
    other = app.test_client()
    with app.app_context():
        login(other, enterprise)
    assert f"/demands/{demand_id}" not in other.get(f"/results/{result_id}").get_data(as_text=True)

"""Search filters offer only values present in the results, with counts, and never a hidden owner."""

from flask_login import AnonymousUserMixin
from werkzeug.datastructures import MultiDict

from marketplace.search.facets import facet_counts
from marketplace.search.services import parse_search_args, search
from tests.factories import make_org, make_user
from tests.search.factories import make_demand, make_patent, make_result


def _views(args: dict, user=None):
    params = parse_search_args(MultiDict(args))
    return params, {v.facet.param: v for v in facet_counts(params, user or AnonymousUserMixin())}


def _world():
    east = make_org("university", district="130102", name="长安区大学")
    west = make_org("enterprise", district="130104", name="桥西区企业")
    make_patent(east, title="一种光伏清洗装置", patent_type="utility_model", legal_status="valid")
    make_patent(
        east, title="一种光伏逆变器", patent_type="invention", legal_status="pending", ipc_codes=["H02M 7/48"]
    )
    make_result(east, title="光伏组件回收技术", technology_field="新能源与高效节能", maturity=6)
    make_demand(west, title="寻求光伏板除尘方案", technology_field="新能源与高效节能")
    return east, west


def test_only_present_values_are_offered_and_each_keeps_its_count(app_ctx):
    _world()
    params, views = _views({"q": "光伏"})
    types = {o.value: o.count for o in views["patent_type"].options}
    assert types == {"utility_model": 1, "invention": 1}  # no 外观设计: none in the results
    assert {o.value: o.count for o in views["legal_status"].options} == {"valid": 1, "pending": 1}
    assert {o.value for o in views["maturity"].options} == {6}
    assert {o.value: o.count for o in views["region"].options} == {"130102": 3, "130104": 1}
    # Every offered value, applied, lists exactly its count: no filter empties the list.
    for view in views.values():
        for option in view.options:
            chosen = parse_search_args(MultiDict({"q": "光伏", view.facet.arg: str(option.value)}))
            assert search(chosen, AnonymousUserMixin()).page.total == option.count, (view.facet.arg, option)


def test_counts_follow_the_other_filters_and_keep_the_chosen_value(app_ctx):
    _world()
    _params, views = _views({"q": "光伏", "patent_type": "invention"})
    assert {o.value: o.count for o in views["legal_status"].options} == {"pending": 1}
    # The chosen filter still offers its alternatives (counted without itself).
    assert {o.value for o in views["patent_type"].options} == {"invention", "utility_model"}
    assert [o.value for o in views["patent_type"].options if o.selected] == ["invention"]
    _params, views = _views({"q": "光伏", "type": "result"})
    assert views["patent_type"].options == [] and views["legal_status"].options == []


def test_a_hidden_owner_is_not_counted_in_the_region_filter(app_ctx):
    secret = make_org("enterprise", district="130108", name="保密裕华企业")
    make_demand(secret, title="寻求光伏支架防腐方案", hide_name=True, technology_field="先进制造")
    make_result(
        make_org("university", district="130102"), title="光伏支架防腐涂层", technology_field="先进制造"
    )
    _params, views = _views({"q": "光伏支架"})
    assert {o.value for o in views["region"].options} == {"130102"}
    # Filters that say nothing about the owner still count the demand.
    assert {o.value: o.count for o in views["field"].options} == {"先进制造": 2}
    bureau = make_user("bureau")
    _params, views = _views({"q": "光伏支架"}, bureau)
    assert {o.value for o in views["region"].options} == {"130102", "130108"}


def test_search_page_shows_counts_and_omits_absent_values(client, app):
    with app.app_context():
        _world()
    page = client.get("/search/?q=光伏").get_data(as_text=True)
    assert "实用新型（1）" in page and "发明（1）" in page
    assert "外观设计" not in page
    assert "data-autosubmit" in page

"""List pages offer only filter values present in the list, with counts, and never count a hidden owner."""

import re

from tests.listings.conftest import signin
from tests.listings.factories import make_demand, make_patent, make_result


def _options(page: str, name: str) -> dict[str, int]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if select is None:
        return {}
    return {
        value: int(count)
        for value, count in re.findall(
            r'<option value="([^"]+)"[^>]*>[^<]*（(\d+)）</option>', select.group(1)
        )
    }


def _rows(page: str) -> int:
    return page.count('class="list-group-item"')


def test_patent_filters_offer_present_values_and_none_empties_the_list(client, people):
    org = people["university"].organisation
    make_patent(org, title="甲", patent_type="invention", legal_status="valid", application_number=None)
    make_patent(org, title="乙", patent_type="utility_model", legal_status="valid", application_number=None)
    make_patent(org, title="丙", patent_type="utility_model", legal_status="lapsed", application_number=None)
    make_patent(org, title="草稿", patent_type="design", status="draft", application_number=None)
    page = client.get("/patents").get_data(as_text=True)
    assert _options(page, "type") == {"invention": 1, "utility_model": 2}  # the draft design is not listed
    assert _options(page, "legal") == {"valid": 2, "lapsed": 1}
    for name in ("type", "legal"):
        for value, count in _options(page, name).items():
            assert _rows(client.get(f"/patents?{name}={value}").get_data(as_text=True)) == count
    # Under a chosen type, the other filter counts only within it; the chosen one keeps its alternatives.
    page = client.get("/patents?type=utility_model").get_data(as_text=True)
    assert _options(page, "legal") == {"valid": 1, "lapsed": 1}
    assert _options(page, "type") == {"invention": 1, "utility_model": 2}
    assert "外观设计" not in page


def test_result_maturity_and_field_counts(client, people):
    org = people["university"].organisation
    make_result(org, title="一", maturity=6)
    make_result(org, title="二", maturity=6, technology_field="先进制造")
    make_result(org, title="三", maturity=3)
    page = client.get("/results?maturity=6").get_data(as_text=True)
    assert _rows(page) == 2
    assert _options(page, "field") == {"先进制造": 1, "新材料及其应用": 1}
    assert _options(page, "maturity") == {"3": 1, "6": 2}


def test_a_hidden_demand_is_not_counted_under_its_owner(client, people):
    secret = people["enterprise"].organisation
    make_demand(secret, title="保密的需求", hide_name=True, technology_field="先进制造")
    make_demand(people["rival"].organisation, title="公开的需求", technology_field="电子信息")
    page = client.get(f"/demands?org={secret.id}").get_data(as_text=True)
    assert _rows(page) == 0 and _options(page, "field") == {} and "（1）" not in page
    # Without the owner filter the demand is listed (as 某企业) and counted.
    page = client.get("/demands").get_data(as_text=True)
    assert _options(page, "field") == {"先进制造": 1, "电子信息": 1}
    assert _options(page, "state") == {"active": 2}
    signin(client, people["bureau"])
    page = client.get(f"/demands?org={secret.id}").get_data(as_text=True)
    assert _rows(page) == 1 and _options(page, "field") == {"先进制造": 1}

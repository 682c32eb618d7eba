"""The statistics pages in English: no Chinese in the interface, the charts' words in English, and
the exports in Chinese whatever the interface language."""

import json
import re
from datetime import date

import pytest

from marketplace.extensions import db
from tests.english import chinese_left as han_in
from tests.factories import login, make_user
from tests.stats.factories import make_fact


@pytest.fixture
def facts(app):
    """Registered contracts in 2025, with parties named in English."""
    with app.app_context():
        make_fact(
            registered_on=date(2025, 3, 15),
            contract_type="transfer",
            subtype="patent_right",
            seller_name="Hebei University of Science and Technology",
            buyer_name="Beijing Battery Co.",
            buyer_region_code="110108",
            registration_number="2025130104010001",
        )
        make_fact(
            registered_on=date(2025, 6, 1),
            seller_name="Shijiazhuang Institute of Materials",
            buyer_name="Tianjin Pharma Ltd.",
            buyer_region_code="120101",
            district="130102",
        )
        db.session.commit()


@pytest.fixture
def english_bureau(app, client):
    with app.app_context():
        user = make_user("bureau", name="Zhao Lei")
        user.organisation.name = "Shijiazhuang Science and Technology Bureau"
        db.session.commit()
    login(client, user)
    client.post("/language", data={"language": "en"})
    return user


def chart_words(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="stats-labels">(.*?)</script>', page, re.S)
    assert found, "the page passes the charts' words to stats.js"
    return json.loads(found.group(1))


def chart_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="stats-data">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_public_page_is_english(client, facts):
    client.post("/language", data={"language": "en"})
    response = client.get("/stats")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert han_in(page) == []
    assert "Transfer news" in page and "Total technology trade target progress" in page
    words = chart_words(page)
    assert words["path"] == "Target path" and words["unit"] == "10k yuan"
    assert not any(re.search(r"[\u4e00-\u9fff]", value) for value in words.values())


def test_dashboard_is_english_with_english_chart_labels(client, facts, english_bureau):
    response = client.get("/bureau/stats/", query_string={"from": "2025-01-01", "to": "2025-12-31"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert han_in(page) == []
    assert "By contract type (Contract value, 10k yuan)" in page
    assert "Hebei University of Science and Technology" in page  # what people wrote stays as written
    charts = chart_data(page)
    types = [row["label"] for row in charts["breakdowns"]["by_type"]]
    assert types[:2] == ["Technology development", "Technology transfer"]
    assert [row["label"] for row in charts["breakdowns"]["by_seller_nature"]][0] == "Universities"
    assert chart_words(page)["cumulative"] == "Achieved (cumulative)"


def test_the_dashboard_cache_keeps_chinese_labels_for_chinese_readers(app, client, facts, english_bureau):
    app.config["STATS_CACHE_SECONDS"] = 300
    client.get("/bureau/stats/")  # English first, so the figures are cached by an English request
    client.post("/language", data={"language": "zh_CN"})
    page = client.get("/bureau/stats/").get_data(as_text=True)
    assert [row["label"] for row in chart_data(page)["breakdowns"]["by_type"]][:2] == ["技术开发", "技术转让"]
    assert "按合同类别（合同成交额，万元）" in page


def test_a_filter_error_is_in_english(client, facts, english_bureau):
    response = client.get("/bureau/stats/", query_string={"from": "2025-13-01", "to": "2025-12-31"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Dates are written YYYY-MM-DD, e.g. 2025-01-31" in page
    assert 'value="2025-13-01"' in page
    assert han_in(page) == []


def test_targets_page_is_english_and_says_so_when_saved(client, english_bureau):
    response = client.get("/bureau/stats/targets")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert han_in(page) == []
    assert "City plan targets" in page and "Total technology trade target (10k yuan)" in page
    form = {
        "trade_target": "1000000",
        "target_basis": "technical_amount",
        "period_start": "2024-01-01",
        "period_end": "2027-12-31",
        "major_projects_target": "100",
        "major_threshold": "1000",
        "institutions_target": "38",
        "jjj_platform_target": "1",
        "jj_base_target": "2",
        "talent_base_target": "1",
        "patents_per_10k_target": "8",
        "note": "Plan review",
    }
    saved = client.post("/bureau/stats/targets", data=form, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert "Targets saved" in page
    assert "Technology trade value" in page  # the changed basis, in the history
    assert han_in(page) == []
    bad = client.post("/bureau/stats/targets", data={**form, "major_projects_target": "many"})
    assert bad.status_code == 422
    assert "Enter a whole number of zero or more, e.g. 38" in bad.get_data(as_text=True)


def test_exports_stay_chinese_with_english_chosen(client, facts, english_bureau):
    period = {"from": "2025-01-01", "to": "2025-12-31"}
    contracts = client.get("/bureau/stats/export/contracts.csv", query_string=period).data.decode("utf-8")
    assert contracts.lstrip("\ufeff").startswith("登记号,登记日期,合同类别")
    assert "技术转让" in contracts and "Technology transfer" not in contracts
    summary = client.get("/bureau/stats/export/summary.csv", query_string=period).data.decode("utf-8")
    assert "合计,全部登记合同" in summary and "高校" in summary
    assert not re.search(r"Technology|Universities|Total", summary)

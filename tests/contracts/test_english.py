"""The contract pages in English: no Chinese in the interface, errors in English, the API in Chinese.

The data is written in English (organisation, project and user names), so any Chinese left on a
page is interface text that was not translated.
"""

import pytest
from flask_babel import force_locale

from marketplace.contracts import services
from marketplace.extensions import db
from marketplace.notices.models import Notice
from tests.contracts.factories import make_point, make_reviewer, outside_party, payload, pdf_upload
from tests.english import chinese_left as han_in
from tests.factories import login, make_org, make_user


@pytest.fixture
def english(app_ctx):
    """Filer, reviewer and a registered and a submitted contract, all named in English."""
    seller_org = make_org("university", name="Hebei University of Science and Technology")
    buyer_org = make_org("enterprise", name="Shijiazhuang Pharma Co.")
    seller = make_user(org=seller_org, name="Li Ming")
    buyer = make_user(org=buyer_org, name="Wang Fang")
    point = make_point("130104", "07", "Qiaoxi Registration Point")
    bureau = make_org("bureau", name="Municipal Science and Technology Bureau")
    reviewer = make_reviewer(point, name="Zhao Lei", org=bureau)
    parties = {"seller": {"org_id": seller_org.id}, "buyer": {"org_id": buyer_org.id}}
    registered = services.create_contract(
        seller,
        payload(
            **parties,
            project_name="Cathode material process transfer",
            deductions=[{"category": "equipment", "description": "Two furnaces", "amount_fen": 10_000_00}],
        ),
    )
    db.session.commit()
    services.add_attachment(seller, registered, pdf_upload())
    services.submit_contract(seller, registered)
    services.approve_contract(reviewer, registered)
    db.session.commit()
    submitted = services.create_contract(seller, payload(**parties, project_name="Battery recycling line"))
    db.session.commit()
    services.add_attachment(seller, submitted, pdf_upload())
    services.submit_contract(seller, submitted)
    db.session.commit()
    return {
        "seller": seller,
        "buyer": buyer,
        "reviewer": reviewer,
        "registered": registered,
        "submitted": submitted,
    }


def as_english(client, user) -> None:
    login(client, user)
    client.post("/language", data={"language": "en"})


def test_filer_pages_have_no_chinese_in_english(english, client):
    as_english(client, english["seller"])
    registered, submitted = english["registered"], english["submitted"]
    pages = {
        "list": "/contracts",
        "drafts": "/contracts?status=draft",
        "new": "/contracts/new",
        "registered": f"/contracts/{registered.id}",
        "submitted": f"/contracts/{submitted.id}",
        "certificate": f"/contracts/{registered.id}/certificate",
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert han_in(response.get_data(as_text=True)) == [], name
    page = client.get(f"/contracts/{registered.id}").get_data(as_text=True)
    assert "Technology transfer · Patent right transfer" in page
    assert "Grant registration" in page  # the timeline's approval, in English
    assert "Registration number " + registered.registration_number in page


def test_bureau_pages_have_no_chinese_in_english(english, client):
    as_english(client, english["reviewer"])
    submitted = english["submitted"]
    for url in (
        "/bureau/contracts",
        "/bureau/contracts?status=all",
        f"/contracts/{submitted.id}",
        "/bureau/registration-points",
        "/bureau/contract-calendar",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert han_in(response.get_data(as_text=True)) == [], url
    queue = client.get("/bureau/contracts").get_data(as_text=True)
    assert "Technology contract review queue" in queue and "Battery recycling line" in queue
    review = client.get(f"/contracts/{submitted.id}").get_data(as_text=True)
    assert "Reasons for refusal (choose one or more)" in review
    assert "The contract is invalid or not yet in force" in review


def test_a_form_error_is_in_english_and_keeps_what_was_typed(english, client):
    as_english(client, english["seller"])
    buyer = outside_party("120000", name="Tianjin Green Tech Ltd.")
    data = {
        "project_name": "",
        "type_subtype": "development:commissioned",
        "signed_on": "2026-05-06",
        "valid_from": "2026-05-06",
        "valid_to": "2027-05-05",
        "seller-kind": "platform",
        "seller-org_id": str(english["seller"].organisation_id),
        "buyer-kind": "outside",
        "buyer-name": buyer["name"],
        "buyer-credit_code": buyer["credit_code"],
        "buyer-region_code": "120000",
        "buyer-nature_code": "170",
        "buyer-country": "CHN",
        "technology_field": "电子信息",
        "ip_type": "technical_secret",
        "unit": "wan",
        "contract_amount": "120.5",
    }
    response = client.post("/contracts/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please enter the project name" in page
    assert "Please correct the following and submit again:" in page
    assert 'value="Tianjin Green Tech Ltd."' in page and 'value="120.5"' in page
    assert han_in(page) == []


def test_a_service_error_is_flashed_in_english(english, client):
    as_english(client, english["seller"])
    contract = english["registered"]
    response = client.post(f"/contracts/{contract.id}/submit", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Only a draft or a contract awaiting correction can be submitted for registration" in page
    assert han_in(page) == []


def test_the_same_pages_stay_chinese_by_default(english, client):
    login(client, english["seller"])
    page = client.get(f"/contracts/{english['registered'].id}").get_data(as_text=True)
    assert "合同信息（第 1 版 · 已登记）" in page
    assert "技术转让 · 专利权转让" in page
    assert "准予登记" in page and "准予登记，登记号" in page  # the stored audit summary, as written
    response = client.post("/contracts/new", data={"project_name": ""})
    assert "请填写项目名称" in response.get_data(as_text=True)


def test_the_api_answers_in_chinese_with_english_chosen(english, client):
    from marketplace.accounts.services import create_api_token

    token = create_api_token(english["seller"], "test")
    db.session.commit()
    as_english(client, english["seller"])
    response = client.post(
        "/api/v1/contracts",
        json=payload(seller={"org_id": english["seller"].organisation_id}, project_name=""),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == "合同信息有误，请按提示修改"
    assert error["fields"]["project_name"] == "请填写项目名称"


def test_review_notices_are_stored_in_chinese_and_read_in_english(english, app):
    contract = english["submitted"]
    services.refuse_contract(english["reviewer"], contract, ["unclear_terms"], "The price is missing.")
    db.session.commit()
    notice = db.session.scalars(
        db.select(Notice).where(Notice.organisation_id == english["seller"].organisation_id)
    ).all()[-1]
    assert notice.title == "《Battery recycling line》不予登记"
    assert notice.body == "主体、标的、价款或报酬不明确。The price is missing."
    with app.test_request_context(), force_locale("en"):
        assert notice.shown_title == '"Battery recycling line" refused registration'
        assert notice.shown_body.endswith(". The price is missing.")

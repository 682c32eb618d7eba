"""登记技术合同 from a deal on the web: the form is pre-filled and cites the deal; approval moves it on."""

from sqlalchemy import select

from marketplace.contracts import services
from marketplace.contracts.models import TechContract
from marketplace.deals import funnel
from marketplace.deals.models import Deal
from marketplace.extensions import db
from tests.contracts.factories import pdf_upload
from tests.deals.factories import accept, make_result, send
from tests.factories import login, make_user


def _deal(cast, **listing):
    result = make_result(cast.seller, price_fen=150_0000_00, **listing)
    inquiry = send(cast.broker, result, on_behalf_of_org_id=cast.buyer.organisation_id)
    return accept(cast.seller, inquiry), result


def test_the_deal_page_offers_registration_to_parties_and_broker(cast, client):
    deal, _ = _deal(cast)
    for user in (cast.broker, cast.seller, cast.buyer):
        login(client, user)
        page = client.get(f"/deals/{deal.id}").get_data(as_text=True)
        assert f"/contracts/new?deal={deal.id}" in page and "登记技术合同" in page


def test_filing_from_a_deal_registers_and_moves_the_funnel(cast, client):
    deal, result = _deal(cast)
    login(client, make_user("broker"))  # a stranger gets neither the pre-fill nor the deal in the picker
    assert f"对接 #{deal.id}" not in client.get(f"/contracts/new?deal={deal.id}").get_data(as_text=True)
    login(client, cast.broker)
    form = client.get(f"/contracts/new?deal={deal.id}").get_data(as_text=True)
    assert result.title in form
    assert f'<option selected value="{deal.id}">' in form
    assert f'<option selected value="{cast.seller.organisation_id}">' in form
    assert 'value="150"' in form  # the listing's reference price, in 万元
    data = {
        "project_name": result.title,
        "type_subtype": "transfer:technical_secret",
        "signed_on": "2026-05-06",
        "valid_from": "2026-05-06",
        "valid_to": "2027-05-05",
        "seller-kind": "platform",
        "seller-org_id": str(cast.seller.organisation_id),
        "buyer-kind": "platform",
        "buyer-org_id": str(cast.buyer.organisation_id),
        "technology_field": "新材料及其应用",
        "ip_type": "technical_secret",
        "unit": "wan",
        "contract_amount": "150",
        "deal_id": str(deal.id),
    }
    assert client.post("/contracts/new", data=data).status_code == 302
    contract = db.session.scalars(select(TechContract)).one()
    assert contract.deal_id == deal.id
    services.add_attachment(cast.broker, contract, pdf_upload())
    services.submit_contract(cast.broker, contract)
    services.approve_contract(cast.reviewer, contract)
    db.session.commit()
    deal = db.session.get(Deal, deal.id)
    assert deal.stage == "contracted" and deal.broker_credited and deal.contract_id == contract.id
    report = funnel.compute_funnel(contract.registered_on.year)
    assert report.totals["contracted"] == 1

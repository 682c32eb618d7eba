"""A registered contract that cites a deal moves the deal to `contracted` and credits the broker."""

from marketplace.deals.models import Deal
from marketplace.extensions import db
from tests.contracts.conftest import platform_payload
from tests.contracts.factories import make_contract, registered_contract
from tests.deals.factories import accept, make_result, send


def test_registration_moves_the_cited_deal_to_contracted(cast):
    result = make_result(cast.seller)
    inquiry = send(cast.broker, result, on_behalf_of_org_id=cast.buyer.organisation_id)
    deal = accept(cast.seller, inquiry)
    assert deal.broker_org_id == cast.broker.organisation_id and deal.stage == "contact"

    data = platform_payload(cast, deal_id=deal.id, result_ids=[result.id])
    contract = make_contract(cast.broker, data, submit=True)
    assert db.session.get(Deal, deal.id).stage == "contact"  # filing alone changes nothing

    from marketplace.contracts import services

    services.approve_contract(cast.reviewer, contract)
    db.session.commit()
    deal = db.session.get(Deal, deal.id)
    assert deal.stage == "contracted" and deal.contract_id == contract.id and deal.broker_credited


def test_registration_without_a_deal_touches_no_deal(cast):
    contract = registered_contract(cast.broker, cast.reviewer, platform_payload(cast))
    assert contract.status == "registered"
    assert db.session.scalar(db.select(db.func.count(Deal.id))) == 0

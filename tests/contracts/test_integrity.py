"""A contract cites only its own deal, and its payload is checked field by field (422, never 500)."""

from datetime import timedelta

import pytest

from marketplace.accounts.services import create_api_token
from marketplace.common.errors import ValidationError
from marketplace.common.timeutil import beijing_today
from marketplace.contracts import services
from marketplace.deals.models import Deal
from marketplace.extensions import db
from tests.contracts.conftest import platform_payload
from tests.contracts.factories import make_contract
from tests.deals.factories import accept, make_result, send
from tests.factories import make_user


@pytest.fixture
def deal(cast):
    result = make_result(cast.seller)
    inquiry = send(cast.broker, result, on_behalf_of_org_id=cast.buyer.organisation_id)
    return accept(cast.seller, inquiry)


def _headers(user):
    token = create_api_token(user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_api_refuses_a_deal_that_does_not_exist(cast, client):
    response = client.post(
        "/api/v1/contracts", json=platform_payload(cast, deal_id=999_999), headers=_headers(cast.broker)
    )
    assert response.status_code == 422
    assert "deal_id" in response.json["error"]["fields"]


def test_a_stranger_broker_cannot_cite_someone_elses_deal(cast, client, deal):
    stranger = make_user("broker")
    response = client.post(
        "/api/v1/contracts", json=platform_payload(cast, deal_id=deal.id), headers=_headers(stranger)
    )
    assert response.status_code == 422
    assert "deal_id" in response.json["error"]["fields"]
    # The deal's own broker may.
    ok = client.post(
        "/api/v1/contracts", json=platform_payload(cast, deal_id=deal.id), headers=_headers(cast.broker)
    )
    assert ok.status_code == 201, ok.json


def test_the_contract_parties_must_be_the_deals_parties(cast, client, deal):
    data = platform_payload(cast, deal_id=deal.id, buyer={"org_id": cast.outsider.organisation_id})
    response = client.post("/api/v1/contracts", json=data, headers=_headers(cast.broker))
    assert response.status_code == 422
    assert "deal_id" in response.json["error"]["fields"]


def test_an_amendment_cannot_move_a_contract_onto_a_foreign_deal(cast, deal):
    contract = make_contract(cast.broker, platform_payload(cast))
    other = make_result(cast.outsider)
    other_deal = accept(cast.outsider, send(cast.buyer, other))
    with pytest.raises(ValidationError) as caught:
        services.update_contract(cast.broker, contract, {"deal_id": other_deal.id})
    assert "deal_id" in caught.value.fields
    db.session.rollback()
    services.update_contract(cast.broker, contract, {"deal_id": deal.id})
    db.session.commit()
    assert contract.deal_id == deal.id


def test_a_deal_with_a_registered_contract_cannot_be_cited_again(cast, deal):
    first = make_contract(cast.broker, platform_payload(cast, deal_id=deal.id), submit=True)
    services.approve_contract(cast.reviewer, first)
    db.session.commit()
    assert db.session.get(Deal, deal.id).contract_id == first.id
    with pytest.raises(ValidationError) as caught:
        services.create_contract(cast.broker, platform_payload(cast, deal_id=deal.id))
    assert "deal_id" in caught.value.fields
    db.session.rollback()


WRONG_TYPES = [
    ("ip_type", {}),
    ("ip_type", ["invention_patent"]),
    ("contract_type", {}),
    ("subtype", []),
    ("technology_field", {"a": 1}),
    ("project_name", ["x"]),
    ("project_name", 12),
    ("signed_on", ["2026-01-01"]),
    ("valid_to", {}),
    ("contract_amount_fen", "100"),
    ("contract_amount_fen", 1.5),
    ("deal_id", "1"),
    ("deal_id", 2**64),
    ("demand_id", 2**64),
    ("patent_ids", [2**64]),
    ("deductions", {}),
    ("deductions", [{"category": {}, "description": "x", "amount_fen": 1}]),
    ("deductions", [{"category": "instruments", "description": ["x"], "amount_fen": 1}]),
    ("seller", {"org_id": 2**64}),
    ("seller", {"org_id": "1"}),
    ("buyer", {"name": ["x"], "credit_code": {}, "region_code": 1, "nature_code": [], "country": {}}),
]


def test_wrong_json_types_are_422_not_500(cast, client):
    headers = _headers(cast.broker)
    answers = {}
    for field, value in WRONG_TYPES:
        response = client.post(
            "/api/v1/contracts", json=platform_payload(cast, **{field: value}), headers=headers
        )
        fields = response.json.get("error", {}).get("fields", {}) if response.is_json else {}
        answers[(field, repr(value))] = (response.status_code, any(k.split(".")[0] == field for k in fields))
    assert {key: answer for key, answer in answers.items() if answer != (422, True)} == {}


def test_project_name_list_is_not_stored_as_a_repr(cast):
    with pytest.raises(ValidationError):
        services.create_contract(cast.broker, platform_payload(cast, project_name=["x"]))
    db.session.rollback()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"signed_on": "1979-12-31", "valid_from": "1980-01-01"}, "signed_on"),
        ({"valid_from": "2026-03-01", "valid_to": "2056-03-02"}, "valid_to"),
    ],
)
def test_contract_dates_are_within_range(cast, changes, field):
    with pytest.raises(ValidationError) as caught:
        services.create_contract(cast.broker, platform_payload(cast, **changes))
    assert field in caught.value.fields
    db.session.rollback()


def test_dates_on_the_edges_are_accepted_and_beyond_refused(cast):
    data = platform_payload(cast, signed_on="1980-01-01", valid_from="2026-03-01", valid_to="2056-03-01")
    assert services.create_contract(cast.broker, data).id
    data = platform_payload(cast, signed_on=beijing_today().isoformat())
    assert services.create_contract(cast.broker, data).id
    tomorrow = (beijing_today() + timedelta(days=1)).isoformat()
    for wrong in (
        {"signed_on": tomorrow},
        {"signed_on": "1979-12-31"},
        {"valid_from": "2026-03-01", "valid_to": "2056-03-02"},
    ):
        with pytest.raises(ValidationError):
            services.create_contract(cast.broker, platform_payload(cast, **wrong))
        db.session.rollback()


@pytest.mark.parametrize("side", ["seller", "buyer"])
def test_the_bureau_cannot_be_a_party(cast, side):
    data = platform_payload(cast, **{side: {"org_id": cast.reviewer.organisation_id}})
    with pytest.raises(ValidationError) as caught:
        services.create_contract(cast.broker, data)
    assert side in caught.value.fields
    db.session.rollback()

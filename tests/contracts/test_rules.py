"""Amount rules at their edges, who registers (Shijiazhuang, technology imports), party checks."""

import pytest

from marketplace.common.errors import ValidationError
from marketplace.contracts import services
from marketplace.contracts.models import ContractRevision
from marketplace.extensions import db
from tests.contracts.conftest import platform_payload
from tests.contracts.factories import foreign_party, make_contract, outside_party, payload
from tests.factories import make_user

FIFTY_YI_FEN = 5_000_000_000 * 100  # 50亿元 = 5,000,000,000 元


def fields_of(excinfo) -> dict:
    return excinfo.value.fields


def deduction(amount_fen: int, category: str = "equipment") -> dict:
    return {"category": category, "description": "购置检测设备一台", "amount_fen": amount_fen}


@pytest.mark.parametrize(
    ("amount", "deductions", "technical"),
    [
        (1, [], 1),  # one 分 is a valid amount
        (1_000_000_00, [], 1_000_000_00),  # no deductions: 技术交易额 = 成交额
        (1_000_000_00, [deduction(1_000_000_00)], 0),  # deductions equal to the amount
        (1_000_000_00, [deduction(600_000_00), deduction(399_999_99, "materials")], 1),
        (FIFTY_YI_FEN, [deduction(1)], FIFTY_YI_FEN - 1),  # 50亿元, exact to the 分
    ],
)
def test_technical_amount_is_computed_exactly(cast, amount, deductions, technical):
    contract = make_contract(
        cast.broker, platform_payload(cast, contract_amount_fen=amount, deductions=deductions)
    )
    db.session.expire_all()
    revision = db.session.get(ContractRevision, contract.pending_revision_id)
    assert revision.contract_amount_fen == amount
    assert revision.technical_amount_fen == technical
    assert isinstance(revision.technical_amount_fen, int)


def test_zero_contract_amount_is_refused(cast):
    with pytest.raises(ValidationError) as excinfo:
        services.create_contract(cast.broker, platform_payload(cast, contract_amount_fen=0))
    assert "大于 0" in fields_of(excinfo)["contract_amount_fen"]


def test_deductions_one_fen_over_the_amount_are_refused(cast):
    data = platform_payload(cast, contract_amount_fen=1_000_000_00, deductions=[deduction(1_000_000_01)])
    with pytest.raises(ValidationError) as excinfo:
        services.create_contract(cast.broker, data)
    assert "超过合同成交额" in fields_of(excinfo)["deductions"]


@pytest.mark.parametrize("bad", [100.5, "10000", True, -1, None, 10**18])
def test_amounts_must_be_whole_fen(cast, bad):
    with pytest.raises(ValidationError) as excinfo:
        services.create_contract(cast.broker, platform_payload(cast, contract_amount_fen=bad))
    assert "contract_amount_fen" in fields_of(excinfo)


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"category": "travel", "description": "差旅", "amount_fen": 100}, "deductions.0.category"),
        ({"category": "parts", "description": "", "amount_fen": 100}, "deductions.0.description"),
        ({"category": "parts", "description": "零件", "amount_fen": 0}, "deductions.0.amount_fen"),
        ({"category": "parts", "description": "零件", "amount_fen": 1.5}, "deductions.0.amount_fen"),
    ],
)
def test_each_deduction_is_checked(cast, item, field):
    with pytest.raises(ValidationError) as excinfo:
        services.create_contract(cast.broker, platform_payload(cast, deductions=[item]))
    assert field in fields_of(excinfo)


def test_subtype_must_belong_to_the_type(cast):
    with pytest.raises(ValidationError) as excinfo:
        services.create_contract(
            cast.broker, platform_payload(cast, contract_type="license", subtype="patent_right")
        )
    assert "subtype" in fields_of(excinfo)


def test_seller_outside_shijiazhuang_is_refused_with_a_clear_message(cast):
    data = payload(
        seller=outside_party("110000", name="北京某研究院"), buyer={"org_id": cast.buyer.organisation_id}
    )
    with pytest.raises(ValidationError) as excinfo:
        services.create_contract(cast.broker, data)
    assert "不在石家庄市" in excinfo.value.message and "北京某研究院" in excinfo.value.message
    # A platform seller registered in Tianjin is refused the same way.
    tianjin = make_user("university")
    tianjin.organisation.district = "120000"
    db.session.commit()
    with pytest.raises(ValidationError, match="不在石家庄市"):
        services.create_contract(cast.broker, payload(seller={"org_id": tianjin.organisation_id}))


def test_shijiazhuang_seller_with_outside_buyer_is_accepted(cast):
    contract = make_contract(
        cast.seller, payload(seller={"org_id": cast.seller.organisation_id}, buyer=outside_party("120000"))
    )
    assert contract.current.registrant_org_id == cast.seller.organisation_id


def test_technology_import_is_registered_by_the_domestic_buyer(cast):
    data = payload(seller=foreign_party("DEU"), buyer={"org_id": cast.buyer.organisation_id})
    # The buying enterprise files its own import contract...
    contract = make_contract(cast.buyer, data)
    assert services.registrant_side(contract.current) == "buyer"
    assert contract.current.registrant_org_id == cast.buyer.organisation_id
    # ...and a Beijing buyer of an import cannot register here.
    with pytest.raises(ValidationError, match="国内买方"):
        services.create_contract(cast.broker, payload(seller=foreign_party(), buyer=outside_party("110000")))
    # Two foreign parties: nobody here can register it.
    with pytest.raises(ValidationError, match="境外"):
        services.create_contract(
            cast.broker, payload(seller=foreign_party(), buyer=foreign_party("USA", "Acme Inc"))
        )


def test_only_the_registering_party_or_a_broker_files(cast):
    # The buyer may not file a domestic contract: the seller registers it.
    with pytest.raises(ValidationError, match="不是该合同的登记方"):
        services.create_contract(cast.buyer, platform_payload(cast))
    # The seller may, and so may a broker on its behalf.
    assert make_contract(cast.seller, platform_payload(cast)).broker_id is None
    assert make_contract(cast.broker, platform_payload(cast)).broker_id == cast.broker.id


@pytest.mark.parametrize(
    ("party", "field"),
    [
        (
            {
                "name": "某公司",
                "credit_code": "91130100000000000X",
                "region_code": "130104",
                "nature_code": "150",
            },
            "seller.credit_code",
        ),
        ({"name": "某公司", "region_code": "130104", "nature_code": "150"}, "seller.credit_code"),
        (
            {
                "name": "某公司",
                "credit_code": None,
                "region_code": "1301",
                "nature_code": "150",
                "country": "CHN",
            },
            "seller.region_code",
        ),
        ({"name": "", "region_code": "130104", "nature_code": "150"}, "seller.name"),
        ({"name": "某公司", "nature_code": "150", "country": "germany"}, "seller.country"),
        ({"name": "某公司", "nature_code": "777", "country": "DEU"}, "seller.nature_code"),
        ({"org_id": 99999}, "seller"),
    ],
)
def test_outside_party_fields_are_checked(cast, party, field):
    with pytest.raises(ValidationError) as excinfo:
        services.create_contract(cast.broker, payload(seller=party))
    assert field in fields_of(excinfo)


def test_same_org_cannot_be_both_sides(cast):
    with pytest.raises(ValidationError) as excinfo:
        services.create_contract(
            cast.broker, platform_payload(cast, buyer={"org_id": cast.seller.organisation_id})
        )
    assert "buyer" in fields_of(excinfo)


def test_dates_are_checked(cast):
    from datetime import timedelta

    from marketplace.common.timeutil import beijing_today

    tomorrow = (beijing_today() + timedelta(days=1)).isoformat()
    cases = [
        ({"signed_on": tomorrow}, "signed_on"),
        ({"signed_on": "2026-02-30"}, "signed_on"),
        ({"valid_from": "2026-05-01", "valid_to": "2026-04-30"}, "valid_to"),
        ({"valid_to": None}, "valid_to"),
    ]
    for overrides, field in cases:
        with pytest.raises(ValidationError) as excinfo:
            services.create_contract(cast.broker, platform_payload(cast, **overrides))
        assert field in fields_of(excinfo), overrides


def test_linked_listings_must_be_public_or_the_parties_own(cast):
    from datetime import date

    from marketplace.listings.models import Demand, Patent, ResearchResult

    stranger = make_user("university")
    public = Patent(title="公开专利", organisation_id=stranger.organisation_id, status="published")
    hidden = Patent(title="他人草稿专利", organisation_id=stranger.organisation_id, status="draft")
    own = ResearchResult(title="卖方草稿成果", organisation_id=cast.seller.organisation_id, status="draft")
    demand = Demand(
        title="买方需求",
        organisation_id=cast.buyer.organisation_id,
        status="draft",
        deadline=date(2027, 1, 1),
    )
    db.session.add_all([public, hidden, own, demand])
    db.session.commit()
    data = platform_payload(cast, patent_ids=[public.id], result_ids=[own.id], demand_id=demand.id)
    contract = make_contract(cast.broker, data)
    revision = contract.current
    assert [p.title for p in revision.patents] == ["公开专利"]
    assert [r.title for r in revision.results] == ["卖方草稿成果"] and revision.demand_id == demand.id
    with pytest.raises(ValidationError) as excinfo:
        services.create_contract(cast.broker, platform_payload(cast, patent_ids=[hidden.id]))
    assert "未公开" in fields_of(excinfo)["patent_ids"]

"""Registered contracts reach the statistics exactly: registration, amendment and cancellation."""

from datetime import date

from marketplace.contracts import services
from marketplace.extensions import db
from marketplace.stats.facts import ContractFact
from marketplace.stats.queries import total_figure
from tests.contracts.conftest import platform_payload
from tests.contracts.factories import registered_contract

ALL_TIME = (date(2000, 1, 1), date(2100, 12, 31))


def _total():
    figure = total_figure(*ALL_TIME)
    return figure.count, figure.contract_amount_fen, figure.technical_amount_fen


def test_registration_amendment_and_cancellation_keep_the_totals_exact(cast, client):
    deduction = {"category": "equipment", "description": "中试设备一台", "amount_fen": 12_345_67}
    first = registered_contract(
        cast.broker,
        cast.reviewer,
        platform_payload(cast, contract_amount_fen=1_000_000_01, deductions=[deduction]),
    )
    second = registered_contract(
        cast.broker, cast.reviewer, platform_payload(cast, contract_amount_fen=5_000_00)
    )
    assert _total() == (2, 1_000_000_01 + 5_000_00, 1_000_000_01 - 12_345_67 + 5_000_00)
    fact = db.session.scalar(db.select(ContractFact).where(ContractFact.contract_id == first.id))
    assert fact.district == "130104" and fact.registration_number == first.registration_number
    assert fact.seller_nature_code == "022" and fact.broker_org_id == cast.broker.organisation_id

    # An amendment under review keeps the registered amounts counting; approval replaces them.
    services.open_amendment(cast.broker, second)
    db.session.commit()
    services.update_contract(cast.broker, second, platform_payload(cast, contract_amount_fen=7_000_00))
    services.submit_contract(cast.broker, second)
    db.session.commit()
    assert _total()[1] == 1_000_000_01 + 5_000_00
    services.approve_contract(cast.reviewer, second)
    db.session.commit()
    assert _total() == (2, 1_000_000_01 + 7_000_00, 1_000_000_01 - 12_345_67 + 7_000_00)

    services.cancel_contract(cast.reviewer, first, "合同已解除")
    db.session.commit()
    assert _total() == (1, 7_000_00, 7_000_00)
    assert db.session.scalar(db.select(ContractFact).where(ContractFact.contract_id == first.id)) is None

    # The export of registered contracts lists exactly what the totals count.
    from tests.factories import login

    login(client, cast.reviewer)
    from marketplace.common.timeutil import beijing_today

    today = beijing_today()
    csv = client.get(f"/bureau/stats/export/contracts.csv?from={today.replace(month=1, day=1)}&to={today}")
    text = csv.get_data(as_text=True)
    assert second.registration_number in text and first.registration_number not in text
    assert "7000.00" in text

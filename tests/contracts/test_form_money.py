"""The contract form keeps the unit it was typed in and asks before saving implausible amounts."""

import pytest
from sqlalchemy import select

from marketplace.contracts.models import TechContract
from marketplace.extensions import db
from tests.contracts.test_pages import form_data
from tests.factories import login, valid_credit_code


@pytest.fixture
def filer(cast, client):
    login(client, cast.broker)
    return cast


def _data(cast, **overrides):
    return form_data(cast, **{"buyer-credit_code": valid_credit_code(4343, "91120000"), **overrides})


def test_a_small_amount_asks_for_confirmation_and_keeps_what_was_typed(filer, client):
    response = client.post(
        "/contracts/new",
        data=_data(
            filer,
            unit="yuan",
            contract_amount="15",
            **{"deductions-0-amount": ""},
            **{"deductions-0-category": "", "deductions-0-description": ""},
        ),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "不足 1,000 元" in html and "我已核对金额和单位" in html
    assert 'value="15"' in html and "秸秆综合利用技术开发" in html
    assert db.session.scalars(select(TechContract)).first() is None
    confirmed = _data(filer, unit="yuan", contract_amount="15", confirm_amounts="y")
    confirmed.update({"deductions-0-amount": "", "deductions-0-category": "", "deductions-0-description": ""})
    assert client.post("/contracts/new", data=confirmed).status_code == 302
    assert db.session.scalars(select(TechContract)).one().current.contract_amount_fen == 1500


def test_over_ten_yi_asks_for_confirmation(filer, client):
    response = client.post("/contracts/new", data=_data(filer, unit="wan", contract_amount="150000"))
    assert response.status_code == 422 and "超过 10 亿元" in response.get_data(as_text=True)


def test_a_tenfold_edit_asks_and_the_form_reopens_in_wan(filer, client):
    assert client.post("/contracts/new", data=_data(filer)).status_code == 302
    contract = db.session.scalars(select(TechContract)).one()
    edit = client.get(f"/contracts/{contract.id}/edit").get_data(as_text=True)
    assert 'value="120.5"' in edit and "1205000.00" not in edit
    # 1205 万元 is ten times the saved 120.5 万元: a slip of the decimal point until confirmed.
    response = client.post(f"/contracts/{contract.id}/edit", data=_data(filer, contract_amount="1205"))
    assert response.status_code == 422 and "相差十倍以上" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TechContract, contract.id).current.contract_amount_fen == 120_5000_00
    # A small correction saves at once.
    assert (
        client.post(f"/contracts/{contract.id}/edit", data=_data(filer, contract_amount="121")).status_code
        == 302
    )
    db.session.expire_all()
    revision = db.session.get(TechContract, contract.id).current
    assert revision.contract_amount_fen == 121_0000_00 and revision.amount_unit == "wan"

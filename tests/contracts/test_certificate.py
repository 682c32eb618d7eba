"""The certificate prints money exactly and carries a verification code and QR; /verify checks it."""

import re
import urllib.parse

import pytest

from marketplace.common.timeutil import to_beijing
from marketplace.contracts import services
from marketplace.extensions import db
from tests.contracts.conftest import platform_payload
from tests.contracts.factories import registered_contract
from tests.factories import login


@pytest.fixture
def registered(cast):
    data = platform_payload(
        cast,
        contract_amount_fen=1_200_000_00,
        deductions=[{"category": "equipment", "description": "检测设备", "amount_fen": 185_000_07}],
    )
    return registered_contract(cast.broker, cast.reviewer, data)


def test_certificate_prints_wan_with_exact_yuan(cast, client, registered):
    login(client, cast.seller)
    page = client.get(f"/contracts/{registered.id}/certificate").get_data(as_text=True)
    assert "120.00 万元（1,200,000.00 元）" in page
    assert "101.50 万元（1,014,999.93 元）" in page
    assert "120.000000" not in page


def test_huge_amounts_stay_in_wan(cast, client):
    contract = registered_contract(
        cast.broker, cast.reviewer, platform_payload(cast, contract_amount_fen=10**13)
    )
    login(client, cast.seller)
    page = client.get(f"/contracts/{contract.id}/certificate").get_data(as_text=True)
    assert "10,000,000.00 万元（100,000,000,000.00 元）" in page


def test_review_page_shows_wan_and_exact_yuan(cast, client, registered):
    login(client, cast.reviewer)
    page = client.get(f"/contracts/{registered.id}").get_data(as_text=True)
    assert "120.00 万元（1,200,000.00 元）" in page
    assert "18.50 万元（185,000.07 元）" in page


def test_certificate_carries_code_and_qr_to_verify(cast, client, registered):
    code = registered.verification_code
    assert code and len(code) >= 8 and code.isalnum()
    login(client, cast.seller)
    page = client.get(f"/contracts/{registered.id}/certificate").get_data(as_text=True)
    assert code in page
    uri = re.search(r'src="(data:image/svg\+xml[^"]+)"', page).group(1)
    assert "segno" in urllib.parse.unquote(uri) and "<svg" in urllib.parse.unquote(uri)
    assert f"/verify?number={registered.registration_number}&amp;code={code}" in page


def test_codes_differ_between_contracts(cast):
    one = registered_contract(cast.broker, cast.reviewer, platform_payload(cast))
    two = registered_contract(cast.broker, cast.reviewer, platform_payload(cast))
    assert one.verification_code != two.verification_code


def test_verify_shows_what_the_certificate_prints(cast, client, registered):
    response = client.get(
        f"/verify?number={registered.registration_number}&code={registered.verification_code}"
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    revision = registered.registered_revision
    for text in (
        registered.registration_number,
        revision.project_name,
        "技术转让 · 专利权转让",
        revision.party("seller").name,
        revision.party("buyer").name,
        "120.00 万元（1,200,000.00 元）",
        "101.50 万元（1,014,999.93 元）",
        registered.registered_on.isoformat(),
        "桥西区技术合同登记点",
        "已登记",
    ):
        assert text in page, text


def _shape(page: str) -> str:
    body = page.split("<main", 1)[-1]
    return re.sub(r'value="[^"]*"', 'value=""', body)


def test_wrong_pairs_look_the_same_whether_or_not_the_number_exists(cast, client, registered):
    number = registered.registration_number
    answers = [
        client.get(f"/verify?number={number}&code=WRONGCODE2"),
        client.get("/verify?number=2026130104019999&code=WRONGCODE2"),
        client.get(f"/verify?number={number}"),
        client.get("/verify"),
        client.get(f"/verify?number={number}&code={registered.verification_code[:-1]}"),
    ]
    assert {a.status_code for a in answers} == {404}
    shapes = {_shape(a.get_data(as_text=True)) for a in answers}
    assert len(shapes) == 1
    assert "未找到该登记证明" in answers[0].get_data(as_text=True)
    assert registered.registered_revision.project_name not in answers[0].get_data(as_text=True)


def test_verify_shows_amendment_and_cancellation(cast, client, registered):
    services.open_amendment(cast.broker, registered)
    db.session.commit()
    services.update_contract(cast.broker, registered, {"project_name": "变更后的项目名称"})
    services.submit_contract(cast.broker, registered)
    services.approve_contract(cast.reviewer, registered)
    db.session.commit()
    url = f"/verify?number={registered.registration_number}&code={registered.verification_code}"
    page = client.get(url).get_data(as_text=True)
    assert "现为第 2 版" in page and "变更后的项目名称" in page
    services.cancel_contract(cast.reviewer, registered, "双方解除")
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    # The page shows the Beijing date: from 16:00 UTC it is the next day there.
    assert "已注销" in page and to_beijing(registered.cancelled_at).strftime("%Y-%m-%d") in page


def test_verify_is_rate_limited_per_client(cast, client, registered):
    statuses = [client.get("/verify?number=2026130104019999&code=GUESS2345").status_code for _ in range(12)]
    assert statuses[:10] == [404] * 10
    assert statuses[10:] == [429, 429]
    limited = client.get(
        f"/verify?number={registered.registration_number}&code={registered.verification_code}"
    )
    assert limited.status_code == 429 and "请一分钟后再试" in limited.get_data(as_text=True)
    other = client.get(
        f"/verify?number={registered.registration_number}&code={registered.verification_code}",
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert other.status_code == 200


@pytest.mark.committing
def test_parallel_checks_from_one_client_do_not_slip_past_the_limit(app):
    """Counting the checks made so far and then adding one let parallel guesses all see room."""
    import threading

    tries = 24
    barrier = threading.Barrier(tries)
    codes: list = [None] * tries

    def check(index):
        client = app.test_client()
        barrier.wait(timeout=30)
        codes[index] = client.get(f"/verify?number=2026130104019999&code=GUESS{index:04d}").status_code

    threads = [threading.Thread(target=check, args=(i,)) for i in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(codes) == [404] * 10 + [429] * (tries - 10), codes

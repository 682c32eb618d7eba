"""The contract pages: the form in 元/万元, attachments, visibility, review, certificate, bureau pages."""

import io
import re

import pytest
from sqlalchemy import select

from marketplace.contracts import services
from marketplace.contracts.models import (
    ContractAttachment,
    RegistrationPoint,
    RegistrationReviewer,
    TechContract,
)
from marketplace.extensions import db
from tests.contracts.conftest import platform_payload
from tests.contracts.factories import EXE, PDF, PNG, make_contract, registered_contract
from tests.factories import login, make_user


def form_data(cast, **overrides) -> dict:
    data = {
        "project_name": "秸秆综合利用技术开发",
        "type_subtype": "development:commissioned",
        "signed_on": "2026-05-06",
        "valid_from": "2026-05-06",
        "valid_to": "2027-05-05",
        "seller-kind": "platform",
        "seller-org_id": str(cast.seller.organisation_id),
        "buyer-kind": "outside",
        "buyer-name": "天津某环保科技有限公司",
        "buyer-credit_code": "91120000000000001X",
        "buyer-region_code": "120000",
        "buyer-nature_code": "170",
        "buyer-country": "CHN",
        "technology_field": "环境保护与资源综合利用",
        "ip_type": "technical_secret",
        "unit": "wan",
        "contract_amount": "120.5",
        "deductions-0-category": "equipment",
        "deductions-0-description": "购置发酵罐两台",
        "deductions-0-amount": "20.25",
        "deductions-1-category": "",
        "deductions-1-description": "",
        "deductions-1-amount": "",
        "patent_ids": "",
        "result_ids": "",
        "demand_id": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def buyer_code():
    from tests.factories import valid_credit_code

    return valid_credit_code(4242, "91120000")


def test_filing_through_the_form_in_wan(cast, client, buyer_code):
    login(client, cast.broker)
    assert client.get("/contracts/new").status_code == 200
    response = client.post("/contracts/new", data=form_data(cast, **{"buyer-credit_code": buyer_code}))
    assert response.status_code == 302, response.get_data(as_text=True)
    contract = db.session.scalars(select(TechContract)).one()
    revision = contract.current
    assert revision.contract_amount_fen == 120_5000_00  # 120.5万元 = 1,205,000 元
    assert revision.technical_amount_fen == 100_2500_00
    assert [(d.category, d.amount_fen) for d in revision.deductions] == [("equipment", 20_2500_00)]
    assert revision.buyer_name == "天津某环保科技有限公司" and revision.buyer_region_code == "120000"
    assert contract.broker_id == cast.broker.id
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "100.25 万元" in page and "创建草稿" in page
    # The edit form comes back in the unit it was typed in (万元), not in 元.
    edit = client.get(f"/contracts/{contract.id}/edit").get_data(as_text=True)
    assert 'value="120.5"' in edit and 'value="20.25"' in edit and "购置发酵罐两台" in edit
    assert re.search(r'<input checked[^>]*value="wan"', edit) and "data-unit-label>万元<" in edit


@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [
        ("12.345", "yuan", "最多两位小数"),
        ("一百万", "yuan", "金额格式不正确"),
        ("-5", "wan", "不能为负数"),
        ("1e6", "yuan", "金额格式不正确"),
        ("0", "yuan", "大于 0"),
    ],
)
def test_bad_amounts_are_refused_in_chinese_and_the_form_keeps_input(
    cast, client, buyer_code, amount, unit, message
):
    login(client, cast.broker)
    data = form_data(cast, contract_amount=amount, unit=unit, **{"buyer-credit_code": buyer_code})
    response = client.post("/contracts/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "秸秆综合利用技术开发" in html and "购置发酵罐两台" in html
    assert db.session.scalars(select(TechContract)).first() is None


def test_deductions_over_the_amount_are_refused_on_the_form(cast, client, buyer_code):
    login(client, cast.broker)
    data = form_data(
        cast, contract_amount="100", **{"deductions-0-amount": "100.01", "buyer-credit_code": buyer_code}
    )
    response = client.post("/contracts/new", data=data)
    assert response.status_code == 422 and "超过合同成交额" in response.get_data(as_text=True)


def test_fifty_yi_yuan_is_taken_exactly(cast, client, buyer_code):
    login(client, cast.broker)
    data = form_data(
        cast,
        unit="yuan",
        contract_amount="5,000,000,000",
        confirm_amounts="y",  # over 10 亿元 asks for confirmation first
        **{"deductions-0-amount": "0.01", "buyer-credit_code": buyer_code},
    )
    assert client.post("/contracts/new", data=data).status_code == 302
    revision = db.session.scalars(select(TechContract)).one().current
    assert revision.contract_amount_fen == 500_000_000_000
    assert revision.technical_amount_fen == 499_999_999_999


def test_form_refuses_outside_shijiazhuang(cast, client, buyer_code):
    login(client, cast.broker)
    data = form_data(
        cast,
        **{
            "seller-kind": "outside",
            "seller-name": "北京某大学",
            "seller-credit_code": buyer_code,
            "seller-region_code": "110000",
            "seller-nature_code": "022",
            "buyer-kind": "platform",
            "buyer-org_id": str(cast.buyer.organisation_id),
        },
    )
    response = client.post("/contracts/new", data=data)
    assert response.status_code == 422
    assert "不在石家庄市" in response.get_data(as_text=True)


def upload(client, contract_id, data: bytes, name: str):
    return client.post(
        f"/contracts/{contract_id}/attachments",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_attachments_are_checked_by_content_and_size(cast, client, app):
    contract = make_contract(cast.broker, platform_payload(cast), attach=False)
    login(client, cast.broker)
    assert "不是允许的格式" in upload(client, contract.id, EXE, "合同.pdf").get_data(as_text=True)
    app.config["CONTRACT_ATTACHMENT_MAX_BYTES"] = 1024
    assert "文件过大" in upload(client, contract.id, PDF + b"0" * 2048, "big.pdf").get_data(as_text=True)
    assert db.session.scalars(select(ContractAttachment)).all() == []
    assert "已上传" in upload(client, contract.id, PNG, "盖章页.png").get_data(as_text=True)
    item = db.session.scalars(select(ContractAttachment)).one()
    assert item.mimetype == "image/png" and "static" not in item.path
    with client.get(f"/contracts/{contract.id}/attachments/{item.id}") as served:
        assert served.status_code == 200 and served.data == PNG


def test_outsiders_get_403_on_every_contract_page(cast, client, app):
    contract = registered_contract(cast.broker, cast.reviewer, platform_payload(cast))
    attachment_id = contract.attachments[0].id
    outsider = app.test_client()
    login(outsider, cast.outsider)
    for url in (
        f"/contracts/{contract.id}",
        f"/contracts/{contract.id}/certificate",
        f"/contracts/{contract.id}/attachments/{attachment_id}",
        f"/contracts/{contract.id}/edit",
    ):
        assert outsider.get(url).status_code == 403, url
    assert "秸秆" not in outsider.get("/contracts").get_data(as_text=True)
    # The buyer (a party) sees it, but may not change it.
    login(client, cast.buyer)
    assert client.get(f"/contracts/{contract.id}").status_code == 200
    assert client.post(f"/contracts/{contract.id}/amend").status_code == 403


def test_review_through_the_pages_and_the_certificate(cast, client):
    contract = make_contract(
        cast.broker, platform_payload(cast, contract_amount_fen=123_4567_89), submit=True
    )
    login(client, cast.reviewer)
    queue = client.get("/bureau/contracts").get_data(as_text=True)
    assert "高性能锂电池正极材料制备技术转让" in queue
    client.post(f"/contracts/{contract.id}/review", data={"action": "start"})
    assert db.session.get(TechContract, contract.id).current.reviewer_id == cast.reviewer.id
    response = client.post(
        f"/contracts/{contract.id}/review", data={"action": "approve"}, follow_redirects=True
    )
    assert "已准予登记" in response.get_data(as_text=True)
    db.session.expire_all()
    contract = db.session.get(TechContract, contract.id)
    assert contract.status == "registered" and contract.registration_number
    certificate = client.get(f"/contracts/{contract.id}/certificate").get_data(as_text=True)
    assert contract.registration_number in certificate
    assert "123.46 万元（1,234,567.89 元）" in certificate and "技术合同登记证明" in certificate
    # The registering university may open and print it too.
    other = client.application.test_client()
    login(other, cast.seller)
    assert other.get(f"/contracts/{contract.id}/certificate").status_code == 200


def test_refusal_through_the_page_needs_reasons(cast, client):
    contract = make_contract(cast.broker, platform_payload(cast), submit=True)
    login(client, cast.reviewer)
    missing = client.post(
        f"/contracts/{contract.id}/review",
        data={"action": "refuse", "comment": "不符合"},
        follow_redirects=True,
    )
    assert "请至少选择一项" in missing.get_data(as_text=True)
    client.post(
        f"/contracts/{contract.id}/review",
        data={"action": "refuse", "reasons": ["name_mismatch", "unclear_terms"], "comment": "名称与内容不符"},
    )
    db.session.expire_all()
    assert db.session.get(TechContract, contract.id).status == "refused"
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "合同名称与内容不符" in page and "名称与内容不符" in page


def test_submitting_from_the_page(cast, client):
    contract = make_contract(cast.seller, platform_payload(cast))
    login(client, cast.seller)
    response = client.post(f"/contracts/{contract.id}/submit", follow_redirects=True)
    assert "已提交登记" in response.get_data(as_text=True)
    again = client.post(f"/contracts/{contract.id}/submit", follow_redirects=True)
    assert "只有草稿或待补正" in again.get_data(as_text=True)


def test_queue_filters_and_pagination(cast, client):
    for name, kind, subtype, amount in [
        ("开发甲", "development", "commissioned", 10_0000_00),
        ("转让乙", "transfer", "patent_right", 600_0000_00),
        ("服务丙", "service", "training", 50_0000_00),
    ]:
        make_contract(
            cast.broker,
            platform_payload(
                cast, project_name=name, contract_type=kind, subtype=subtype, contract_amount_fen=amount
            ),
            submit=True,
        )
    login(client, cast.reviewer)

    def names(query: str) -> set[str]:
        html = client.get(f"/bureau/contracts?{query}").get_data(as_text=True)
        return {n for n in ("开发甲", "转让乙", "服务丙") if n in html}

    assert names("") == {"开发甲", "转让乙", "服务丙"}
    assert names("type=transfer") == {"转让乙"}
    assert names("min_wan=20&max_wan=600") == {"转让乙", "服务丙"}
    assert names("status=registered") == set()
    bad = client.get("/bureau/contracts?min_wan=1.234").get_data(as_text=True)
    assert "最多两位小数" in bad
    first = client.get("/bureau/contracts?per_page=2").get_data(as_text=True)
    assert "共 3 条" in first and "下一页" in first


def test_my_contracts_and_dashboard(cast, client):
    make_contract(cast.broker, platform_payload(cast, project_name="草稿合同"))
    login(client, cast.broker)
    assert "草稿合同" in client.get("/contracts").get_data(as_text=True)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "技术合同登记" in dashboard and "合同登记" in dashboard
    bureau = client.application.test_client()
    login(bureau, cast.reviewer)
    html = bureau.get("/dashboard").get_data(as_text=True)
    assert "技术合同登记审核" in html and "登记审核" in html


def test_bureau_manages_points_and_reviewers(cast, client):
    login(client, cast.reviewer)
    response = client.post(
        "/bureau/registration-points",
        data={"name": "正定县技术合同登记点", "region_code": "130123", "point_code": "02", "active": "y"},
    )
    assert response.status_code == 302
    point = db.session.scalars(
        select(RegistrationPoint).where(RegistrationPoint.region_code == "130123")
    ).one()
    duplicate = client.post(
        "/bureau/registration-points",
        data={"name": "重复", "region_code": "130123", "point_code": "02", "active": "y"},
    )
    assert duplicate.status_code == 422 and "已有代码为 02" in duplicate.get_data(as_text=True)
    not_here = client.post(
        "/bureau/registration-points", data={"name": "北京", "region_code": "110000", "point_code": "01"}
    )
    assert not_here.status_code == 422
    client.post(
        "/bureau/registration-reviewers", data={"user_id": str(cast.unassigned.id), "point_id": str(point.id)}
    )
    assert db.session.get(RegistrationReviewer, cast.unassigned.id).point_id == point.id
    # Only bureau users can be reviewers.
    client.post(
        "/bureau/registration-reviewers", data={"user_id": str(cast.broker.id), "point_id": str(point.id)}
    )
    assert db.session.get(RegistrationReviewer, cast.broker.id) is None


def test_point_codes_are_frozen_once_numbers_are_issued(cast):
    registered_contract(cast.broker, cast.reviewer, platform_payload(cast))
    point = services.reviewer_point(cast.reviewer)
    from marketplace.common.errors import Conflict

    with pytest.raises(Conflict):
        services.save_point(
            cast.reviewer, {"name": point.name, "region_code": point.region_code, "point_code": "09"}, point
        )
    services.save_point(
        cast.reviewer,
        {
            "name": point.name,
            "region_code": point.region_code,
            "point_code": point.point_code,
            "active": False,
        },
        point,
    )
    assert point.active is False


def test_unverified_member_sees_the_form_but_cannot_submit(app_ctx, client, cast):
    member = make_user("enterprise", verified=False)
    login(client, member)
    assert client.get("/contracts/new").status_code == 200


def test_attachments_of_the_open_filing_can_be_removed(cast, client, app):
    from pathlib import Path

    contract = make_contract(cast.broker, platform_payload(cast))
    item = contract.attachments[0]
    stored = Path(app.config["UPLOAD_DIR"]) / item.path
    assert stored.exists()
    login(client, cast.buyer)
    assert client.post(f"/contracts/{contract.id}/attachments/{item.id}/delete").status_code == 403
    login(client, cast.broker)
    response = client.post(f"/contracts/{contract.id}/attachments/{item.id}/delete", follow_redirects=True)
    assert "已删除附件" in response.get_data(as_text=True)
    assert db.session.get(ContractAttachment, item.id) is None and not stored.exists()
    # Once submitted, the file the reviewer sees stays, even after the contract is sent back.
    upload(client, contract.id, PDF, "合同.pdf")
    services.submit_contract(cast.broker, contract)
    services.request_changes(cast.reviewer, contract, "请补充盖章页")
    db.session.commit()
    kept = db.session.scalars(select(ContractAttachment)).one()
    response = client.post(f"/contracts/{contract.id}/attachments/{kept.id}/delete", follow_redirects=True)
    assert "不能删除" in response.get_data(as_text=True)
    assert db.session.get(ContractAttachment, kept.id) is not None

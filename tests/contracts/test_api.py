"""The contracts API: field names, amounts in 分, the workflow, attachments and 403 for outsiders."""

import io

import pytest

from marketplace.accounts.services import create_api_token
from marketplace.extensions import db
from tests.contracts.conftest import platform_payload
from tests.contracts.factories import EXE, PDF, foreign_party


@pytest.fixture
def tokens(cast):
    raw = {
        name: create_api_token(getattr(cast, name), "test")
        for name in ("broker", "seller", "buyer", "outsider", "reviewer")
    }
    db.session.commit()
    return {name: {"Authorization": f"Bearer {value}"} for name, value in raw.items()}


def create(client, headers, data):
    return client.post("/api/v1/contracts", json=data, headers=headers)


def attach(client, headers, contract_id, data=PDF, name="contract.pdf"):
    return client.post(
        f"/api/v1/contracts/{contract_id}/attachments",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_full_workflow_over_the_api(cast, client, tokens):
    data = platform_payload(
        cast,
        deductions=[{"category": "instruments", "description": "示波器", "amount_fen": 12_345}],
        patent_ids=[],
        deal_id=None,
    )
    response = create(client, tokens["broker"], data)
    assert response.status_code == 201
    contract_id = response.json["id"]

    body = client.get(f"/api/v1/contracts/{contract_id}", headers=tokens["broker"]).json
    for key in (
        "project_name",
        "contract_type",
        "subtype",
        "signed_on",
        "valid_from",
        "valid_to",
        "seller",
        "buyer",
        "technology_field",
        "ip_type",
        "contract_amount_fen",
        "deductions",
        "technical_amount_fen",
        "status",
        "registration_number",
        "registered_on",
        "broker",
        "patent_ids",
        "result_ids",
        "demand_id",
        "deal_id",
    ):
        assert key in body, key
    assert body["status"] == "draft" and body["technical_amount_fen"] == 1_000_000_00 - 12_345
    assert body["seller"]["org_id"] == cast.seller.organisation_id and body["broker"]["id"] == cast.broker.id

    patched = client.patch(
        f"/api/v1/contracts/{contract_id}",
        json={"contract_amount_fen": 2_000_000_00},
        headers=tokens["broker"],
    )
    assert patched.status_code == 200 and patched.json["technical_amount_fen"] == 2_000_000_00 - 12_345
    read_only = client.patch(
        f"/api/v1/contracts/{contract_id}", json={"technical_amount_fen": 1}, headers=tokens["broker"]
    )
    assert read_only.status_code == 422 and read_only.json["error"]["code"] == "validation_error"

    no_file = client.post(f"/api/v1/contracts/{contract_id}/submit", headers=tokens["broker"])
    assert no_file.status_code == 422
    exe = attach(client, tokens["broker"], contract_id, EXE, "setup.pdf")
    assert exe.status_code == 422 and "不是允许的格式" in exe.json["error"]["message"]
    assert attach(client, tokens["broker"], contract_id).status_code == 201
    assert (
        client.post(f"/api/v1/contracts/{contract_id}/submit", headers=tokens["broker"]).json["status"]
        == "submitted"
    )

    # Only the bureau reviews.
    assert (
        client.post(
            f"/api/v1/contracts/{contract_id}/review", json={"action": "approve"}, headers=tokens["broker"]
        ).status_code
        == 403
    )
    bad = client.post(
        f"/api/v1/contracts/{contract_id}/review", json={"action": "stamp"}, headers=tokens["reviewer"]
    )
    assert bad.status_code == 422
    started = client.post(
        f"/api/v1/contracts/{contract_id}/review", json={"action": "start"}, headers=tokens["reviewer"]
    )
    assert started.json["status"] == "under_review"
    approved = client.post(
        f"/api/v1/contracts/{contract_id}/review",
        json={"action": "approve", "comment": ""},
        headers=tokens["reviewer"],
    )
    assert approved.status_code == 200
    assert approved.json["status"] == "registered" and len(approved.json["registration_number"]) == 16
    assert approved.json["registered_on"]

    # Registered: no more PATCH, but an amendment may be opened.
    locked = client.patch(
        f"/api/v1/contracts/{contract_id}", json={"project_name": "新名称"}, headers=tokens["broker"]
    )
    assert locked.status_code == 409
    amended = client.post(f"/api/v1/contracts/{contract_id}/amend", headers=tokens["seller"])
    assert amended.status_code == 201
    assert amended.json["revision"] == 2 and amended.json["revision_status"] == "draft"
    assert amended.json["registered_amounts"]["technical_amount_fen"] == 2_000_000_00 - 12_345

    cancel = client.post(
        f"/api/v1/contracts/{contract_id}/cancel", json={"reason": "合同解除"}, headers=tokens["reviewer"]
    )
    assert cancel.status_code == 200 and cancel.json["status"] == "cancelled"


def test_refusal_over_the_api(cast, client, tokens):
    from tests.contracts.factories import make_contract

    contract = make_contract(cast.broker, platform_payload(cast), submit=True)
    url = f"/api/v1/contracts/{contract.id}/review"
    missing = client.post(
        url, json={"action": "refuse", "reasons": [], "comment": "x"}, headers=tokens["reviewer"]
    )
    assert missing.status_code == 422 and "reasons" in missing.json["error"]["fields"]
    refused = client.post(
        url,
        json={"action": "refuse", "reasons": ["approvals_missing"], "comment": "缺少审批文件"},
        headers=tokens["reviewer"],
    )
    assert refused.json["status"] == "refused" and refused.json["review"]["reasons"] == ["approvals_missing"]


def test_outsiders_get_403_and_lists_are_filtered(cast, client, tokens):
    contract_id = create(client, tokens["broker"], platform_payload(cast)).json["id"]
    assert client.get(f"/api/v1/contracts/{contract_id}", headers=tokens["outsider"]).status_code == 403
    assert (
        client.patch(f"/api/v1/contracts/{contract_id}", json={}, headers=tokens["outsider"]).status_code
        == 403
    )
    assert client.get("/api/v1/contracts", headers=tokens["outsider"]).json["total"] == 0
    for who in ("broker", "seller", "buyer", "reviewer"):
        listed = client.get("/api/v1/contracts", headers=tokens[who]).json
        assert [item["id"] for item in listed["items"]] == [contract_id], who
    # The buyer sees it but cannot change it.
    assert (
        client.patch(
            f"/api/v1/contracts/{contract_id}", json={"project_name": "x"}, headers=tokens["buyer"]
        ).status_code
        == 403
    )
    assert client.get("/api/v1/contracts/999999", headers=tokens["broker"]).status_code == 404


def test_api_validation_errors_name_the_fields(cast, client, tokens):
    data = platform_payload(
        cast,
        contract_amount_fen=100,
        deductions=[{"category": "parts", "description": "零件", "amount_fen": 101}],
    )
    response = create(client, tokens["broker"], data)
    assert response.status_code == 422
    assert "deductions" in response.json["error"]["fields"]
    assert create(client, tokens["broker"], {**data, "contract_amount_fen": "100"}).status_code == 422
    assert client.post("/api/v1/contracts", data="not json", headers=tokens["broker"]).status_code == 400
    assert create(client, tokens["reviewer"], platform_payload(cast)).status_code == 403
    outside_beijing = platform_payload(
        cast, seller=foreign_party(), buyer={"org_id": cast.buyer.organisation_id}
    )
    # An import filed by the buyer itself is accepted...
    assert create(client, tokens["buyer"], outside_beijing).status_code == 201
    # ...but the foreign seller's side cannot be the filer's own organisation when it isn't the registrant.
    assert create(client, tokens["seller"], outside_beijing).status_code == 422


def test_openapi_documents_the_contract_routes(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in (
        "/api/v1/contracts",
        "/api/v1/contracts/{contract_id}",
        "/api/v1/contracts/{contract_id}/attachments",
        "/api/v1/contracts/{contract_id}/attachments/{attachment_id}",
        "/api/v1/contracts/{contract_id}/submit",
        "/api/v1/contracts/{contract_id}/amend",
        "/api/v1/contracts/{contract_id}/review",
        "/api/v1/contracts/{contract_id}/cancel",
    ):
        assert path in spec["paths"], path
    assert spec["components"]["schemas"]["ContractReview"]["properties"]["action"]["enum"] == [
        "start",
        "approve",
        "request_changes",
        "refuse",
    ]


def test_attachment_download_follows_the_page_permissions(cast, client, tokens):
    contract_id = create(client, tokens["broker"], platform_payload(cast)).json["id"]
    attachment_id = attach(client, tokens["broker"], contract_id, name="合同.pdf").json["id"]
    assert client.post(f"/api/v1/contracts/{contract_id}/submit", headers=tokens["broker"]).status_code == 200
    url = f"/api/v1/contracts/{contract_id}/attachments/{attachment_id}"

    for who in ("broker", "seller", "buyer", "reviewer"):  # the filer, both parties, the bureau
        response = client.get(url, headers=tokens[who])
        assert response.status_code == 200, who
        assert response.data == PDF
        assert response.mimetype == "application/pdf"
        assert "filename*=UTF-8''%E5%90%88%E5%90%8C.pdf" in response.headers["Content-Disposition"]

    denied = client.get(url, headers=tokens["outsider"])
    assert denied.status_code == 403
    assert denied.json["error"]["code"] == "forbidden"
    assert PDF not in denied.data
    assert client.get(url).status_code == 401


def test_attachment_download_of_another_contract_or_a_missing_file_is_404(app, cast, client, tokens):
    first = create(client, tokens["broker"], platform_payload(cast)).json["id"]
    second = create(client, tokens["broker"], platform_payload(cast)).json["id"]
    attachment_id = attach(client, tokens["broker"], first).json["id"]

    # The attachment exists, but under another contract: no way to read it through this one.
    response = client.get(f"/api/v1/contracts/{second}/attachments/{attachment_id}", headers=tokens["broker"])
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert (
        client.get(f"/api/v1/contracts/{first}/attachments/999999", headers=tokens["broker"]).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/contracts/999999/attachments/{attachment_id}", headers=tokens["broker"]
        ).status_code
        == 404
    )

    from marketplace.common.uploads import upload_path
    from marketplace.contracts.models import ContractAttachment

    upload_path(db.session.get(ContractAttachment, attachment_id).path).unlink()
    gone = client.get(f"/api/v1/contracts/{first}/attachments/{attachment_id}", headers=tokens["broker"])
    assert gone.status_code == 404
    assert "重新上传" in gone.json["error"]["message"]

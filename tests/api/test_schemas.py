"""The API's pydantic models: the document is generated from them and they check bodies."""

from marketplace.api.schemas.base import check
from marketplace.api.schemas.contracts import READ_ONLY_FIELDS, ContractInput
from marketplace.contracts import services


def test_the_contract_read_only_fields_are_the_services_list():
    assert READ_ONLY_FIELDS == set(services.READ_ONLY_FIELDS)


def test_a_body_is_checked_with_the_chinese_messages():
    _clean, errors = check(
        ContractInput,
        {"project_name": ["x"], "patent_ids": [0], "contract_amount_fen": "100", "colour": 1},
    )
    assert errors["project_name"] == "应为文本"
    assert errors["patent_ids.0"].startswith("应为有效的编号")
    assert "文本" in errors["contract_amount_fen"]
    assert errors["colour"] == "未知字段，请删除"


def test_null_means_not_given_and_is_kept(app_ctx):
    clean, errors = check(ContractInput, {"demand_id": None, "seller": {"org_id": 3}})
    assert not errors and clean == {"demand_id": None, "seller": {"org_id": 3}}


def test_the_document_marks_required_fields_without_null(client):
    spec = client.get("/api/v1/openapi.json").json
    schema = spec["components"]["schemas"]["ContractInput"]
    assert "project_name" in schema["required"]
    assert schema["properties"]["project_name"] == {"type": "string", "maxLength": 200}
    assert {"type": "null"} in schema["properties"]["demand_id"]["anyOf"]


def test_an_id_beyond_any_key_is_a_404(client):
    response = client.get("/api/v1/patents/99999999999")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"

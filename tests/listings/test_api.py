"""The listings API contract: field names, {"total","items"}, 201 with id, PATCH, publish, withdraw."""

import pytest

from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent, ResearchResult
from tests.listings.factories import make_demand, make_patent, make_result

PATENT = {
    "application_number": "CN 201710601862.3",
    "publication_number": "CN107451234A",
    "title": "一种锂离子电池正极材料",
    "abstract": "摘要",
    "ipc_codes": ["H01M 4/36", "h01m"],
    "applicants": ["测试大学"],
    "inventors": ["张三", "李四"],
    "filing_date": "2017-07-25",
    "grant_date": None,
    "legal_status": "pending",
    "transfer_modes": ["transfer", "license"],
    "price_fen": 12_000_000,
}


def test_patent_round_trip(client, people, token):
    auth = token(people["university"])
    response = client.post("/api/v1/patents", json=PATENT, headers=auth)
    assert response.status_code == 201
    new_id = response.json["id"]
    assert set(response.json) == {"id"}
    body = client.get(f"/api/v1/patents/{new_id}", headers=auth).json
    assert body["status"] == "draft"
    assert body["application_number"] == "201710601862.3"
    assert body["patent_type"] == "invention"  # from the kind code
    assert body["ipc_codes"] == ["H01M 4/36", "H01M"]
    assert (
        body["price_fen"] == 12_000_000 and body["filing_date"] == "2017-07-25" and body["grant_date"] is None
    )
    assert body["organisation"] == {
        "id": people["university"].organisation_id,
        "name": people["university"].org.name,
    }
    assert body["updated_at"].endswith("Z")
    expected = {"id", "patent_type", "status", "updated_at", "organisation", "private_details"} | set(PATENT)
    expected |= {
        "publication_date",
        "legal_status_detail",
        "legal_status_date",
    }  # from patent database imports
    assert set(body) == expected
    # A draft is invisible without the owner's token.
    assert client.get(f"/api/v1/patents/{new_id}").status_code == 404
    assert client.get("/api/v1/patents").json == {"total": 0, "items": []}
    listed = client.get("/api/v1/patents", headers=auth).json
    assert listed["total"] == 1 and listed["items"][0]["id"] == new_id

    response = client.patch(
        f"/api/v1/patents/{new_id}", json={"price_fen": None, "legal_status": "valid"}, headers=auth
    )
    assert response.status_code == 200
    assert response.json["price_fen"] is None and response.json["legal_status"] == "valid"
    assert response.json["title"] == PATENT["title"]  # untouched fields stay

    assert client.post(f"/api/v1/patents/{new_id}/publish", headers=auth).json["status"] == "published"
    public = client.get(f"/api/v1/patents/{new_id}").json
    assert public["status"] == "published" and "private_details" not in public
    assert client.get("/api/v1/patents").json["total"] == 1
    assert client.post(f"/api/v1/patents/{new_id}/withdraw", headers=auth).json["status"] == "withdrawn"
    assert client.get(f"/api/v1/patents/{new_id}").status_code == 404


def test_result_and_demand_fields(client, people, token):
    university = people["university"]
    patent = make_patent(university.organisation)
    auth = token(university)
    response = client.post(
        "/api/v1/results",
        json={
            "title": "成果",
            "keywords": ["钛合金"],
            "technology_field": "新材料及其应用",
            "industry": "新材料",
            "form": "new_process",
            "maturity": 6,
            "transfer_modes": ["license"],
            "price_fen": None,
            "patent_ids": [patent.id],
            "completers": ["王五"],
        },
        headers=auth,
    )
    assert response.status_code == 201, response.json
    body = client.get(f"/api/v1/results/{response.json['id']}", headers=auth).json
    assert body["patent_ids"] == [patent.id] and body["maturity"] == 6 and body["completers"] == ["王五"]

    auth = token(people["enterprise"])
    response = client.post(
        "/api/v1/demands",
        json={
            "title": "需求",
            "description": "问题",
            "technical_indicators": "指标",
            "expected_outcome": "目标",
            "keywords": ["a", "b"],
            "technology_field": "先进制造",
            "budget_fen": 500_000_000,
            "start_date": "2026-12-01",
            "deadline": "2099-12-31",
            "solution_mode": "cooperative",
            "hide_name": True,
        },
        headers=auth,
    )
    assert response.status_code == 201, response.json
    body = client.get(f"/api/v1/demands/{response.json['id']}", headers=auth).json
    assert (
        body["budget_fen"] == 500_000_000 and body["hide_name"] is True and body["deadline"] == "2099-12-31"
    )
    assert body["organisation"]["name"] == people["enterprise"].org.name  # the owner sees its own name


def test_validation_errors_are_json_with_fields(client, people, token):
    auth = token(people["enterprise"])
    response = client.post(
        "/api/v1/demands", json={"title": "", "budget_fen": 1.5, "deadline": "tomorrow"}, headers=auth
    )
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error" and {"title", "budget_fen", "deadline"} <= set(error["fields"])
    response = client.post("/api/v1/demands", data="not json", headers=auth, content_type="application/json")
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"
    assert db.session.query(Demand).count() == 0


def test_permissions(client, people, token):
    demand = make_demand(people["enterprise"].organisation)
    rival = token(people["rival"])
    for method, url in (
        ("PATCH", f"/api/v1/demands/{demand.id}"),
        ("POST", f"/api/v1/demands/{demand.id}/withdraw"),
    ):
        response = client.open(url, method=method, json={"title": "x"}, headers=rival)
        assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert "private_details" not in client.get(f"/api/v1/demands/{demand.id}", headers=rival).json
    assert (
        client.post("/api/v1/results", json={"title": "x"}, headers=token(people["enterprise"])).status_code
        == 403
    )
    assert client.post("/api/v1/demands", json={"title": "x", "deadline": "2099-01-01"}).status_code == 401
    colleague = token(people["colleague"])
    assert (
        client.patch(f"/api/v1/demands/{demand.id}", json={"title": "同事改"}, headers=colleague).status_code
        == 200
    )
    bureau = client.get(f"/api/v1/demands/{demand.id}", headers=token(people["bureau"])).json
    assert "private_details" in bureau


def test_unverified_cannot_publish(client, people, token):
    auth = token(people["unverified"])
    new_id = client.post("/api/v1/demands", json={"title": "x", "deadline": "2099-01-01"}, headers=auth).json[
        "id"
    ]
    response = client.post(f"/api/v1/demands/{new_id}/publish", headers=auth)
    assert response.status_code == 403 and "认证" in response.json["error"]["message"]


def test_pagination(client, people):
    org = people["university"].organisation
    for n in range(7):
        make_result(org, title=f"成果{n}")
    make_result(org, title="草稿", status="draft")
    body = client.get("/api/v1/results?page=2&per_page=5").json
    assert body["total"] == 7 and len(body["items"]) == 2
    assert client.get("/api/v1/results?page=x&per_page=-3").status_code == 200


def test_openapi_documents_the_listing_fields(client):
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/patents/{listing_id}/publish" in spec["paths"]
    props = spec["components"]["schemas"]["Demand"]["properties"]
    assert {"budget_fen", "hide_name", "organisation", "status", "updated_at"} <= set(props)


@pytest.mark.parametrize("model", [Patent, ResearchResult])
def test_unknown_ids_are_404_json(client, model):
    segment = {Patent: "patents", ResearchResult: "results"}[model]
    response = client.get(f"/api/v1/{segment}/999")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "payload",
    [
        {"title": ["列表"]},
        {"title": {"a": 1}},
        {"title": "x", "price_fen": 10**30},
        {"title": "x", "patent_ids": [10**20]},
        {"title": "x", "maturity": "7级"},
        {"title": "x", "completers": {"y": 1}},
        {"title": "x" * 201},
    ],
)
def test_odd_input_gets_a_422_never_a_500(client, people, token, payload):
    response = client.post("/api/v1/results", json=payload, headers=token(people["university"]))
    assert response.status_code == 422, response.json


def test_huge_ids_are_404(client, people, token):
    big = 10**20
    assert client.get(f"/api/v1/results/{big}").status_code == 404
    assert (
        client.patch(f"/api/v1/results/{big}", json={}, headers=token(people["university"])).status_code
        == 404
    )
    assert client.get(f"/results/{big}").status_code == 404
    assert client.get(f"/demands?org={big}").status_code == 200

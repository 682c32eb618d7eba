"""Bad input gets a clear error, never a 500 and never a slow server.

Ids beyond what a database key can hold, in every route and in JSON bodies; numbers that Python
would spend seconds converting; lone surrogates; lists and objects where text is expected;
unknown JSON fields; NUL and control characters.
"""

import json
import re
import time

import pytest

from tests.contracts.factories import payload
from tests.security.conftest import bearer, client_as, route_table
from tests.security.world import make_world

ROLES = ("anon", "university", "institute", "enterprise", "broker", "bureau", "admin", "pending")
HUGE_IDS = (2**63, 10**20, 2**31)


@pytest.fixture(scope="module")
def world(shared_app):
    return make_world(shared_app)


def id_rules() -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of every route with an <int:…> part."""
    return sorted(
        (endpoint, method, rule)
        for endpoint, methods, rule in route_table()
        if "<int:" in rule
        for method in methods
    )


def _send(app, world, role, method, url):
    if url.startswith("/api/"):
        client = app.test_client()
        headers = bearer(world["tokens"][role]) if role != "anon" else {}
    else:
        client = client_as(app, None if role == "anon" else world["owners"][role])
        headers = {}
    response = client.open(url, method=method, headers=headers, json={} if method != "GET" else None)
    response.close()
    return response


def test_ids_beyond_a_database_key_are_404_in_every_route(shared_app, world):
    rules = id_rules()
    assert len(rules) > 60  # the walk sees every route with an id
    wrong = []
    for endpoint, method, rule in rules:
        for value in HUGE_IDS:
            url = re.sub(r"<int:\w+>", str(value), rule)
            url = re.sub(r"<(?:\w+:)?\w+>", "patents", url)  # the listing segment, the only other part
            for role in ROLES:
                status = _send(shared_app, world, role, method, url).status_code
                if status != 404:
                    wrong.append(f"{endpoint} {method} {url} as {role}: {status}")
    assert not wrong, "\n".join(wrong[:40])


# --- JSON bodies -----------------------------------------------------------------------------------

DEMAND = '{"title": "寻求低温电解液", "deadline": "2099-12-31", %s}'


def contract(raw: str = "", **fields) -> str:
    """A valid contract body as JSON text, with fields replaced and raw JSON text added."""
    data = {name: value for name, value in payload(**fields).items() if value is not ...}
    text = json.dumps(data)
    return text[:-1] + (f", {raw}}}" if raw else "}")


INQUIRY = '{"purpose": "license", "message": "您好", %s}'
BIG = str(2**64)

# (who, url, body text, the field the error must name)
BAD_BODIES = [
    *[
        ("enterprise", "/api/v1/demands", DEMAND % f'"budget_fen": {value}', "budget_fen")
        for value in (
            '"Infinity"',
            '"NaN"',
            '"1e300000"',
            '"1e3"',
            "Infinity",
            "-Infinity",
            "NaN",
            "1e300000",
            "1e3",
            "1.5",
            '"-1"',
            '"0x10"',
            '" 1_000 "',
            "-5",
            str(10**18),
            "9" * 5000,
        )
    ],
    ("enterprise", "/api/v1/demands", DEMAND % '"keywords": [["a"]]', "keywords.0"),
    ("enterprise", "/api/v1/demands", DEMAND % '"keywords": [{"a": 1}]', "keywords.0"),
    ("enterprise", "/api/v1/demands", DEMAND % '"description": ["x"]', "description"),
    ("enterprise", "/api/v1/demands", DEMAND % '"hide_name": "maybe"', "hide_name"),
    ("enterprise", "/api/v1/demands", DEMAND % '"colour": "红"', "colour"),
    ("enterprise", "/api/v1/demands", DEMAND % '"description": "\\ud800"', "description"),
    ("enterprise", "/api/v1/demands", DEMAND % '"keywords": ["电池", "\\udfff"]', "keywords.1"),
    ("university", "/api/v1/results", f'{{"title": "成果", "patent_ids": [{BIG}]}}', "patent_ids.0"),
    ("university", "/api/v1/results", '{"title": "成果", "maturity": 1e309}', "maturity"),
    ("university", "/api/v1/patents", '{"title": "专利", "price_fen": NaN}', "price_fen"),
    ("university", "/api/v1/patents", '{"title": "专利", "inventors": [["张三"]]}', "inventors.0"),
    ("university", "/api/v1/patents", '{"title": "专利", "abstract": {"a": 1}}', "abstract"),
    ("university", "/api/v1/patents", '{"title": "专利", "colour": "红"}', "colour"),
    ("enterprise", "/api/v1/inquiries", INQUIRY % f'"result_id": {BIG}', "result_id"),
    ("enterprise", "/api/v1/inquiries", INQUIRY % f'"patent_id": {10**20}', "patent_id"),
    ("enterprise", "/api/v1/inquiries", INQUIRY % f'"patent_id": 1, "demand_id": {2**63}', "demand_id"),
    ("enterprise", "/api/v1/inquiries", INQUIRY % '"patent_id": 1.0', "patent_id"),
    ("enterprise", "/api/v1/inquiries", INQUIRY % '"patent_id": 1, "message": ["x"]', "message"),
    ("enterprise", "/api/v1/inquiries", INQUIRY % '"patent_id": 1, "cc": "x"', "cc"),
    ("broker", "/api/v1/contracts", contract(deal_id=2**64), "deal_id"),
    ("broker", "/api/v1/contracts", contract(demand_id=2**64), "demand_id"),
    ("broker", "/api/v1/contracts", contract(patent_ids=[2**64]), "patent_ids.0"),
    ("broker", "/api/v1/contracts", contract(result_ids=[-1]), "result_ids.0"),
    ("broker", "/api/v1/contracts", contract(seller={"org_id": 2**64}), "seller.org_id"),
    ("broker", "/api/v1/contracts", contract(contract_amount_fen="Infinity"), "contract_amount_fen"),
    (
        "broker",
        "/api/v1/contracts",
        contract('"contract_amount_fen": 1e300000', contract_amount_fen=...),
        "contract_amount_fen",
    ),
    ("broker", "/api/v1/contracts", contract(project_name=["x"]), "project_name"),
    ("broker", "/api/v1/contracts", contract(ip_type={}), "ip_type"),
    ("broker", "/api/v1/contracts", contract(project_name="\ud800"), "project_name"),
    ("broker", "/api/v1/contracts", contract(extra=1), "extra"),
    (
        "broker",
        "/api/v1/contracts",
        contract(deductions=[{"category": "equipment", "description": "设备", "amount_fen": "1e300000"}]),
        "deductions.0.amount_fen",
    ),
]
GOOD_BODIES = {
    "/api/v1/demands": ("enterprise", DEMAND % '"budget_fen": 500000'),
    "/api/v1/patents": ("university", '{"title": "专利", "price_fen": 100}'),
    "/api/v1/contracts": ("broker", contract()),
}


def _post_json(app, world, role, url, text):
    client = app.test_client()
    response = client.post(
        url, data=text, content_type="application/json", headers=bearer(world["tokens"][role])
    )
    response.close()
    return response


def _stored(app) -> int:
    from sqlalchemy import func, select

    from marketplace.contracts.models import TechContract
    from marketplace.deals.models import Inquiry
    from marketplace.extensions import db
    from marketplace.listings.models import Demand, Patent, ResearchResult

    with app.app_context():
        return sum(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Demand, Patent, ResearchResult, Inquiry, TechContract)
        )


@pytest.mark.parametrize("url", sorted({url for _role, url, _text, _field in BAD_BODIES}))
def test_bad_json_values_are_a_422_naming_the_field(shared_app, world, url):
    if url in GOOD_BODIES:  # the bad bodies differ from these only in the field they name
        role, text = GOOD_BODIES[url]
        assert _post_json(shared_app, world, role, url, text).status_code == 201
    wrong = []
    for role, case_url, text, field in BAD_BODIES:
        if case_url != url:
            continue
        before = _stored(shared_app)
        response = _post_json(shared_app, world, role, url, text)
        error = (response.get_json() or {}).get("error", {}) if response.is_json else {}
        if (
            response.status_code != 422
            or error.get("code") != "validation_error"
            or field not in error.get("fields", {})
        ):
            wrong.append(f"{text[-80:]!r}: {response.status_code} {error}")
        if _stored(shared_app) != before:
            wrong.append(f"{text[-80:]!r} was stored")
    assert not wrong, "\n".join(wrong)


def test_a_million_digit_number_is_refused_at_once(shared_app, world):
    for number in ("1e" + "9" * 1_000_000, '"1e' + "9" * 1_000_000 + '"', "9" * 1_000_000):
        body = DEMAND % f'"budget_fen": {number}'
        started = time.perf_counter()
        response = _post_json(shared_app, world, "enterprise", "/api/v1/demands", body)
        assert time.perf_counter() - started < 1.5
        assert response.status_code == 422 and "budget_fen" in response.get_json()["error"]["fields"]


def test_money_in_a_form_is_checked_as_text_first():
    from marketplace.common.money import AmountError, parse_amount, parse_fen

    for text in ("1e300000", "Infinity", "NaN", "1e" + "9" * 1_000_000, "9" * 1_000_000, "12.345", "-1"):
        started = time.perf_counter()
        with pytest.raises(AmountError):
            parse_amount(text)
        with pytest.raises(AmountError):
            parse_fen(text)
        assert time.perf_counter() - started < 0.5
    assert parse_amount("1,234.50") == 123_450 and parse_fen("1,000") == 1000 and parse_fen(12) == 12


def test_json_nested_too_deeply_is_a_400(shared_app, world):
    response = _post_json(shared_app, world, "enterprise", "/api/v1/demands", "[" * 100_000)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"
    response = _post_json(shared_app, world, "enterprise", "/api/v1/demands", '{"title": ' + "[" * 100_000)
    assert response.status_code == 400


def test_a_surrogate_in_a_field_name_is_a_422(shared_app, world):
    response = _post_json(shared_app, world, "enterprise", "/api/v1/demands", DEMAND % '"\\ud800": "x"')
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "validation_error"


# --- forms -------------------------------------------------------------------------------------------

ID_FIELD = re.compile(r"(^|_|-)(id|ids|org|user|point|demand|result|patent|listing|deal|on_behalf_of)$")


def test_huge_ids_in_every_form_are_refused_without_a_500(shared_app, world):
    from werkzeug.datastructures import MultiDict

    from tests.security.forms import fill, parse_forms
    from tests.security.test_xss import _pages

    seen: set[tuple] = set()
    wrong = []
    for url, role in _pages(world, roles_per_page=2):
        client = client_as(shared_app, None if role == "anon" else world["owners"][role])
        response = client.get(url)
        page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        response.close()
        for form in parse_forms(page):
            action = form["action"] or url
            names = [f["name"] for f in form["fields"] if f["tag"] == "select" or f["type"] == "hidden"]
            names += [f["name"] for f in form["fields"] if ID_FIELD.search(f["name"])]
            names = sorted(set(names) - {"csrf_token"})
            key = (action, form["method"], tuple(names))
            if not names or key in seen or action.startswith("/account/logout"):
                continue
            seen.add(key)
            for value in (str(2**63), str(10**20), "²", "-1"):
                data = MultiDict([(k, value if k in names else v) for k, v in fill(form, "文本", valid=True)])
                if form["method"] == "post":
                    answer = client.post(action, data=data)
                else:
                    answer = client.get(action, query_string=data)
                answer.close()
                if answer.status_code >= 500:
                    wrong.append(f"{action} as {role} with {value}: {answer.status_code}")
    assert len(seen) > 10
    assert not wrong, "\n".join(wrong)


# --- file names ------------------------------------------------------------------------------------

NASTY_NAMES = [
    "合同\x00扫描.pdf",
    "a\x01b\x1f\x7f\x9b.pdf",
    "scan\tX\x0bY.pdf",
    "合同\u202egpj.pdf",
    "C:\\docs\\\x00.pdf",
]


def test_control_characters_are_removed_from_uploaded_file_names(shared_app, world):
    from sqlalchemy import select

    from marketplace.contracts.models import ContractAttachment
    from marketplace.deals.models import DealMessage
    from marketplace.extensions import db
    from marketplace.listings.models import ImportJob
    from marketplace.organisations.models import Organisation
    from tests.contracts.factories import PDF
    from tests.security.test_uploads import multipart

    contracts = world["by_feature"]["tests.contracts.permission_rules"]
    deals = world["by_feature"]["tests.deals.permission_rules"]
    targets = [
        ("university", "/my/org/evidence", "evidence", {}),
        ("broker", f"/contracts/{contracts['draft']}/attachments", "file", {}),
        ("broker", f"/api/v1/contracts/{contracts['draft']}/attachments", "file", {}),
        ("university", f"/deals/{deals['deal']}/messages", "attachment", {"body": "附件"}),
        ("university", f"/api/v1/deals/{deals['deal']}/messages", "attachment", {"body": "附件"}),
        ("university", "/my/listings/import", "file", {"kind": "patent"}),
    ]
    for role, url, field, extra in targets:
        for name in NASTY_NAMES:
            data = b"title\n\xe4\xb8\x93\xe5\x88\xa9\n" if field == "file" and "kind" in extra else PDF
            if "kind" in extra:
                name = name.replace(".pdf", ".csv")
            body, content_type = multipart(field, data, name, extra)
            if url.startswith("/api/"):
                client, headers = shared_app.test_client(), bearer(world["tokens"][role])
            else:
                client, headers = client_as(shared_app, world["owners"][role]), {}
            response = client.post(url, data=body, content_type=content_type, headers=headers)
            response.close()
            assert response.status_code in (200, 201, 302), f"{url} {name!r}: {response.status_code}"
    with shared_app.app_context():
        names = [
            *db.session.scalars(select(ContractAttachment.filename)),
            *db.session.scalars(
                select(DealMessage.attachment_filename).where(DealMessage.attachment_filename.is_not(None))
            ),
            *db.session.scalars(
                select(Organisation.evidence_filename).where(Organisation.evidence_filename.is_not(None))
            ),
            *db.session.scalars(select(ImportJob.filename)),
        ]
    assert len(names) >= 5 * len(NASTY_NAMES)  # attachments ×2, deal messages ×2, imports
    for stored in names:
        assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e]", stored), repr(stored)
    assert {"合同扫描.pdf", "scanXY.pdf", "合同扫描.csv"} <= set(names)

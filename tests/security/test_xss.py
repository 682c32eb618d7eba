"""Stored and reflected XSS: a corpus of payloads in every text field of every form and every
import column, checked in the HTML the test client gets back (escaped text only, never markup).

The forms are not listed here: every page of the permission table is fetched as each role that
may see it, and every form on it that has a text field is filled in and sent, once per payload.
Then every page is fetched again to find the stored payloads wherever they are shown.
"""

import csv
import io
import json
from urllib.parse import urlsplit

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from marketplace.contracts.models import TechContract
from marketplace.extensions import db
from marketplace.listings.models import Demand, ImportJob, Patent, ResearchResult
from tests.contracts.factories import make_contract, outside_party
from tests.contracts.factories import payload as contract_payload
from tests.permission_roles import ROLES
from tests.security.conftest import bearer, client_as
from tests.security.forms import fill, is_text, parse_forms
from tests.security.world import make_world, rule_url
from tests.security.xss import PAYLOADS, injection_problems
from tests.test_permissions import RULES

# Forms that end the session or only start background work: nothing of theirs is shown.
SKIPPED_ACTIONS = ("/account/logout", "/account/password", "/search/reindex")
EXTRA_PAGES = [
    ("/patents/new", "university"),
    ("/demands/new", "enterprise"),
    ("/results/new", "institute"),
    ("/my/listings/import", "university"),
]


# Owners first: they see the most of their objects; the bureau sees everyone's.
VIEWING_ORDER = ("university", "enterprise", "broker", "bureau", "anon", "institute", "admin", "pending")


@pytest.fixture(scope="module")
def world(shared_app):
    made = make_world(shared_app)
    with shared_app.app_context():
        # A contract waiting for review, so that the bureau's review form is on a page too.
        owners = made["owners"]
        data = contract_payload(
            seller={"org_id": owners["university"].organisation_id},
            buyer={"org_id": owners["enterprise"].organisation_id},
        )
        submitted = make_contract(owners["broker"], data, submit=True)
        made["extra_pages"] = [(f"/contracts/{submitted.id}", "bureau")]
    return made


def _client(app, world, role):
    return client_as(app, None if role == "anon" else world["owners"][role])


def _pages(world, roles_per_page: int = len(ROLES)) -> list[tuple[str, str]]:
    """(url, role) of every GET page in the permission table, for the roles that may see it."""
    pages = []
    for endpoint in sorted(RULES):
        method, url, allowed = rule_url(world, endpoint)
        if method == "GET" and not url.startswith("/api/"):
            roles = [role for role in VIEWING_ORDER if role in allowed][:roles_per_page]
            # The bureau and visitors always: they have their own forms (reasons, comments, sign-up).
            roles += [role for role in ("bureau", "anon") if role in allowed and role not in roles]
            pages += [(url, role) for role in roles]
    return pages + EXTRA_PAGES + world.get("extra_pages", [])


def _html(response) -> str:
    page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
    response.close()
    return page


def _check(where: str, page: str) -> None:
    problems = injection_problems(page)
    assert not problems, f"{where}: {problems[:5]}"


def _submit(app, world, role, page_url, form, payload, valid):
    client = _client(app, world, role)
    action = form["action"] or page_url
    data = MultiDict(fill(form, payload, valid=valid))
    if form["method"] == "post":
        response = client.post(action, data=data)
    else:
        response = client.get(action, query_string=data)
    assert response.status_code < 500, f"{action} as {role}: {response.status_code}"
    _check(f"{action} as {role} ({payload[:20]!r})", _html(response))
    location = response.headers.get("Location")
    if response.status_code in (302, 303) and location:
        target = urlsplit(location)
        followed = client.get(target.path, query_string=target.query)
        assert followed.status_code < 500, f"{location}: {followed.status_code}"
        _check(f"{location} after {action} as {role}", _html(followed))


def test_every_form_text_field_escapes_the_payloads(shared_app, world):
    app = shared_app
    seen: set[tuple] = set()
    sent = 0
    for url, role in _pages(world, roles_per_page=3):
        page = _html(_client(app, world, role).get(url))
        _check(f"{url} as {role}", page)
        for form in parse_forms(page):
            action = form["action"] or url
            key = (action, form["method"], tuple(sorted(f["name"] for f in form["fields"])))
            if key in seen or action.startswith(SKIPPED_ACTIONS) or not any(map(is_text, form["fields"])):
                continue
            seen.add(key)
            for n, payload in enumerate(PAYLOADS):
                _submit(app, world, role, url, form, payload, valid=True)
                if n < 2:  # every text field at once, structured ones too: the form comes back
                    _submit(app, world, role, url, form, payload, valid=False)
                sent += 1
    # The crawl really found the forms the brief names (a new one is picked up by itself).
    actions = {key[0].split("?")[0] for key in seen}
    for expected in (
        "/patents/new",
        "/demands/new",
        "/results/new",
        "/my/org",
        "/account/profile",
        "/contracts/new",
    ):
        assert expected in actions, f"no form found for {expected}: {sorted(actions)}"
    for ending in ("/messages", "/reject", "/review", "/cancel", "/takedown", "/decline", "/register"):
        assert any(a.endswith(ending) for a in actions), f"no form found for …{ending}"
    assert sent > 30


def _stored_pages(world) -> list[tuple[str, str]]:
    """Every page again, plus the pages of every listing and contract now in the database."""
    pages = _pages(world, roles_per_page=2)
    role_of_org = {user.organisation_id: role for role, user in world["owners"].items() if role != "pending"}
    with db.session.no_autoflush:
        for model, segment in ((Patent, "patents"), (ResearchResult, "results"), (Demand, "demands")):
            # One listing per distinct title: each payload once, not every imported copy of it.
            first = select(func.min(model.id)).group_by(model.title)
            for listing_id, org_id in db.session.execute(
                select(model.id, model.organisation_id).where(model.id.in_(first))
            ):
                owner = role_of_org.get(org_id, "bureau")
                pages += [(f"/{segment}/{listing_id}{tail}", owner) for tail in ("", "/edit", "/private")]
                pages.append((f"/{segment}/{listing_id}", "anon"))
        for contract_id in db.session.scalars(select(TechContract.id)):
            pages.append((f"/contracts/{contract_id}", "bureau"))
        for job_id in db.session.scalars(
            select(ImportJob.id).where(
                ImportJob.organisation_id == world["owners"]["university"].organisation_id
            )
        ):
            pages.append((f"/my/listings/import/{job_id}", "university"))
    return pages


def _import_file(columns: list[str], rows: list[dict], fmt: str) -> tuple[bytes, str]:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode("utf-8"), "xss.csv"
    if fmt == "jsonl":
        return "\n".join(json.dumps(row, ensure_ascii=False) for row in rows).encode("utf-8"), "xss.jsonl"
    book = Workbook()
    sheet = book.active
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c, "") for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), "xss.xlsx"


VALID_IMPORT = {
    "application_number": "2017106018{n:02d}.3",
    "patent_type": "invention",
    "ipc_codes": "H01M 4/36",
    "filing_date": "2017-07-26",
    "deadline": "2027-06-30",
    "technology_field": "新材料及其应用",
    # The templates' Chinese headers (issue 16) for the same fields.
    "申请号": "2017106018{n:02d}.3",
    "专利类型": "发明",
    "IPC 分类号": "H01M 4/36",
    "申请日": "2017-07-26",
    "截止日期": "2027-06-30",
    "技术领域": "新材料及其应用",
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
@pytest.mark.parametrize("kind", ["patent", "result", "demand"])
def test_every_import_column_escapes_the_payloads(shared_app, world, kind, fmt):
    role = "enterprise" if kind == "demand" else "university"
    client = _client(shared_app, world, role)
    template = client.get(f"/listings/template/{kind}.csv")
    columns = next(csv.reader(io.StringIO(template.get_data(as_text=True).lstrip("\ufeff"))))
    # One row with the payload in every column (refused, its errors shown), then rows with the
    # payload in every column that accepts free text.
    rows = [dict.fromkeys(columns, PAYLOADS[1])]
    data, name = _import_file(columns, rows, fmt)
    _upload_and_check(client, kind, data, name)
    rows = []
    for n, payload in enumerate(PAYLOADS):
        row = dict.fromkeys(columns, payload)
        for column in columns:
            for key, value in VALID_IMPORT.items():
                if column == key or column.startswith(key):
                    row[column] = value.format(n=n)
        rows.append(row)
    data, name = _import_file(columns, rows, fmt)
    _upload_and_check(client, kind, data, name)


def _upload_and_check(client, kind, data, name):
    response = client.post(
        "/my/listings/import",
        data={"kind": kind, "file": (io.BytesIO(data), name), "as_draft": "y"},
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 302), response.status_code
    _check(f"import {name}", _html(response))
    if response.status_code == 302:
        preview = client.get(response.headers["Location"])
        assert preview.status_code == 200
        _check(f"import preview {name}", _html(preview))
        imported = client.post(response.headers["Location"], data={"action": "import"})
        job = client.get(imported.headers["Location"], follow_redirects=True)
        assert job.status_code == 200
        _check(f"import job {name}", _html(job))
        mine = client.get("/my/listings", query_string={"kind": kind, "status": "draft"})
        _check(f"my listings after {name}", _html(mine))


def test_api_text_fields_escape_the_payloads_on_pages(shared_app, world):
    headers = bearer(world["tokens"]["broker"])
    for n, text in enumerate(PAYLOADS):
        body = contract_payload(
            project_name=f"{text}{n}",
            seller=outside_party("130104", name=f"{text}卖方{n}", contact_name=text, address=text),
            buyer=outside_party("110000", name=f"{text}买方{n}"),
            technology_field=text,
            deductions=[{"category": "equipment", "description": text, "amount_fen": 100}],
        )
        response = shared_app.test_client().post("/api/v1/contracts", json=body, headers=headers)
        assert response.status_code < 500, response.get_data(as_text=True)
    headers = bearer(world["tokens"]["enterprise"])
    for text in PAYLOADS:
        response = shared_app.test_client().post(
            "/api/v1/demands",
            json={
                "title": text,
                "description": text,
                "keywords": [text],
                "technology_field": "先进制造",
                "deadline": "2027-06-30",
                "private_details": text,
                "partner_preference": text,
            },
            headers=headers,
        )
        assert response.status_code < 500, response.get_data(as_text=True)


def test_every_page_shows_stored_payloads_escaped(shared_app, world):
    # Runs after the tests above in this module (pytest keeps file order) and sees what they stored.
    with shared_app.app_context():
        pages = _stored_pages(world)
    stored = 0
    for url, role in pages:
        page = _html(_client(shared_app, world, role).get(url))
        _check(f"{url} as {role}", page)
        stored += "__xss" in page
    print(f"{stored} of {len(pages)} pages show a stored payload")
    assert stored > 20, f"only {stored} pages show a stored payload: the corpus did not get stored"

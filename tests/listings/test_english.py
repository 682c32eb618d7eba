"""With English chosen, the listing pages speak English; what users wrote keeps its own language."""

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.listings.models import ImportJob
from tests.english import chinese_left
from tests.listings.conftest import signin
from tests.listings.factories import make_demand, make_patent, make_result


def _han(html: str) -> list[str]:
    return chinese_left(html)


@pytest.fixture
def english(client):
    client.post("/language", data={"language": "en"})
    return client


@pytest.fixture
def owner(people):
    """A university with English listings of each kind it may post, and an English name."""
    user = people["university"]
    user.organisation.name = "Hebei Example University"
    user.organisation.contact_name = "Li Lei"
    user.name = "Li Lei"
    db.session.commit()
    org = user.organisation
    patent = make_patent(
        org,
        title="Cathode material for lithium-ion cells",
        abstract="A coated cathode that keeps its capacity over 2000 cycles.",
        application_number="201710601862.3",
        publication_number="CN107451234B",
        patent_type="invention",
        legal_status="valid",
        filing_date=date(2017, 7, 25),
        grant_date=date(2020, 3, 1),
        applicants=["Hebei Example University"],
        inventors=["Zhang San", "Li Si"],
        ipc_codes=["H01M 4/36"],
        transfer_modes=["transfer", "license"],
        price_fen=500_000_000,
    )
    result = make_result(
        org,
        title="Short-route titanium alloy process",
        abstract="Cuts the forging steps of high-strength titanium alloys from five to two.",
        keywords=["titanium", "forging"],
        technology_field=None,
        form="new_process",
        maturity=6,
        completers=["Wang Wu"],
        transfer_modes=["license"],
        price_fen=None,
    )
    result.patents = [patent]
    db.session.commit()
    return {"user": user, "patent": patent, "result": result}


@pytest.fixture
def demand(people):
    org = people["enterprise"].organisation
    org.name = "Shijiazhuang Valve Works"
    people["enterprise"].name = "Wang Fang"
    db.session.commit()
    return make_demand(
        org,
        title="Online inspection for tablet presses",
        description="Tablets are inspected by hand after pressing.",
        technical_indicators="Detect 99% of cracked tablets at 3000 per minute.",
        expected_outcome="A working prototype on one line.",
        keywords=["machine vision"],
        technology_field=None,
        solution_mode="cooperative",
        budget_fen=2_000_000_000,
    )


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_public_pages_are_english(english, owner, demand):
    for url in (
        "/results",
        "/patents",
        "/demands",
        f"/results/{owner['result'].id}",
        f"/patents/{owner['patent'].id}",
        f"/demands/{demand.id}",
    ):
        page = _get(english, url)
        assert '<html lang="en">' in page
        assert not _han(page), (url, _han(page))
    patent_page = _get(english, f"/patents/{owner['patent'].id}")
    assert "In force" in patent_page and "Granted invention" in patent_page
    assert re.search(r'id="remaining-term">About \d+ yr( \d+ mo)? left \(expires 2037-07-24\)', patent_page)
    assert "Available for: Transfer, Licence" in patent_page
    assert "Technology readiness" in _get(english, f"/results/{owner['result'].id}")
    assert "Joint R&amp;D" in _get(english, f"/demands/{demand.id}")


def test_owner_pages_are_english(english, owner):
    signin(english, owner["user"])
    for url in (
        "/my/listings?kind=result",
        "/my/listings?kind=patent",
        f"/results/{owner['result'].id}",
        f"/patents/{owner['patent'].id}",
        f"/results/{owner['result'].id}/private",
        "/results/new",
        "/patents/new",
        f"/patents/{owner['patent'].id}/edit",
        "/my/listings/import",
    ):
        page = _get(english, url)
        assert not _han(page), (url, _han(page))


def test_a_form_error_is_english_and_keeps_what_was_typed(english, owner):
    signin(english, owner["user"])
    response = english.post(
        "/patents/new",
        data={"title": "", "abstract": "Typed abstract stays", "filing_date": "2020-13-45", "action": "save"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This field is required" in page
    assert "The date “2020-13-45” is not valid; write it as 2026-05-01" in page
    assert "Typed abstract stays" in page
    assert not _han(page), _han(page)


def test_flash_after_saving_is_english(english, owner):
    signin(english, owner["user"])
    response = english.post(
        "/results/new", data={"title": "Another English result", "action": "save"}, follow_redirects=True
    )
    assert "Draft saved; when everything is right, click “Publish”" in response.get_data(as_text=True)


BAD_CSV = (
    b"title,application_number,ipc_codes,remark\n"
    b"Sensor housing,201710601862.3,G01D,a note\n"
    b",,G01D,\n"
    b"Valve seat,,Q99,\n"
)


def test_import_preview_and_result_are_english(english, owner):
    signin(english, owner["user"])
    response = english.post(
        "/my/listings/import",
        data={"kind": "patent", "file": (io.BytesIO(BAD_CSV), "patents.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    preview = _get(english, response.headers["Location"])
    assert not _han(preview), _han(preview)
    assert "This platform&#39;s import template" in preview
    assert "These columns were not recognised or have no field chosen and are ignored: remark" in preview
    assert "Patent title: required, please fill it in" in preview
    assert "The IPC code “Q99” is not valid" in preview
    assert "There are errors; cannot import" in preview


def test_chinese_preview_is_unchanged(client, owner):
    signin(client, owner["user"])
    response = client.post(
        "/my/listings/import",
        data={"kind": "patent", "file": (io.BytesIO(BAD_CSV), "patents.csv")},
        content_type="multipart/form-data",
    )
    preview = _get(client, response.headers["Location"])
    assert "以下列不认识或未选择字段，已忽略：remark" in preview
    assert "专利名称：必填，请填写" in preview
    assert "IPC 分类号“Q99”格式不正确" in preview
    assert "本平台导入模板" in preview
    job = db.session.scalar(select(ImportJob))
    assert job.state == "preview"


def test_exports_and_templates_stay_chinese_in_english(english, owner):
    signin(english, owner["user"])
    response = english.get("/my/listings/export.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["专利", "科技成果", "技术需求", "代码说明"]
    header = next(workbook["专利"].iter_rows(values_only=True))
    assert header[0] == "编号" and "专利名称" in header and "法律状态" in header
    row = next(workbook["专利"].iter_rows(min_row=2, values_only=True))
    assert row[header.index("法律状态")] == "有效" and row[header.index("专利类型")] == "发明"
    template = english.get("/listings/template/patent.csv").get_data(as_text=True)
    assert template.splitlines()[0].lstrip("\ufeff").startswith("申请号")

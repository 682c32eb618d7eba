"""Bulk import: all or nothing, bad rows reported with line numbers, for XLSX, CSV and JSON Lines."""

import io
import json

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from marketplace.common.audit import AuditLog
from marketplace.extensions import db
from marketplace.listings import importer
from marketplace.listings.models import Demand, ImportJob, Patent, ResearchResult
from tests.listings.conftest import signin

GOOD = [
    {
        "title": "一种传感器",
        "application_number": "ZL 201710601862.3",
        "ipc_subclasses": "G01D|G01F",
        "price_wan": "3",
    },
    {"title": "一种阀门", "publication_number": "CN215792497U", "ipc_codes": "F16K 1/00", "price_wan": ""},
]
BAD = [
    {"title": "一种传感器", "application_number": "201710601862.3", "ipc_codes": "G01D"},
    {"title": "", "application_number": "201710601862.4", "ipc_codes": "G01D"},  # no title, bad check digit
    {"title": "一种阀门", "application_number": "", "ipc_codes": "Q99"},  # bad IPC
]


def as_csv(rows, extra_column=False) -> bytes:
    columns = sorted({k for r in rows for k in r}) + (["备注"] if extra_column else [])
    lines = [",".join(columns)] + [",".join(str(r.get(c, "")) for c in columns) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def as_jsonl(rows) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def as_xlsx(rows) -> bytes:
    columns = sorted({k for r in rows for k in r})
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for r in rows:
        sheet.append([r.get(c) for c in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


MAKERS = {"csv": as_csv, "jsonl": as_jsonl, "xlsx": as_xlsx}


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
def test_good_file_is_imported_and_published(people, fmt):
    org = people["university"].org
    report = importer.import_file("patent", org, people["university"], MAKERS[fmt](GOOD), f"p.{fmt}")
    db.session.commit()
    assert report.ok and report.imported == 2
    patents = db.session.scalars(select(Patent).order_by(Patent.id)).all()
    assert [p.status for p in patents] == ["published", "published"]
    assert patents[0].application_number == "201710601862.3" and patents[0].ipc_codes == ["G01D", "G01F"]
    assert patents[0].price_fen == 3_000_000 and patents[1].price_fen is None
    assert patents[1].patent_type == "utility_model"  # from the kind code U
    assert patents[0].organisation_id == org.id
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "patent.import"))
    assert entry.after_data["count"] == 2


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
def test_any_bad_row_imports_nothing_and_every_bad_row_is_reported(people, fmt):
    org = people["university"].org
    report = importer.import_file("patent", org, people["university"], MAKERS[fmt](BAD), f"p.{fmt}")
    assert not report.ok and report.imported == 0
    # Data rows start on line 2 after the header in CSV/XLSX, on line 1 in JSON Lines.
    first = 1 if fmt == "jsonl" else 2
    assert [e["line"] for e in report.errors] == [first + 1, first + 2]
    assert "名称" in report.errors[0]["message"] and "校验位" in report.errors[0]["message"]
    assert "IPC" in report.errors[1]["message"]
    db.session.commit()
    assert db.session.scalar(select(func.count(Patent.id))) == 0


def test_unknown_columns_are_ignored_with_a_warning(people):
    report = importer.import_file(
        "patent", people["university"].org, None, as_csv(GOOD, extra_column=True), "p.csv"
    )
    assert report.ok and any("备注" in w for w in report.warnings)


def test_broken_json_line_is_reported_with_its_line(people):
    data = as_jsonl(GOOD) + b"{not json}\n" + b"[1, 2]\n"
    report = importer.import_file("patent", people["university"].org, None, data, "p.jsonl")
    assert [e["line"] for e in report.errors] == [3, 4]


def test_duplicates_within_the_file_and_already_present(people):
    org = people["university"].org
    report = importer.import_file("patent", org, None, as_csv(GOOD), "p.csv")
    db.session.commit()
    again = importer.import_file("patent", org, None, as_csv(GOOD[:1] + GOOD[:1]), "p.csv")
    messages = [e["message"] for e in again.errors]
    assert any("重复" in m for m in messages) and any("已发布过" in m for m in messages)
    assert report.ok


def test_draft_flag_and_unverified_orgs_import_drafts(people):
    report = importer.import_file(
        "patent", people["university"].org, None, as_csv(GOOD), "p.csv", as_draft=True
    )
    assert report.ok
    report = importer.import_file(
        "demand",
        people["unverified"].org,
        None,
        as_csv([{"title": "需求", "deadline": "2099-01-01"}]),
        "d.csv",
    )
    assert report.ok and any("认证" in w for w in report.warnings)
    db.session.commit()
    assert set(db.session.scalars(select(Patent.status))) == {"draft"}
    assert db.session.scalar(select(Demand.status)) == "draft"


def test_demand_import_needs_deadline_column_and_takes_budget_in_wan(people):
    org = people["enterprise"].org
    report = importer.import_file("demand", org, None, as_csv([{"title": "需求"}]), "d.csv")
    assert not report.ok and report.errors[0]["line"] == 1
    rows = [
        {
            "title": "需求",
            "deadline": "2099-01-01",
            "budget_wan": "120.5",
            "hide_name": "是",
            "keywords": "a|b",
        }
    ]
    report = importer.import_file("demand", org, None, as_csv(rows), "d.csv")
    db.session.commit()
    demand = db.session.scalar(select(Demand))
    assert demand.budget_fen == 120_500_000 and demand.hide_name and demand.keywords == ["a", "b"]


def test_results_link_only_own_patents(people):
    from tests.listings.factories import make_patent

    own = make_patent(people["university"].organisation)
    other = make_patent(people["enterprise"].organisation, application_number=None)
    rows = [
        {"title": "成果一", "patent_ids": str(own.id)},
        {"title": "成果二", "patent_ids": f"{own.id}|{other.id}"},
    ]
    report = importer.import_file("result", people["university"].org, None, as_jsonl(rows), "r.jsonl")
    assert [e["line"] for e in report.errors] == [2]
    report = importer.import_file("result", people["university"].org, None, as_jsonl(rows[:1]), "r.jsonl")
    db.session.commit()
    result = db.session.scalar(select(ResearchResult))
    assert [p.id for p in result.patents] == [own.id]


def test_not_really_xlsx_is_a_clear_error(people):
    from marketplace.common.errors import ValidationError

    with pytest.raises(ValidationError, match="xlsx"):
        importer.import_file("patent", people["university"].org, None, b"hello", "p.xlsx")


@pytest.mark.parametrize("kind", ["patent", "result", "demand"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv", "jsonl"])
def test_templates_download_and_import_back(client, people, kind, fmt):
    response = client.get(f"/listings/template/{kind}.{fmt}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = response.data
    if fmt == "xlsx":
        header = next(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        # Chinese headers, amounts in 万元 (issue 16); the English names stay readable on import.
        assert {"专利名称", "成果名称", "需求名称"} & set(header) and "title" not in header
        assert any("万元" in h for h in header)
    user = people["enterprise" if kind == "demand" else "university"]
    report = importer.import_file(kind, user.org, None, data, f"t.{fmt}", as_draft=True)
    assert report.ok, report.errors  # the example row in each template is valid


def test_web_upload_runs_a_job_with_a_progress_endpoint(client, people):
    signin(client, people["university"])
    page = client.get("/my/listings/import")
    assert page.status_code == 200 and "下载模板" in page.get_data(as_text=True)
    response = client.post(
        "/my/listings/import",
        data={"kind": "patent", "file": (io.BytesIO(as_csv(BAD)), "bad.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/preview")
    job = db.session.scalar(select(ImportJob))
    assert job.state == "preview"  # nothing runs before the preview is confirmed
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "校验位" in preview and "有错误，不能导入" in preview
    response = client.post(response.headers["Location"], data={"action": "import"})
    db.session.expire_all()  # the test shares its session with the eager background job
    status = client.get(f"/my/listings/import/{job.id}/status").json
    assert status["state"] == "failed" and status["error_count"] == 2 and status["finished"]
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "未导入任何数据" in text and "校验位" in text and "listings.js" in text
    response = client.post(
        "/my/listings/import",
        data={"kind": "patent", "file": (io.BytesIO(as_xlsx(GOOD)), "good.xlsx"), "as_draft": "y"},
        content_type="multipart/form-data",
    )
    response = client.post(response.headers["Location"], data={"action": "import"})
    job = db.session.get(ImportJob, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert job.state == "done" and job.imported_count == 2
    assert set(db.session.scalars(select(Patent.status))) == {"draft"}
    # Another organisation cannot watch the job.
    signin(client, people["rival"])
    assert client.get(f"/my/listings/import/{job.id}/status").status_code == 403


def test_web_upload_refuses_other_file_types_and_kinds(client, people):
    signin(client, people["university"])
    response = client.post(
        "/my/listings/import",
        data={"kind": "patent", "file": (io.BytesIO(b"%PDF-1.4"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and ".xlsx" in response.get_data(as_text=True)
    response = client.post(
        "/my/listings/import",
        data={"kind": "demand", "file": (io.BytesIO(as_csv(GOOD)), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and db.session.scalar(select(func.count(ImportJob.id))) == 0


def test_cli_import(runner, people, tmp_path):
    path = tmp_path / "patents.csv"
    path.write_bytes(as_csv(BAD))
    name = people["university"].org.name
    result = runner.invoke(args=["import", "patents", str(path), "--org", name])
    assert result.exit_code != 0
    assert "第 3 行" in result.output and "第 4 行" in result.output and "未导入任何数据" in result.output
    path.write_bytes(as_csv(GOOD))
    result = runner.invoke(args=["import", "patents", str(path), "--org", name, "--draft"])
    assert result.exit_code == 0, result.output
    assert "已导入 2 条专利（草稿）" in result.output
    result = runner.invoke(args=["import", "results", str(path), "--org", people["enterprise"].org.name])
    assert result.exit_code != 0 and "不能发布" in result.output
    result = runner.invoke(args=["import", "patents", str(path), "--org", "不存在的单位"])
    assert result.exit_code != 0 and "找不到单位" in result.output


def test_cli_expire_demands(runner, people):
    from datetime import date

    from tests.listings.factories import make_demand

    make_demand(people["enterprise"].organisation, deadline=date(2020, 1, 1))
    result = runner.invoke(args=["expire-demands"])
    assert result.exit_code == 0 and "1 条" in result.output
    assert db.session.scalar(select(Demand.status)) == "expired"


def test_an_abandoned_job_shows_as_failed(client, people):
    from datetime import timedelta

    from marketplace.common.timeutil import utcnow

    job = ImportJob(
        kind="patent",
        organisation_id=people["university"].org.id,
        filename="x.csv",
        state="running",
        created_at=utcnow() - timedelta(hours=2),
    )
    db.session.add(job)
    db.session.commit()
    signin(client, people["university"])
    status = client.get(f"/my/listings/import/{job.id}/status").json
    assert status["state"] == "failed" and status["finished"]
    assert "中断" in client.get(f"/my/listings/import/{job.id}").get_data(as_text=True)


def test_imported_listings_are_searchable_from_the_web_and_the_cli(client, runner, people, tmp_path):
    """The outbox rows of a bulk import are committed with it, so the drain indexes the rows."""
    from marketplace.search.models import SearchOutbox
    from tests.search.helpers import found

    signin(client, people["university"])
    response = client.post(
        "/my/listings/import",
        data={"kind": "patent", "file": (io.BytesIO(as_xlsx(GOOD)), "good.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    client.post(response.headers["Location"], data={"action": "import"})
    ids = set(db.session.scalars(select(Patent.id)))
    assert len(ids) == 2
    assert {obj_id for _kind, obj_id in found("传感器") + found("阀门")} == ids
    path = tmp_path / "results.csv"
    path.write_bytes(as_csv([{"title": "一种超声滚压强化工艺"}]))
    result = runner.invoke(args=["import", "results", str(path), "--org", people["university"].org.name])
    assert result.exit_code == 0, result.output
    result_id = db.session.scalar(select(ResearchResult.id))
    assert found("超声滚压强化") == [("result", result_id)]
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0

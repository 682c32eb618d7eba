"""Importing patent database exports (issue 16): layouts, header variants, preview, duplicates, flags."""

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.listings import importer
from marketplace.listings.headers import map_headers, target_for
from marketplace.listings.import_preview import analyse
from marketplace.listings.models import Demand, Patent, ResearchResult
from tests.listings import patent_exports as ex
from tests.listings.conftest import signin
from tests.listings.factories import make_patent

LAYOUTS = [
    ("cnipa", ex.cnipa_rows, ex.as_xlsx, "专利检索结果.xlsx"),
    ("incopat", ex.incopat_rows, ex.as_xls, "incopat导出.xls"),
    ("patsnap", ex.patsnap_rows, lambda rows: ex.as_csv(rows, "gb18030"), "智慧芽.csv"),
    ("soopat", ex.soopat_rows, lambda rows: ex.as_csv(rows, "utf-8"), "soopat.csv"),
    ("incopat", ex.incopat_rows, ex.as_html_xls, "incopat网页导出.xls"),
]


def _by_app(number_prefix: str) -> Patent:
    return db.session.scalar(select(Patent).where(Patent.application_number.startswith(number_prefix)))


@pytest.mark.parametrize(("layout", "rows", "writer", "name"), LAYOUTS, ids=[x[3] for x in LAYOUTS])
def test_each_database_layout_is_detected_and_imported(people, layout, rows, writer, name):
    org = people["university"].org
    data = writer(rows())
    preview = analyse("patent", org.id, data, name)
    assert preview.layout == layout and not preview.errors, preview.errors
    assert preview.total == 4 and db.session.scalar(select(func.count(Patent.id))) == 0
    report = importer.import_file("patent", org, None, data, name)
    db.session.commit()
    assert report.ok and report.imported == 4, report.errors
    granted = _by_app("201910345678")
    assert granted.title == "一种高镍三元锂离子电池正极材料的制备方法"
    assert granted.publication_number == "CN110098765B"  # the grant wins over the A publication
    assert granted.patent_type == "invention"
    # A SooPAT list has no legal status column: nothing is guessed for it.
    assert granted.legal_status == (None if layout == "soopat" else "valid")
    assert granted.applicants == ["河北科技大学", "石家庄新能电池有限公司"]
    assert granted.inventors == ["王建国", "李晓明", "张丽"]
    assert granted.filing_date == date(2019, 5, 8)
    assert granted.ipc_codes[0] == "H01M 4/505"
    utility = _by_app("202120987654")
    assert utility.patent_type == "utility_model" and utility.publication_number == "CN215792497U"
    pending = _by_app("202210456789")
    assert pending.legal_status == (None if layout == "soopat" else "pending") and pending.grant_date is None
    design = _by_app("201830123456")
    assert design.patent_type == "design"
    if layout != "soopat":
        assert design.legal_status == "lapsed"
    if layout in ("cnipa", "incopat"):
        assert design.legal_status_detail == "未缴年费专利权终止"
    if layout in ("incopat", "patsnap"):
        assert granted.grant_date == date(2021, 3, 16)
    if layout == "cnipa":  # no 授权公告日 column: a grant publication's date is its grant date
        assert utility.grant_date == date(2022, 2, 11) and pending.grant_date is None
    if layout == "cnipa":
        assert granted.abstract.startswith("本发明公开了") and granted.publication_date == date(2021, 3, 16)
        assert granted.grant_date == date(2021, 3, 16)


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("公开 （公告） 号", "publication_number"),
        ("公开(公告)号(全部)", "publication_number"),
        ("公开公告号", "publication_number"),
        ("公告号", "publication_number"),
        ("【申请号】", "application_number"),
        ("申请日 ", "filing_date"),
        ("发明名称[标]", "title"),
        ("标题(中文)", "title"),
        ("申请 (专利权) 人", "applicants"),
        ("专利权人", "applicants"),
        ("当前权利人(全部)", "applicants"),
        ("发明(设计)人", "inventors"),
        ("ＩＰＣ分类号", "ipc_codes"),
        ("主分类号", "ipc_codes"),
        ("当前法律状态", "legal_status"),
        ("简单法律状态", "legal_status"),
        ("授权公告日", "grant_date"),
        ("专利类型", "patent_type"),
        ("参考价格（万元）", "price_wan"),
        ("price_fen", "price_fen"),
        ("备注", ""),
    ],
)
def test_header_variants_map_to_fields(header, target):
    assert target_for("patent", header) == target


def test_title_rows_above_the_header_are_skipped_and_lines_are_the_file_lines(people):
    rows = ex.cnipa_rows()
    rows[4][1] = "201910345678.0"  # a wrong check character on the first data row (file line 4)
    preview = analyse("patent", people["university"].org.id, ex.as_xlsx(rows), "x.xlsx")
    assert preview.header_line == 3 and preview.headers[1] == "申请号"
    assert [e["line"] for e in preview.errors] == [5] and "校验" in preview.errors[0]["message"]


def test_a_changed_mapping_is_applied(people):
    rows = ex.cnipa_rows()
    rows[2][5] = "专利题目"  # a header no table knows: the title is missing
    org = people["university"].org
    data = ex.as_xlsx(rows)
    preview = analyse("patent", org.id, data, "x.xlsx")
    assert any("名称" in e["message"] for e in preview.errors)
    assert map_headers("patent", rows[2])[5] == ""
    # The user maps it on the preview page, and drops the abstract.
    report = importer.import_file("patent", org, None, data, "x.xlsx", mapping={"5": "title", "9": ""})
    db.session.commit()
    assert report.ok and report.imported == 4
    assert _by_app("201910345678").title.startswith("一种高镍") and _by_app("201910345678").abstract == ""


def test_duplicates_error_skip_and_update(people):
    org = people["university"].org
    importer.import_file("patent", org, None, ex.as_xlsx(ex.cnipa_rows()), "a.xlsx")
    granted = _by_app("201910345678")
    granted.price_fen, granted.transfer_modes = 50_000_000, ["license"]
    pending = _by_app("202210456789")
    db.session.commit()
    newer = ex.incopat_rows()
    newer[3][9] = "授权"  # the pending application has since been granted
    newer[3][1] = "CN114220277A\nCN114220277B"
    newer[3][4] = "2024-01-05"
    data = ex.as_xls(newer)

    report = importer.import_file("patent", org, None, data, "b.xls")
    assert not report.ok and len(report.errors) == 4 and "已发布过" in report.errors[0]["message"]
    report = importer.import_file("patent", org, None, data, "b.xls", on_duplicate="skip")
    assert report.ok and report.skipped == 4 and report.imported == 0
    report = importer.import_file("patent", org, None, data, "b.xls", on_duplicate="update")
    db.session.commit()
    assert report.ok and report.updated >= 1 and report.imported == 0
    db.session.expire_all()
    pending = db.session.get(Patent, pending.id)
    assert pending.legal_status == "valid" and pending.legal_status_detail == "授权"
    assert pending.grant_date == date(2024, 1, 5) and pending.publication_number == "CN114220277B"
    granted = db.session.get(Patent, granted.id)
    assert granted.price_fen == 50_000_000 and granted.transfer_modes == ["license"]  # kept
    assert db.session.scalar(select(func.count(Patent.id))) == 4


def test_a_and_b_publications_of_one_application_are_one_patent(people):
    org = people["university"].org
    make_patent(org, publication_number="CN110098765A", application_number=None, title="旧记录")
    preview = analyse("patent", org.id, ex.as_xlsx(ex.cnipa_rows()), "x.xlsx")
    assert [d["line"] for d in preview.duplicates] == [4] and preview.duplicates[0]["own"]


def test_a_patent_of_another_organisation_is_reported_and_never_updated(people):
    other = people["institute"].org
    theirs = make_patent(other, application_number="201910345678." + ex.app_no("201910345678")[-1])
    org = people["university"].org
    report = importer.import_file(
        "patent", org, None, ex.as_xlsx(ex.cnipa_rows()), "x.xlsx", on_duplicate="update"
    )
    db.session.commit()
    assert report.ok and report.imported == 3 and report.skipped == 1
    assert db.session.get(Patent, theirs.id).organisation_id == other.id
    assert any("其他单位" in w for w in report.warnings)


def _results_csv(price: str) -> bytes:
    rows = [
        ["成果名称", "完成单位", "成果简介", "技术领域", "技术成熟度", "转化方式", "参考价格（万元）"],
        [
            "高强韧钛合金短流程制备技术",
            "河北科技大学",
            "短流程制备",
            "新材料及其应用",
            "6",
            "许可|合作实施",
            price,
        ],
    ]
    return ex.as_csv(rows)


def test_results_in_wan_with_small_amount_flagged_until_accepted(people):
    org = people["university"].org
    report = importer.import_file("result", org, None, _results_csv("0.8"), "r.csv")
    assert not report.ok and "不到 1 万元" in report.errors[0]["message"]
    report = importer.import_file("result", org, None, _results_csv("0.8"), "r.csv", accepted={2})
    db.session.commit()
    assert report.ok and report.imported == 1
    result = db.session.scalar(select(ResearchResult))
    assert (
        result.price_fen == 800_000
        and result.maturity == 6
        and result.transfer_modes == ["license", "cooperation"]
    )
    # The same title again from the same organisation is a duplicate.
    again = importer.import_file("result", org, None, _results_csv("80"), "r.csv")
    assert not again.ok and "同名成果" in again.errors[0]["message"]
    updated = importer.import_file("result", org, None, _results_csv("80"), "r.csv", on_duplicate="update")
    db.session.commit()
    assert updated.updated == 1 and db.session.get(ResearchResult, result.id).price_fen == 80 * 1_000_000


def test_demand_budget_over_100_yi_is_flagged_and_english_fen_columns_still_work(people):
    org = people["enterprise"].org
    rows = [["需求名称", "截止日期", "拟投入资金（万元）"], ["在线检测系统开发", "2099-01-01", "2000000"]]
    report = importer.import_file("demand", org, None, ex.as_csv(rows), "d.csv")
    assert not report.ok and "100 亿元" in report.errors[0]["message"]
    assert importer.import_file("demand", org, None, ex.as_csv(rows), "d.csv", accepted=True).ok
    old = [["title", "deadline", "budget_fen"], ["旧模板需求", "2099-01-01", "120000000"]]
    assert importer.import_file("demand", org, None, ex.as_csv(old), "d.csv").ok
    db.session.commit()
    assert db.session.scalar(select(Demand.budget_fen).where(Demand.title == "旧模板需求")) == 120_000_000


def test_cli_preview_writes_nothing_and_flags_stop_without_yes(runner, people, tmp_path):
    org = people["university"].org
    path = tmp_path / "cnipa.xlsx"
    path.write_bytes(ex.as_xlsx(ex.cnipa_rows()))
    result = runner.invoke(args=["import", "patents", str(path), "--org", org.name, "--preview"])
    assert result.exit_code == 0, result.output
    assert "国家知识产权局" in result.output and "发明名称 -> 专利名称" in result.output
    assert "未写入任何数据" in result.output and db.session.scalar(select(func.count(Patent.id))) == 0
    assert runner.invoke(args=["import", "patents", str(path), "--org", org.name]).exit_code == 0
    again = runner.invoke(args=["import", "patents", str(path), "--org", org.name])
    assert again.exit_code != 0 and "已发布过" in again.output
    skip = runner.invoke(args=["import", "patents", str(path), "--org", org.name, "--on-duplicate", "skip"])
    assert skip.exit_code == 0 and "跳过 4 条" in skip.output
    results = tmp_path / "r.csv"
    results.write_bytes(_results_csv("0.5"))
    flagged = runner.invoke(args=["import", "results", str(results), "--org", org.name])
    assert flagged.exit_code != 0 and "--yes" in flagged.output
    accepted = runner.invoke(args=["import", "results", str(results), "--org", org.name, "--yes"])
    assert accepted.exit_code == 0, accepted.output


def test_web_preview_changes_a_mapping_and_accepts_flagged_rows(client, people):
    signin(client, people["university"])
    response = client.post(
        "/my/listings/import",
        data={"kind": "result", "file": (io.BytesIO(_results_csv("0.8")), "r.csv")},
        content_type="multipart/form-data",
    )
    url = response.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "识别为" in page and "需确认" in page and 'name="accept" value="2"' in page
    assert "高强韧钛合金" in page and "0.80 万元" in page
    # Drop the abstract column (index 2) and re-preview: the choice is kept.
    client.post(url, data={"action": "preview", "map_2": ""})
    page = client.get(url).get_data(as_text=True)
    assert 'id="map_2" name="map_2" data-header="成果简介">\n            <option value="" selected' in page
    response = client.post(url, data={"action": "import", "accept": "2", "map_2": ""})
    assert response.status_code == 302 and "/preview" not in response.headers["Location"]
    db.session.expire_all()
    result = db.session.scalar(select(ResearchResult))
    assert result is not None and result.abstract == "" and result.price_fen == 800_000


def test_numbers_guarded_as_text_by_the_export_are_read(people):
    rows = [
        ["公开(公告)号", "申请号", "标题", "申请日"],
        ['="CN110098765B"', f"'{ex.app_no('201910345678')}", "一种高镍正极材料", "20190508"],
    ]
    preview = analyse("patent", people["university"].org.id, ex.as_csv(rows), "x.csv")
    assert not preview.errors, preview.errors
    record = preview.records[0]
    assert record["publication_number"] == "CN110098765B" and record["filing_date"] == date(2019, 5, 8)


def test_web_preview_offers_skip_or_update_for_patents_already_posted(client, people):
    org = people["university"].org
    importer.import_file("patent", org, None, ex.as_xlsx(ex.cnipa_rows()), "a.xlsx")
    db.session.commit()
    signin(client, people["university"])
    newer = ex.cnipa_rows()
    newer[5][10] = "授权"  # the pending application (third data row) has been granted
    response = client.post(
        "/my/listings/import",
        data={"kind": "patent", "file": (io.BytesIO(ex.as_xlsx(newer)), "b.xlsx")},
        content_type="multipart/form-data",
    )
    url = response.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "平台上已有（4）" in page and 'name="on_duplicate"' in page and "已发布过" in page
    client.post(url, data={"action": "import", "on_duplicate": "update"})
    db.session.expire_all()
    assert _by_app("202210456789").legal_status == "valid"
    assert db.session.scalar(select(func.count(Patent.id))) == 4

"""The dashboard, exports, public page, targets and the summary API, through the client."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.accounts.services import create_api_token
from marketplace.common.audit import AuditLog
from marketplace.extensions import db
from marketplace.stats.facts import remove_contract_fact, upsert_contract_fact
from marketplace.stats.models import ManualIndicator, StatSettingChange
from marketplace.stats.settings import get_targets
from tests.factories import login, make_org, make_user
from tests.stats.factories import make_fact

PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture
def bureau(app, client):
    with app.app_context():
        user = make_user("bureau")
    login(client, user)
    return user


@pytest.fixture
def contracts(app):
    """Seven contracts in 2025 (one amended twice, one cancelled) and one outside the period."""
    with app.app_context():
        made = [
            make_fact(
                registered_on=date(2025, 1, 1),
                contract_amount_fen=1_234_567_89,
                technical_amount_fen=1_000_000_01,
                seller_name="河北科技大学",
                buyer_name="北京某科技有限公司",
                buyer_region_code="110108",
                registration_number="2025130100010001",
            ),
            make_fact(
                registered_on=date(2025, 12, 31),
                contract_amount_fen=99,
                technical_amount_fen=1,
                district="130102",
            ),
            make_fact(
                registered_on=date(2025, 6, 15),
                contract_amount_fen=50_000_000_00,
                technical_amount_fen=45_000_000_00,
            ),
            make_fact(
                registered_on=date(2025, 7, 1),
                contract_amount_fen=3_33,
                technical_amount_fen=3_33,
                contract_type="service",
            ),
            make_fact(
                registered_on=date(2025, 8, 9),
                contract_amount_fen=10_00,
                technical_amount_fen=5_00,
                buyer_country="DEU",
            ),
            make_fact(registered_on=date(2025, 9, 9), contract_amount_fen=77_77, technical_amount_fen=77_77),
            make_fact(
                registered_on=date(2025, 10, 10), contract_amount_fen=8_888_88, technical_amount_fen=8_000_00
            ),
            make_fact(registered_on=date(2024, 12, 31), contract_amount_fen=5_55, technical_amount_fen=5_55),
        ]
        db.session.commit()
        amended = made[2]
        amended.contract_amount_fen, amended.technical_amount_fen = 40_000_000_01, 39_000_000_00
        upsert_contract_fact(amended)
        db.session.commit()
        amended.contract_amount_fen, amended.technical_amount_fen = 41_000_000_02, 39_500_000_00
        upsert_contract_fact(amended)
        remove_contract_fact(made[5].contract_id)
        db.session.commit()
    counted = [d for i, d in enumerate(made[:7]) if i != 5]
    return {
        "made": made,
        "count": len(counted),
        "contract_fen": sum(d.contract_amount_fen for d in counted),
        "technical_fen": sum(d.technical_amount_fen for d in counted),
    }


def _csv_rows(response):
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV must start with a UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(text[1:])))


def _fen(text: str) -> int:
    value = Decimal(text) * 100
    assert value == value.to_integral(), text
    return int(value)


def test_exported_contract_list_matches_the_totals_to_the_fen(client, bureau, contracts):
    response = client.get("/bureau/stats/export/contracts.csv", query_string=PERIOD)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = _csv_rows(response)
    assert header[-4:] == ["合同成交额（元）", "技术交易额（元）", "合同成交额（万元）", "技术交易额（万元）"]
    assert len(rows) == contracts["count"]
    assert sum(_fen(r[-4]) for r in rows) == contracts["contract_fen"]
    assert sum(_fen(r[-3]) for r in rows) == contracts["technical_fen"]
    first = rows[0]
    assert first[0] == "2025130100010001"
    assert first[-4] == "1234567.89" and first[-3] == "1000000.01"
    assert first[-2] == "123.46"  # 万元, rounded for reading
    amended = next(r for r in rows if r[-4] == "41000000.02")
    assert amended[-3] == "39500000.00"
    assert any(r[1] == "2025-12-31" for r in rows) and any(r[1] == "2025-01-01" for r in rows)
    assert any(r[8].startswith("境外") for r in rows)

    summary = client.get("/bureau/stats/export/summary.csv", query_string=PERIOD)
    _header, total, *_rest = _csv_rows(summary)
    assert total[:3] == ["合计", "全部登记合同", str(contracts["count"])]
    assert _fen(total[3]) == contracts["contract_fen"]
    assert _fen(total[4]) == contracts["technical_fen"]


def test_dashboard_totals_equal_the_export(client, bureau, contracts):
    page = client.get("/bureau/stats/", query_string=PERIOD)
    assert page.status_code == 200
    html = page.data.decode()
    from marketplace.common.money import format_yuan

    assert format_yuan(contracts["contract_fen"]) in html
    assert format_yuan(contracts["technical_fen"]) in html
    assert 'type="application/json" id="stats-data"' in html
    assert "河北科技大学" in html  # top sellers are for the bureau


def test_xlsx_exports_hold_exact_amounts(client, bureau, contracts):
    response = client.get("/bureau/stats/export/contracts.xlsx", query_string=PERIOD)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[-4] == "合同成交额（元）"
    assert len(rows) == contracts["count"]
    assert sum(int(Decimal(str(r[-4])) * 100) for r in rows) == contracts["contract_fen"]
    summary = client.get("/bureau/stats/export/summary.xlsx", query_string=PERIOD)
    workbook = load_workbook(io.BytesIO(summary.data), read_only=True)
    assert workbook.sheetnames == [
        "汇总",
        "合同类别",
        "技术领域",
        "卖方主体性质",
        "买方所在地",
        "区县",
        "代码说明",
    ]
    codes = list(workbook["代码说明"].iter_rows(values_only=True))
    assert codes[0] == ("字段", "代码", "含义")
    assert ("合同类别", "development", "技术开发") in codes
    _header, total, *_rest = list(workbook["汇总"].iter_rows(values_only=True))
    assert total[2] == contracts["count"]
    _header, *types = list(workbook["合同类别"].iter_rows(values_only=True))
    assert sum(row[2] for row in types) == contracts["count"]
    assert sum(Decimal(str(row[3])) for row in types) * 100 == contracts["contract_fen"]


def test_summary_api_returns_the_documented_fields(app, client, contracts):
    with app.app_context():
        token = create_api_token(make_user("bureau"), "stats")
        db.session.commit()
    response = client.get(
        "/api/v1/stats/summary", query_string=PERIOD, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["contract_amount_fen"] == contracts["contract_fen"]
    assert body["technical_amount_fen"] == contracts["technical_fen"]
    assert body["registered_contracts"] == contracts["count"]
    assert body["target_fen"] == 1_000_000_000_000
    assert body["target_basis"] == "contract_amount"
    assert (body["period_start"], body["period_end"]) == ("2024-01-01", "2027-12-31")
    for name in ("by_type", "by_field", "by_seller_nature", "by_buyer_region", "by_district"):
        rows = body[name]
        assert rows and set(rows[0]) == {
            "key",
            "label",
            "count",
            "contract_amount_fen",
            "technical_amount_fen",
        }
        assert sum(r["contract_amount_fen"] for r in rows) == body["contract_amount_fen"], name
        assert sum(r["technical_amount_fen"] for r in rows) == body["technical_amount_fen"], name
        assert sum(r["count"] for r in rows) == body["registered_contracts"], name
    regions = {r["key"]: r for r in body["by_buyer_region"]}
    assert regions["beijing"]["label"] == "北京" and regions["beijing"]["count"] == 1
    assert regions["foreign"]["count"] == 1

    district = client.get(
        "/api/v1/stats/summary",
        query_string={**PERIOD, "district": "130102"},
        headers={"Authorization": f"Bearer {token}"},
    ).get_json()
    assert (district["registered_contracts"], district["contract_amount_fen"]) == (1, 99)

    one_day = client.get(
        "/api/v1/stats/summary",
        query_string={"from": "2025-12-31", "to": "2025-12-31"},
        headers={"Authorization": f"Bearer {token}"},
    ).get_json()
    assert one_day["registered_contracts"] == 1


@pytest.mark.parametrize(
    "query, field",
    [
        ({"from": "2025-13-01"}, "from"),
        ({"from": "2025-05-01", "to": "2025-04-30"}, "to"),
        ({"district": "110000"}, "district"),
        ({"to": "not-a-date"}, "to"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "0001-01-01"}, "from"),
    ],
)
def test_summary_api_rejects_bad_filters_with_json(app, client, query, field):
    with app.app_context():
        token = create_api_token(make_user("bureau"), "stats")
        db.session.commit()
    response = client.get(
        "/api/v1/stats/summary", query_string=query, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]


def test_summary_api_is_for_the_bureau_only(app, client):
    with app.app_context():
        token = create_api_token(make_user("broker"), "stats")
        db.session.commit()
    assert client.get("/api/v1/stats/summary").status_code == 401
    response = client.get("/api/v1/stats/summary", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_summary_api_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/stats/summary"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to", "district"}
    required = set(spec["components"]["schemas"]["StatsSummary"]["required"])
    assert {"contract_amount_fen", "target_basis", "by_district", "period_end"} <= required


def test_public_page_shows_totals_but_no_individual_contract(client, contracts, app):
    with app.app_context():
        org = make_org("university")
        db.session.commit()
    assert org
    page = client.get("/stats")
    assert page.status_code == 200
    html = page.data.decode()
    assert "成果转化动态" in html
    from marketplace.common.money import format_wan

    figure = contracts["contract_fen"] + 5_55  # the 2024 contract is in the target period too
    assert format_wan(figure) in html
    for secret in ("河北科技大学", "北京某科技有限公司", "2025130100010001", "1,234,567.89", "测试单位"):
        assert secret not in html
    # Nothing on the page links to the bureau's dashboard or exports.
    assert "/bureau/stats" not in html


def test_home_page_and_workbench_show_the_registered_total(app, client, bureau, contracts):
    from marketplace.common.money import format_wan

    total = format_wan(contracts["contract_fen"] + 5_55)
    assert total in client.get("/").data.decode()
    workbench = client.get("/dashboard").data.decode()
    assert "技术交易目标进度" in workbench and total in workbench
    assert "数据看板" in workbench


def test_workbench_panel_is_only_for_the_bureau(app, client):
    with app.app_context():
        login(client, make_user("enterprise"))
    html = client.get("/dashboard").data.decode()
    assert "技术交易目标进度" not in html and "数据看板" not in html


def test_dashboard_filters_by_period_and_district(client, bureau, contracts):
    html = client.get("/bureau/stats/", query_string={**PERIOD, "district": "130102"}).data.decode()
    assert "0.99 元" in html  # the single 长安区 contract of 99 分
    empty = client.get("/bureau/stats/", query_string={"from": "2020-01-01", "to": "2020-12-31"})
    assert empty.status_code == 200
    assert "该期间没有登记的技术合同" in empty.data.decode()


def test_dashboard_keeps_what_was_typed_when_filters_are_wrong(client, bureau):
    response = client.get("/bureau/stats/", query_string={"from": "2025-02-30", "to": "2025-01-01"})
    assert response.status_code == 422
    html = response.data.decode()
    assert 'value="2025-02-30"' in html
    assert "日期格式应为 YYYY-MM-DD" in html


def test_dashboard_shows_no_data_for_matches_until_matching_exists(client, bureau):
    html = client.get("/bureau/stats/").data.decode()
    assert "获得至少一项匹配的需求" in html and "暂无数据" in html


def test_export_with_bad_filters_is_an_error_page_not_a_500(client, bureau):
    response = client.get("/bureau/stats/export/contracts.csv", query_string={"from": "yesterday"})
    assert response.status_code == 422
    assert "日期" in response.data.decode() or "筛选条件" in response.data.decode()


def _target_form(**overrides):
    data = {
        "trade_target": "1000000",
        "target_basis": "contract_amount",
        "period_start": "2024-01-01",
        "period_end": "2027-12-31",
        "major_projects_target": "100",
        "major_threshold": "1000",
        "institutions_target": "38",
        "jjj_platform_target": "1",
        "jj_base_target": "2",
        "talent_base_target": "1",
        "patents_per_10k_target": "8",
        "note": "",
    }
    data.update(overrides)
    return data


def test_targets_are_seeded_from_the_plan(app_ctx):
    targets = get_targets()
    assert targets.trade_target_fen == 10_000_000_000 * 100
    assert targets.target_basis == "contract_amount"
    assert (targets.period_start, targets.period_end) == (date(2024, 1, 1), date(2027, 12, 31))
    assert (targets.major_projects_target, targets.institutions_target) == (100, 38)
    assert targets.major_threshold_fen == 10_000_000 * 100


def test_editing_targets_keeps_a_history_and_an_audit_entry(app, client, bureau):
    page = client.get("/bureau/stats/targets")
    assert page.status_code == 200 and 'value="1000000"' in page.data.decode()
    assert 'placeholder="None"' not in page.data.decode()
    response = client.post(
        "/bureau/stats/targets",
        data=_target_form(trade_target="1200000.5", target_basis="technical_amount", note="按新规划调整"),
    )
    assert response.status_code == 302
    with app.app_context():
        targets = get_targets()
        assert targets.trade_target_fen == 1_200_000_500_000
        assert targets.target_basis == "technical_amount"
        changes = db.session.scalars(select(StatSettingChange).order_by(StatSettingChange.key)).all()
        assert [(c.key, c.old_value, c.new_value) for c in changes] == [
            ("target_basis", "contract_amount", "technical_amount"),
            ("trade_target_fen", "1000000000000", "1200000500000"),
        ]
        assert all(c.changed_by_id == bureau.id and c.note == "按新规划调整" for c in changes)
        audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "stats.targets_updated"))
        assert audit is not None and audit.actor_id == bureau.id
    history = client.get("/bureau/stats/targets").data.decode()
    assert "按新规划调整" in history and "技术交易额" in history
    # Saving the same values again adds nothing to the history.
    client.post(
        "/bureau/stats/targets", data=_target_form(trade_target="1200000.5", target_basis="technical_amount")
    )
    with app.app_context():
        assert len(db.session.scalars(select(StatSettingChange)).all()) == 2


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"trade_target": "abc"}, "金额格式不正确"),
        ({"trade_target": "0"}, "金额须大于零"),
        ({"period_end": "2023-12-31"}, "截止日须晚于起始日"),
        ({"period_start": "2024/01/01"}, "日期格式应为 YYYY-MM-DD"),
        ({"institutions_target": "-3"}, "请填写不小于零的整数"),
        ({"major_threshold": "12.345"}, "最多两位小数"),
        ({"period_end": "9999-12-31"}, "目标期须在 2000 至 2100 年之间"),
    ],
)
def test_bad_targets_are_refused_with_the_typed_values_kept(app, client, bureau, overrides, message):
    response = client.post("/bureau/stats/targets", data=_target_form(**overrides))
    assert response.status_code == 422
    html = response.data.decode()
    assert message in html
    for value in overrides.values():
        assert f'value="{value}"' in html
    with app.app_context():
        assert db.session.scalars(select(StatSettingChange)).all() == []


def test_indicators_are_entered_with_source_and_date(app, client, bureau):
    response = client.post(
        "/bureau/stats/indicators",
        data={
            "key": "patents_per_10k",
            "value": "7.35",
            "source": "2025年石家庄市知识产权统计公报",
            "as_of": "2025-12-31",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(ManualIndicator))
        assert (entry.value, entry.as_of, entry.entered_by_id) == ("7.35", date(2025, 12, 31), bureau.id)
    html = client.get("/bureau/stats/").data.decode()
    assert "7.35" in html and "2025年石家庄市知识产权统计公报" in html

    bad = client.post(
        "/bureau/stats/indicators",
        data={"key": "patents_per_10k", "value": "七", "source": "", "as_of": "2025-12-31"},
    )
    assert bad.status_code == 422
    assert "请填写数据来源" in bad.data.decode() and 'value="七"' in bad.data.decode()


def test_institutions_count_verified_organisations_the_bureau_marked(app, client, bureau):
    with app.app_context():
        make_org("broker", is_transfer_institution=True)
        make_org("broker", is_registration_point=True, is_transfer_institution=True)
        make_org("broker", verified=False, is_transfer_institution=True)
        make_org("broker")
        db.session.commit()
    html = client.get("/bureau/stats/").data.decode()
    assert "2 <span" in html and "/ 38 家" in html

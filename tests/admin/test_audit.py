"""The audit log reads like a register; the bureau reads it too; nothing recorded is removed."""

import ast
import io
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from marketplace.admin.register import ACTION_LABELS, action_label
from marketplace.common import maintenance
from marketplace.common.audit import AuditLog, record_audit
from marketplace.common.kinds import KIND_LABELS
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db
from tests.deals.factories import make_patent
from tests.factories import login, make_user
from tests.listings.conftest import signin

ROOT = Path(__file__).resolve().parents[2] / "marketplace"


def _recorded_actions() -> set[str]:
    """Every action code the source passes to record_audit (f-strings over the listing kinds)."""
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "record_audit"):
                continue
            for arg in node.args[1:2]:
                if isinstance(arg, ast.Constant):
                    found.add(arg.value)
                elif isinstance(arg, ast.JoinedStr):
                    tail = "".join(v.value for v in arg.values if isinstance(v, ast.Constant))
                    found |= {f"{kind}{tail}" for kind in KIND_LABELS}
                elif isinstance(arg, ast.IfExp):
                    found |= {arg.body.value, arg.orelse.value}
                else:
                    raise AssertionError(
                        f"{path}: an action record_audit's test cannot read: {ast.dump(arg)}"
                    )
    return found


def test_every_recorded_action_has_a_chinese_label(app):
    # The app factory imports every feature, and with it the labels each describes (describe_audit).
    actions = _recorded_actions()
    assert len(actions) > 50 and "contract.approved" in actions and "patent.publish" in actions
    missing = sorted(a for a in actions if a not in ACTION_LABELS)
    assert missing == []
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in ACTION_LABELS.values())
    assert action_label("contract.approved") == "准予登记合同"


@pytest.fixture
def world(app):
    with app.app_context():
        bureau = make_user("bureau", name="审核员王芳")
        admin = make_user("bureau", admin=True, name="管理员")
        seller = make_user("university", name="李老师")
        seller.organisation.name = "河北测试大学"
        other = make_user("enterprise", name="赵经理")
        patent = make_patent(seller, title="一种锂电池隔膜")
        record_audit(
            seller,
            "patent.update",
            patent,
            before={"price_fen": 100_000_000, "patent_type": "invention", "status": "draft"},
            after={"price_fen": 123_456_789, "patent_type": "utility_model", "status": "published"},
        )
        record_audit(
            other,
            "contract.updated",
            object_type="tech_contracts",
            object_id=999,
            before={"contract_amount_fen": 50_000_000},
            after={"contract_amount_fen": 60_000_000},
        )
        old = record_audit(other, "user.login", other)
        old.created_at = datetime(2026, 1, 10, 3, 0)
        db.session.commit()
        yield {"bureau": bureau, "admin": admin, "seller": seller, "other": other, "patent": patent}


def test_register_names_people_actions_objects_and_changes(client, world):
    login(client, world["bureau"])
    response = client.get("/admin/audit")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "李老师" in page and "河北测试大学" in page
    assert "修改专利" in page and "修改合同" in page
    assert f'href="/patents/{world["patent"].id}"' in page and "一种锂电池隔膜" in page
    assert "参考价格" in page and "123.46 万元（1,234,567.89 元）" in page and "100.00 万元" in page
    assert "专利类型" in page and "发明" in page and "实用新型" in page and "已发布" in page
    assert "合同成交额" in page and "60.00 万元" in page
    for raw in ("contract_amount_fen", "price_fen", "utility_model", '{"', "patent.update", "users #"):
        assert raw not in re.sub(r'title="[^"]*"|value="[^"]*"', "", page), raw


def _register(client, url: str) -> str:
    """The entries part of the page (the filter lists name every action)."""
    page = client.get(url).get_data(as_text=True)
    return page[page.index("共 ") :]


def test_user_links_only_for_admins(client, world):
    login(client, world["bureau"])
    assert "/admin/users?q=" not in client.get("/admin/audit?action=user.login").get_data(as_text=True)
    signin(client, world["admin"])
    assert "/admin/users?q=" in client.get("/admin/audit?action=user.login").get_data(as_text=True)


def test_filters_by_organisation_action_and_date(client, world):
    login(client, world["admin"])
    org = world["seller"].organisation_id
    page = _register(client, f"/admin/audit?org={org}")
    assert "修改专利" in page and "修改合同" not in page
    page = _register(client, "/admin/audit?action=contract.")
    assert "修改合同" in page and "修改专利" not in page
    page = _register(client, "/admin/audit?action=user.login&start=2026-01-10&end=2026-01-10")
    assert "共 1 条" in page and "登录" in page
    page = _register(client, "/admin/audit?action=user.login&start=2026-01-11")
    assert "没有符合条件的记录" in page
    # Filters offer the organisations and actions present, with Chinese names.
    assert "河北测试大学</option>" in client.get("/admin/audit").get_data(as_text=True)
    for args in (
        "org=x&start=notadate",
        "org=99999999999999999999",
        "org=²",
        "start=0001-01-01&end=9999-12-31",
    ):
        assert client.get(f"/admin/audit?{args}").status_code == 200, args
        assert client.get(f"/admin/audit/export.xlsx?{args}").status_code == 200, args


def test_date_filter_uses_beijing_days(client, world):
    login(client, world["bureau"])
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.login"))
    entry.created_at = datetime(2026, 1, 9, 16, 30)  # 2026-01-10 00:30 in Beijing
    db.session.commit()
    assert "共 1 条" in client.get("/admin/audit?action=user.login&start=2026-01-10&end=2026-01-10").get_data(
        as_text=True
    )


def test_export_is_a_chinese_register_with_the_codes_on_a_second_sheet(client, world):
    login(client, world["bureau"])
    response = client.get("/admin/audit/export.xlsx?action=patent.")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["审计日志", "代码说明"]
    rows = list(workbook["审计日志"].iter_rows(values_only=True))
    assert rows[0][:6] == ("时间（北京时间）", "操作人", "操作人单位", "操作", "对象类型", "对象")
    assert len(rows) == 2
    when, operator, org, action, kind, title, changed = rows[1][:7]
    assert (operator, org, action, kind, title) == (
        "李老师",
        "河北测试大学",
        "修改专利",
        "专利",
        "一种锂电池隔膜",
    )
    assert isinstance(when, datetime) and when.microsecond == 0
    assert "参考价格：100.00 万元（1,000,000.00 元） → 123.46 万元（1,234,567.89 元）" in changed
    codes = list(workbook["代码说明"].iter_rows(values_only=True))
    assert ("操作", "patent.update", "修改专利") in codes


def test_nothing_in_the_code_deletes_audit_records():
    pattern = re.compile(
        r"delete\(\s*AuditLog|AuditLog\)\.delete|DELETE FROM audit_logs|TRUNCATE[^(]*audit_logs", re.I
    )
    offenders = [
        str(path)
        for path in ROOT.rglob("*.py")
        if "migrations" not in path.parts and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_daily_maintenance_keeps_records_older_than_six_months(app, world):
    old = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.login"))
    old.created_at = utcnow() - timedelta(days=400)
    db.session.commit()
    before = db.session.scalar(select(func.count(AuditLog.id)))
    maintenance.run_due(date.today() + timedelta(days=1))
    assert db.session.scalar(select(func.count(AuditLog.id))) == before
    assert db.session.get(AuditLog, old.id) is not None


def test_retention_is_documented():
    text = (ROOT / "common" / "audit.py").read_text(encoding="utf-8")
    assert "six months" in text
    docs = (ROOT.parent / "docs" / "README.md").read_text(encoding="utf-8")
    assert "审计日志" in docs and "六个月" in docs


def test_a_features_own_objects_read_as_titles_with_links(client, world):
    """Events, brokers and articles describe their audit labels themselves (describe_audit)."""
    from tests.events.factories import make_event

    event = make_event(world["bureau"], title="新材料专场路演")
    login(client, world["bureau"])
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "创建活动" in page and "新材料专场路演" in page
    assert f'href="/events/{event.id}"' in page
    assert "全部活动操作" in page


def test_a_features_fields_and_codes_read_in_words_and_unchanged_fields_are_left_out(client, world):
    from tests.policy.factories import make_article

    article = make_article(title="技术合同登记指引")
    record_audit(
        world["bureau"],
        "policy.update",
        article,
        before={"category": "notice", "validity": "current", "body_chars": 10},
        after={"category": "regulation", "validity": "current", "body_chars": 12},
    )
    db.session.commit()
    login(client, world["bureau"])
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "修改政策通知" in page and "技术合同登记指引" in page
    assert "栏目" in page and "通知公告" in page and "政策法规" in page and "正文字数" in page
    assert "body_chars" not in page and "category" not in page
    assert "效力状态" not in page  # recorded, but the same before and after

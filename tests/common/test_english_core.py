"""The core of the interface in English: the frame, accounts, organisations, notices, search, the
administrator's pages and the error pages; notices and e-mails in each reader's language; exports
in Chinese whatever the interface language.

Test data are written in English (users' own text is never translated), so any Han character left
on a page is untranslated interface (tests/english.py).
"""

import io
import itertools
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.common.audit import record_audit
from marketplace.common.mail_outbox import OutgoingMail
from marketplace.common.money import format_wan, format_wan_exact, format_yuan
from marketplace.common.roles import Role
from marketplace.extensions import db
from marketplace.notices.services import notify
from tests.english import chinese_left
from tests.factories import PASSWORD, login, login_via_form, make_org, make_user
from tests.search.factories import make_result

HAN = re.compile(r"[\u4e00-\u9fff]")
MAIN = re.compile(r'<main id="main".*?</main>', re.S)
_names = itertools.count(1)


def assert_english(html: str) -> None:
    left = chinese_left(html)
    assert not left, f"Chinese left on the page: {left[:20]}"


def english(client) -> None:
    client.post("/language", data={"language": "en"})


def english_user(org_type: str = "enterprise", **kw):
    """A user of an organisation, both named in English (what users wrote is not translated)."""
    org = kw.pop("org", None) or make_org(
        org_type, name=f"Hebei Example Works {next(_names)}", contact_name="Li Lei"
    )
    return make_user(org=org, name="Li Lei", **kw)


def test_the_frame_and_home_page_are_english(client, app):
    english(client)
    page = client.get("/").get_data(as_text=True)
    assert_english(page)
    assert "Skip to main content" in page and "Sign in" in page and "Register" in page
    assert "Connecting research results with enterprises" in page
    assert_english(client.get("/about").get_data(as_text=True))


@pytest.mark.parametrize("path", ["/account/login", "/account/register", "/account/forgot"])
def test_sign_in_and_registration_pages_are_english(client, path):
    english(client)
    response = client.get(path)
    assert response.status_code == 200
    assert_english(response.get_data(as_text=True))


def test_a_wrong_password_and_a_missing_field_are_said_in_english(client, app):
    with app.app_context():
        user = english_user()
        email = user.email
    english(client)
    page = login_via_form(client, email, "not-the-password").get_data(as_text=True)
    assert "Incorrect e-mail or password" in page
    assert_english(page)
    page = client.post("/account/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "This field is required" in page
    # The same mistake in Chinese reads as it always did.
    client.post("/language", data={"language": "zh_CN"})
    assert "邮箱或密码不正确" in login_via_form(client, email, "not-the-password").get_data(as_text=True)


def test_signing_in_flashes_english_and_the_login_wall_too(client, app):
    with app.app_context():
        user = english_user()
        email = user.email
    english(client)
    page = client.get("/account/profile", follow_redirects=True).get_data(as_text=True)
    assert "Please sign in to view this page" in page
    login_via_form(client, email, PASSWORD)
    assert "Welcome back, Li Lei" in client.get("/dashboard").get_data(as_text=True)


def test_profile_dashboard_and_organisation_pages_are_english(client, app):
    with app.app_context():
        user = english_user("university")
        login(client, user)
        org_id = user.organisation_id
    english(client)
    for path in ["/account/profile", "/dashboard", "/my/org", f"/orgs/{org_id}"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_english(response.get_data(as_text=True))


def test_notices_page_is_english(client, app):
    with app.app_context():
        user = english_user()
        notify(user.organisation_id, "system", "系统通知")
        db.session.commit()
        login(client, user)
    english(client)
    page = client.get("/notices/").get_data(as_text=True)
    assert_english(page)
    assert "Notices" in page and "System notice" in page


def test_search_page_is_english_with_results_and_without(client, app):
    with app.app_context():
        org = make_org("university", name="Hebei Example University")
        make_result(org, title="Perovskite solar cell stability", abstract="Encapsulation for long life.")
    english(client)
    for path in ["/search/", "/search/?q=perovskite", "/search/?q=nothing-like-this&type=result"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_english(response.get_data(as_text=True))


def test_admin_users_and_audit_pages_are_english(client, app):
    with app.app_context():
        admin = english_user(admin=True)
        other = english_user()
        record_audit(
            admin, "user.disabled", other, before={"is_disabled": False}, after={"is_disabled": True}
        )
        record_audit(admin, "result.publish", other)
        db.session.commit()
        login(client, admin)
    english(client)
    users = client.get("/admin/users").get_data(as_text=True)
    assert_english(users)
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert_english(audit)
    assert "Disable account" in audit and "Research results: Publish" in audit


def test_bureau_pages_of_the_core_are_english(client, app):
    with app.app_context():
        bureau = english_user("bureau")
        pending = make_org("enterprise", verified=False, name="Waiting Works", contact_name="Han Mei")
        db.session.commit()
        login(client, bureau)
        pending_id = pending.id
    english(client)
    for path in ["/bureau/orgs", f"/bureau/orgs/{pending_id}", "/search/terms"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_english(response.get_data(as_text=True))


def test_error_pages_are_english(client, app):
    english(client)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert_english(page)
    assert "The page or data you asked for does not exist" in page
    with app.app_context():
        login(client, english_user())
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403
    assert_english(forbidden.get_data(as_text=True))


def test_a_form_without_its_csrf_token_is_refused_in_english(app, tmp_path):
    from tests.conftest import make_test_app

    strict = make_test_app(tmp_path, WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    client.set_cookie("lang", "en")
    page = client.post("/account/login", data={"email": "a@example.cn", "password": "x"}).get_data(
        as_text=True
    )
    assert "The page has expired or lacks its security token" in page


def test_a_notice_with_values_is_read_in_each_readers_language(client, app):
    with app.app_context():
        reader = english_user()
        notice = notify(
            reader.organisation_id,
            "match",
            "今日新匹配 %(n)s 条",
            params={"n": 3},
            lines=[
                (
                    "· 您的%(kind_label)s「%(source)s」— %(target_label)s「%(target)s」匹配度 %(percent)s",
                    {
                        "kind_label": "技术需求",
                        "source": "Cooling",
                        "target_label": "专利",
                        "target": "Fan",
                        "percent": 71,
                    },
                )
            ],
        )
        db.session.commit()
        # Stored in Chinese, exactly as before the interface had a second language.
        assert notice.title == "今日新匹配 3 条"
        assert notice.body == "· 您的技术需求「Cooling」— 专利「Fan」匹配度 71"
        login(client, reader)
    english(client)
    page = client.get("/notices/").get_data(as_text=True)
    assert (
        "3 new matches today" in page
        and "Technology demands: &#34;Cooling&#34; — Patents: &#34;Fan&#34;, match 71" in page
    )
    client.post("/language", data={"language": "zh_CN"})
    page = client.get("/notices/").get_data(as_text=True)
    assert "今日新匹配 3 条" in page and "您的技术需求「Cooling」" in page


def test_notice_mail_is_written_in_each_members_language(app):
    app.config["MAIL_SERVER"] = "smtp.example.cn"
    with app.app_context():
        org = make_org("enterprise", name="Hebei Mail Works")
        reader = make_user(org=org, name="Li Lei", language="en")
        colleague = make_user(org=org, name="Wang Fang", manager=False)
        notify(org.id, "match", "今日新匹配 %(n)s 条", params={"n": 2}, email=True)
        db.session.commit()
        mails = {m.to_address: m for m in db.session.scalars(select(OutgoingMail))}
        assert mails[reader.email].subject == "[Technology Transfer Service Square] 2 new matches today"
        assert mails[colleague.email].subject == "【科技成果转化服务广场】今日新匹配 2 条"


def test_digest_mail_for_an_english_user_is_english(app):
    app.config["MAIL_SERVER"] = "smtp.example.cn"
    with app.app_context():
        reader = english_user(language="en")
        notify(
            reader.organisation_id,
            "match",
            "今日新匹配 %(n)s 条",
            params={"n": 1},
            lines=[("另有 %(n)s 条，请到各条目的匹配列表查看。", {"n": 4})],
            user_id=reader.id,
            email=True,
        )
        db.session.commit()
        (mail,) = db.session.scalars(select(OutgoingMail)).all()
        assert mail.subject == "[Technology Transfer Service Square] 1 new matches today"
        assert "4 more; see each listing's match list." in mail.body
        assert not HAN.search(mail.subject + mail.body)


def test_password_reset_mail_follows_the_users_language(client, app):
    app.config["MAIL_SERVER"] = "smtp.example.cn"
    with app.app_context():
        user = english_user(language="en")
        email = user.email
    client.post("/account/forgot", data={"email": email})
    with app.app_context():
        (mail,) = db.session.scalars(select(OutgoingMail)).all()
        assert mail.subject == "[Technology Transfer Service Square] Reset password"
        assert "Dear Li Lei," in mail.body and not HAN.search(mail.body)


def test_amounts_read_in_yuan_in_english_and_in_wan_in_chinese(app):
    with app.test_request_context("/"):
        assert format_wan(125_000_00) == "12.50 万元"
        assert format_yuan(123_450) == "1,234.50 元"
        assert format_wan(None) == "面议"
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert format_wan(125_000_00) == "CNY 125,000"
        assert format_wan(3_000_000_000_00) == "CNY 3,000,000,000"
        assert format_wan(12_345_678) == "CNY 123,500"  # rounded as 12.35 万元 is
        assert format_yuan(123_450) == "CNY 1,234.50"
        assert format_wan_exact(120_000_000) == "CNY 1,200,000.00"
        assert format_wan(None) == "Negotiable"


def test_exports_stay_chinese_when_english_is_chosen(client, app):
    with app.app_context():
        user = english_user("university")
        make_result(user.organisation, title="Heat pump", price_fen=125_000_00)
        record_audit(user, "user.login", user)
        db.session.commit()
        login(client, user)
        bureau = english_user("bureau")
    english(client)
    response = client.get("/my/listings/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    headers = [cell.value for sheet in book.worksheets for cell in next(sheet.iter_rows(max_row=1))]
    assert any(h and "万元" in h for h in headers), headers
    assert all(not h or not re.fullmatch(r"[ -~]+", h) or h.isascii() for h in headers)
    assert "代码说明" in book.sheetnames
    # The audit register, exported by the bureau in English, keeps its Chinese headers and labels.
    with app.app_context():
        login(client, bureau)
    english(client)
    audit = load_workbook(io.BytesIO(client.get("/admin/audit/export.xlsx").data))
    rows = list(audit.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "时间（北京时间）" and any(row[3] == "登录" for row in rows[1:])


def test_the_bureau_role_sees_its_menu_in_english(client, app):
    with app.app_context():
        login(client, english_user(Role.BUREAU.value))
    english(client)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Bureau management" in page and "Organisations awaiting verification" in page

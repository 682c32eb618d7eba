"""Journey: the bureau creates an event presenting two results; two people register for one place,
one waits; the first cancels and the second moves up; check-in by code; an inquiry from the event
page; the bureau's funnel counts it."""

from datetime import timedelta

import pytest

from marketplace.common.timeutil import to_beijing, utcnow
from tests.browser.helpers import follow, login
from tests.deals.factories import make_result
from tests.factories import make_org, make_user

pytestmark = [pytest.mark.browser, pytest.mark.committing]


def test_event_registration_waiting_list_check_in_and_inquiry(app, live_server, sessions):
    with app.app_context():
        make_user(org=make_org("bureau", name="市科技局"), email="bureau@example.cn", phone="0311-1")
        university = make_user(org=make_org("university", name="示范理工大学"), email="tto@example.cn")
        first = make_result(university, title="耐高温陶瓷膜制备技术")
        second = make_result(university, title="秸秆制乙醇新工艺")
        result_ids = first.id, second.id
        make_user(
            org=make_org("enterprise", name="甲制药有限公司"), email="a@example.cn", phone="13800000001"
        )
        make_user(
            org=make_org("enterprise", name="乙钢铁有限公司"), email="b@example.cn", phone="13800000002"
        )
    starts = to_beijing(utcnow() + timedelta(days=2)).replace(hour=14, minute=0, second=0, microsecond=0)
    fmt = "%Y-%m-%dT%H:%M"

    bureau = sessions("bureau")
    login(bureau, live_server, "bureau@example.cn")
    bureau.goto(f"{live_server}/events/new")
    bureau.fill("#title", "新材料成果路演")
    bureau.select_option("#event_type", "roadshow")
    bureau.fill("#capacity", "1")
    bureau.fill("#starts_at", starts.strftime(fmt))
    bureau.fill("#ends_at", (starts + timedelta(hours=3)).strftime(fmt))
    bureau.fill("#registration_deadline", (starts - timedelta(hours=2)).strftime(fmt))
    bureau.fill("#place", "市科技大厦报告厅")
    follow(bureau, "main button[type=submit]")
    assert "活动已发布" in bureau.content()
    manage_url = bureau.url
    event_id = int(manage_url.rstrip("/").split("/")[-2])
    for result_id, minutes in zip(result_ids, ("15", "30"), strict=True):
        bureau.select_option("#kind", "result")
        bureau.fill("#listing_id", str(result_id))
        bureau.fill("#slot_at", starts.replace(minute=int(minutes)).strftime(fmt))
        follow(bureau, "form[action$='/projects'] button[type=submit]")
        assert "已加入展示项目" in bureau.content()

    a, b = sessions("a"), sessions("b")
    for page, email in ((a, "a@example.cn"), (b, "b@example.cn")):
        login(page, live_server, email)
        page.goto(f"{live_server}/events/{event_id}")
        assert "耐高温陶瓷膜制备技术" in page.content() and "秸秆制乙醇新工艺" in page.content()
        follow(page, page.locator("a[href$='/register']:visible").first)
        page.check("#consent")
        follow(page, "main button[type=submit]")
    assert (
        a.inner_text("#ticket-status") == "已报名"
        and a.locator(".ticket-qr img[src^='data:image/svg+xml']").count() == 1
    )
    assert b.inner_text("#ticket-status") == "候补中"

    follow(a, "text=取消报名")  # the confirmation dialog is accepted
    assert "已取消报名" in a.content()
    b.reload()
    assert b.inner_text("#ticket-status") == "已报名"
    code = b.inner_text("#ticket-code").strip()

    bureau.goto(f"{live_server}/events/{event_id}/checkin")
    bureau.fill("#code", code.lower())
    follow(bureau, "main form button:has-text('签到')")
    assert "签到成功" in bureau.content()
    assert bureau.inner_text("#count-checked-in") == "1"

    a.goto(f"{live_server}/events/{event_id}")
    follow(a, a.locator("a", has_text="发送对接意向").first)
    a.check("input[name=purpose][value=license]")
    a.fill("#message", "我公司希望以许可方式引进该技术。")
    follow(a, "main button[type=submit]")
    assert "对接意向已发送" in a.content()

    bureau.goto(f"{live_server}/bureau/funnel?year={starts.year}")
    assert bureau.inner_text("#event-funnel-events") == "1"
    assert bureau.inner_text("#event-funnel-inquiries") == "1"
    assert not bureau.js_errors and not a.js_errors and not b.js_errors

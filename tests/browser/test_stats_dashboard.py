"""The dashboard's charts draw in a real browser under the site's CSP, without script errors."""

from datetime import date

import pytest

from marketplace.extensions import db
from tests.browser.helpers import follow, login
from tests.factories import make_user
from tests.stats.factories import make_fact

pytestmark = [pytest.mark.browser, pytest.mark.committing]


def test_bureau_dashboard_and_public_page_draw_their_charts(app, live_server, page):
    with app.app_context():
        bureau = make_user("bureau", email="stats@kjj.example.cn")
        assert bureau.id
        for n in range(12):
            make_fact(
                registered_on=date(2024, 1 + n, 10),
                contract_amount_fen=(n + 1) * 1_000_000_00,
                technical_amount_fen=(n + 1) * 900_000_00,
                contract_type=["development", "service", "transfer"][n % 3],
            )
        db.session.commit()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    page.goto(f"{live_server}/stats")
    page.wait_for_selector("#chart-progress canvas")
    assert page.js_errors == []

    login(page, live_server, "stats@kjj.example.cn")
    follow(page, "nav >> text=数据看板")  # in the bureau's 局端管理 menu
    page.wait_for_selector("#chart-progress canvas")
    for chart in ("by_type", "by_field", "by_seller_nature", "by_buyer_region", "districts", "activity"):
        assert page.locator(f"#chart-{chart} canvas").count() == 1, chart
    # The bars carry the numbers of the table beside them (no NaN from formatted strings).
    bars = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-by_type')).getOption().series[0].data"
    )
    assert len(bars) == 5 and all(v == v for v in bars)
    assert sum(bars) == 7_800  # (1+2+…+12) × 100万元
    width = page.eval_on_selector(".progress-bar", "el => el.style.width")
    assert width.endswith("%")
    assert page.js_errors == []
    assert not [line for line in console if "Content Security Policy" in line]

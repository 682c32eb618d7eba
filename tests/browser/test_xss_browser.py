"""XSS in a real browser: pages that show the corpus are loaded in Chromium and checked in the DOM.

No payload may run (each would set window.__xss), no event-handler attribute, javascript: URL,
inline script or foreign element may appear, no CSP violation may be reported (one would mean
markup got through and only the policy stopped it), and the policy itself must hold.
"""

from urllib.parse import quote

import pytest

from marketplace.extensions import db
from tests.browser.conftest import new_page
from tests.contracts.factories import make_contract, outside_party, payload
from tests.deals.factories import accept, make_demand, make_result, send
from tests.factories import PASSWORD, make_user
from tests.security.xss import PAYLOADS

pytestmark = [pytest.mark.browser, pytest.mark.committing]

WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(e.violatedDirective));
"""
DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) bad.push(el.tagName + ' ' + a.name);
      if (['href', 'src', 'action', 'formaction'].includes(a.name) && /^\\s*javascript:/i.test(a.value))
        bad.push(el.tagName + ' ' + a.name + '=javascript:');
    }
  }
  for (const s of document.scripts)
    if (!s.src && s.type !== 'application/json') bad.push('inline script: ' + s.textContent.slice(0, 40));
  document.querySelectorAll('iframe, object, embed, animate, img[src="x"]').forEach(e => bad.push(e.tagName));
  return {xss: window.__xss === undefined ? null : window.__xss, bad, violations: window.__cspViolations};
}"""
ALL = "\n".join(PAYLOADS)


@pytest.fixture
def shown(app):
    """A result, a demand, a deal thread and a contract whose texts are the whole corpus."""
    with app.app_context():
        university = make_user("university", email="xss-uni@example.cn")
        enterprise = make_user("enterprise", email="xss-ent@example.cn")
        broker = make_user("broker", email="xss-broker@example.cn")
        result = make_result(
            university, title=PAYLOADS[1], abstract=ALL, private_details=ALL, contact_name=PAYLOADS[6]
        )
        demand = make_demand(enterprise, title=PAYLOADS[0], description=ALL, private_details=ALL)
        inquiry = send(enterprise, result, message=ALL)
        deal = accept(university, inquiry)
        from marketplace.deals import services as deal_services

        for text in PAYLOADS:
            deal_services.post_message(university, deal, text, None)
        db.session.commit()
        data = payload(
            project_name=PAYLOADS[2][:100],
            seller=outside_party("130104", name=PAYLOADS[1][:100]),
            buyer=outside_party("110000", name=PAYLOADS[7][:100]),
            deductions=[{"category": "equipment", "description": PAYLOADS[5][:100], "amount_fen": 100}],
        )
        contract = make_contract(broker, data)
        return {"result": result.id, "demand": demand.id, "deal": deal.id, "contract": contract.id}


def _login(page, live_server, email):
    page.goto(f"{live_server}/account/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/dashboard")


def _assert_clean(page, where):
    page.wait_for_load_state("load")
    found = page.evaluate(DOM_CHECK)
    assert found["xss"] is None, f"{where}: a payload ran (window.__xss = {found['xss']})"
    assert not found["bad"], f"{where}: injected {found['bad'][:5]}"
    assert not found["violations"], f"{where}: CSP had to block {found['violations']}"


def test_pages_showing_the_corpus_run_nothing(live_server, browser, page, shown):
    page.add_init_script(WATCH_CSP)
    anonymous = [
        f"/results/{shown['result']}",
        f"/demands/{shown['demand']}",
        "/search/?q=" + quote(PAYLOADS[1]),
        "/search/?q=" + quote(PAYLOADS[6]) + "&field=" + quote(PAYLOADS[7]),
        "/results?q=" + quote(PAYLOADS[0]),
    ]
    for path in anonymous:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        _assert_clean(page, path)
    # The payload is on the page as text, exactly as typed.
    page.goto(f"{live_server}/results/{shown['result']}")
    assert PAYLOADS[1] in page.inner_text("main")

    _login(page, live_server, "xss-uni@example.cn")
    for path in (f"/deals/{shown['deal']}", f"/results/{shown['result']}", "/my/listings"):
        page.goto(live_server + path)
        _assert_clean(page, path)
        # Focus and hover everything a payload could have hooked (autofocus/onfocus/onmouseover).
        visible = [e for e in page.query_selector_all("main input, main textarea, main a") if e.is_visible()]
        for element in visible[:30]:
            element.hover(timeout=2000)
        _assert_clean(page, path + " after hovering")
    page.goto(f"{live_server}/deals/{shown['deal']}")
    assert PAYLOADS[0] in page.inner_text("main")

    broker_page = new_page(browser)
    broker_page.add_init_script(WATCH_CSP)
    _login(broker_page, live_server, "xss-broker@example.cn")
    for path in (f"/contracts/{shown['contract']}", f"/contracts/{shown['contract']}/edit", "/contracts"):
        broker_page.goto(live_server + path)
        _assert_clean(broker_page, path)
    broker_page.context.close()


def test_the_policy_blocks_inline_script_in_the_browser(live_server, page):
    # The control: even a script element inserted into the page does not run.
    page.add_init_script(WATCH_CSP)
    page.goto(f"{live_server}/")
    ran = page.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'window.__xss = 99';
                   document.body.appendChild(s); return window.__xss === undefined ? null : window.__xss; }"""
    )
    assert ran is None
    page.wait_for_function("window.__cspViolations.length > 0")
    assert "script-src" in page.evaluate("window.__cspViolations[0]")

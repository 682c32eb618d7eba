"""Journey in English: switch the language, search, open a listing, register; no Chinese is left.

The listings and organisations here are written in English, so any Chinese on these pages would be
the interface's own. The one Chinese word allowed is the switcher's way back, 中文, which is marked
`lang="zh-CN"` as text in another language should be.
"""

import re

import pytest

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.listings.models import ResearchResult
from tests.browser.helpers import follow
from tests.factories import make_org, valid_credit_code
from tests.search.factories import make_result

pytestmark = [pytest.mark.browser, pytest.mark.committing]

HAN = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]")

# Visible text and the attributes people read (placeholders, titles, labels for screen readers),
# leaving out any element marked as being in a language other than English.
CHINESE_LEFT = """
() => {
  const foreign = el => { const l = el.closest('[lang]'); return l && !l.lang.startsWith('en'); };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName) || foreign(el)) continue;
    if (node.textContent.trim()) found.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], option, input[type=submit]')) {
    if (foreign(el)) continue;
    for (const a of ['placeholder', 'title', 'aria-label', 'value'])
      if (el.getAttribute(a) && el.type !== 'hidden') found.push(el.getAttribute(a));
  }
  found.push(document.title);
  return found;
}
"""


def chinese_left(page) -> list[str]:
    return [text for text in page.evaluate(CHINESE_LEFT) if HAN.search(text)]


def test_an_english_visitor_searches_opens_a_listing_and_registers(app, live_server, page, tmp_path):
    with app.app_context():
        university = make_org("university", name="Hebei Institute of Photonics")
        make_result(
            university,
            title="Solid-state LiDAR for agricultural robots",
            abstract="A compact LiDAR sensor with 200 m range for orchard robots and field machinery.",
            keywords=["LiDAR", "robotics"],
        )
        make_result(university, title="Low-temperature electrolyte for lithium batteries")

    page.goto(f"{live_server}/")
    page.click(".language-switch button")
    page.wait_for_selector("html[lang=en]")
    assert chinese_left(page) == []

    page.goto(f"{live_server}/search?q=lidar")
    found = page.inner_text("main")  # matched words are highlighted, so read the text, not the markup
    assert "Solid-state LiDAR for agricultural robots" in found
    assert "Low-temperature electrolyte" not in found
    assert chinese_left(page) == []

    follow(page, "text=Solid-state LiDAR for agricultural robots")
    assert "200 m range" in page.content()
    assert chinese_left(page) == []

    follow(page, "a[href='/account/register']")
    assert chinese_left(page) == []
    page.fill("#email", "liu@agri-robotics.example.com")
    page.fill("#name", "Liu Wei")
    page.fill("#phone", "13900002222")
    page.fill("#password", "Robots2026pass")
    page.fill("#confirm", "Robots2026pass")
    page.check("input[name=mode][value=new]")
    page.fill("#org_name", "Shijiazhuang Agri Robotics Co.")
    page.select_option("#org_type", "enterprise")
    page.fill("#credit_code", valid_credit_code(7311))
    page.select_option("#district", "130108")
    # A mistake first: the form comes back in English and keeps what was typed.
    page.fill("#confirm", "Different2026pass")
    page.click("main button[type=submit]")
    assert page.input_value("#email") == "liu@agri-robotics.example.com"
    assert chinese_left(page) == []
    page.fill("#password", "Robots2026pass")
    page.fill("#confirm", "Robots2026pass")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/dashboard")
    assert chinese_left(page) == []

    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "liu@agri-robotics.example.com"))
        assert user.language == "en", "the language chosen before registering is kept on the account"
        assert db.session.scalar(db.select(db.func.count(ResearchResult.id))) == 2

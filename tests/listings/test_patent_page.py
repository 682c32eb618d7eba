"""The patent page shows what the data says (issue 16): facts, status with its date, term, offer."""

from datetime import date

import pytest

from marketplace.listings.models import Patent
from tests.listings.factories import make_patent


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_full_patent_page(client, people):
    patent = make_patent(
        people["university"].organisation,
        publication_number="CN110098765B",
        publication_date=date(2019, 8, 9),
        filing_date=date(2019, 5, 8),
        grant_date=date(2021, 3, 16),
        legal_status="valid",
        legal_status_detail="授权",
        legal_status_date=date(2021, 3, 16),
        abstract="本发明公开了一种高镍三元正极材料的制备方法。",
        applicants=["河北科技大学", "石家庄新能电池有限公司"],
        inventors=["王建国", "李晓明"],
        ipc_codes=["H01M 4/505", "H01M 10/0525"],
        transfer_modes=["transfer", "license"],
        price_fen=80 * 1_000_000,
    )
    text = _page(client, f"/patents/{patent.id}")
    for expected in (
        "发明授权",
        "2019-05-08",
        "2021-03-16",
        "有效</span>（授权）",
        "本发明公开了",
        "河北科技大学；石家庄新能电池有限公司",
        "王建国；李晓明",
        'data-ipc-subclass="H01M"><code class="text-body">H01M 10/0525</code>',
        "剩余约",
        "2039-05-07 届满",
        "可转让、许可",
        "80.00 万元",
    ):
        assert expected in text, expected
    # Each code carries its subclass title from the WIPO table (common/ipc_titles.py), never an invented one.
    assert "H01M Processes or means, e.g. batteries, for the direct conversion of chemical energy" in text


def test_a_patent_without_an_offer_or_status_says_so(client, people):
    patent = make_patent(people["university"].organisation, publication_number="CN114220277A")
    text = _page(client, f"/patents/{patent.id}")
    assert "发明公开" in text and "发布单位未提供" in text and "尚未说明转让或许可条件" in text
    assert "剩余约" not in text  # not granted: no remaining term


@pytest.mark.parametrize(
    ("ptype", "filed", "expiry"),
    [
        ("invention", date(2019, 5, 8), date(2039, 5, 7)),
        ("utility_model", date(2021, 4, 28), date(2031, 4, 27)),
        ("design", date(2021, 5, 31), date(2031, 5, 30)),
        ("design", date(2021, 6, 1), date(2036, 5, 31)),
    ],
)
def test_patent_terms(ptype, filed, expiry):
    patent = Patent(patent_type=ptype, filing_date=filed, legal_status="valid")
    assert patent.expiry_date == expiry
    assert patent.remaining_term(date(2026, 12, 3)).endswith(f"至 {expiry:%Y-%m-%d} 届满）")
    assert "已于" in patent.remaining_term(date(2040, 1, 1))
    assert Patent(patent_type=ptype, filing_date=filed, legal_status="lapsed").remaining_term() == ""


def test_remaining_term_in_years_and_months():
    patent = Patent(patent_type="invention", filing_date=date(2019, 5, 8), legal_status="valid")
    assert patent.remaining_term(date(2026, 12, 3)) == "剩余约 12 年 5 个月（至 2039-05-07 届满）"


def test_changing_the_status_by_hand_drops_the_imported_wording(people):
    from marketplace.extensions import db
    from marketplace.listings import services

    patent = make_patent(
        people["university"].organisation,
        legal_status="pending",
        legal_status_detail="实质审查",
        legal_status_date=date(2022, 5, 1),
    )
    services.update_listing(people["university"], patent, {"legal_status": "valid"})
    db.session.flush()
    assert patent.legal_status_detail == "" and patent.legal_status_date is None
    services.update_listing(people["university"], patent, {"title": "新名称", "legal_status": "valid"})
    assert patent.legal_status == "valid"

"""`flask seed-demo` loads the real papers and patents and the written demands, once."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent, ResearchResult
from marketplace.organisations.models import Organisation

# The seed's own commits start search drains that must see only what was committed.
pytestmark = pytest.mark.committing


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_seed_demo_loads_listings_idempotently(runner, app_ctx):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    counts = (_count(ResearchResult), _count(Patent), _count(Demand))
    assert 700 <= counts[0] <= 1000  # technical disciplines only
    assert counts[1] == 4873 and counts[2] >= 40
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and (_count(ResearchResult), _count(Patent), _count(Demand)) == counts

    # Nothing is invented for real patents; the status is read from the kind code and says so.
    patents = db.session.scalars(select(Patent)).all()
    assert all(p.price_fen is None and p.filing_date is None and p.applicants == [] for p in patents)
    for p in patents:
        granted = p.publication_number[-1] in "BUS"
        assert p.legal_status == ("valid" if granted else "pending") and "推定" in p.legal_status_note
        assert p.publication_kind in ("发明授权", "实用新型") if granted else p.publication_kind == "发明公开"
    assert all(p.patent_type in ("invention", "utility_model") and p.ipc_codes for p in patents)
    # Most utility models belong to enterprises; results to universities and institutes.
    owner_type = dict(db.session.execute(select(Organisation.id, Organisation.org_type)).all())
    utility = Counter(owner_type[p.organisation_id] for p in patents if p.patent_type == "utility_model")
    assert utility["enterprise"] > 0.7 * sum(utility.values())
    results = db.session.scalars(select(ResearchResult)).all()
    assert {owner_type[r.organisation_id] for r in results} <= {"university", "institute"}
    assert all(r.technology_field for r in results)
    demands = db.session.scalars(select(Demand)).all()
    assert {owner_type[d.organisation_id] for d in demands} == {"enterprise"}
    assert any(d.hide_name for d in demands) and any(d.budget_fen for d in demands)


def test_demo_pages_feel_full(runner, app, client):
    with app.app_context():
        runner.invoke(args=["seed-demo"])
    home = client.get("/").get_data(as_text=True)
    assert "最新科技成果" in home and "最新技术需求" in home
    assert "共 4873 条" in client.get("/patents").get_data(as_text=True)

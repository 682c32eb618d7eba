"""`flask seed-demo` loads the real papers and patents and the written demands, once.

Seeding the demo is these tests' whole cost, so the module seeds it once into a database of its
own and every test reads that; the idempotency checks seed a second time on the same data.
The seed's commits leave the search outbox to a worker (SEARCH_AUTO_DRAIN off): indexing the
5,600 listings and storing all their matches took nine tenths of each seed, and nothing here
asserts on search (tests/search covers the drain).
"""

from collections import Counter

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent, ResearchResult
from marketplace.organisations.models import Organisation
from tests.conftest import _committing_app

# The seed commits for real.
pytestmark = pytest.mark.committing


@pytest.fixture(scope="module")
def app(tmp_path_factory, run_databases):
    """The module's app and database (its own SQLite file, or the run's PostgreSQL schema emptied after)."""
    yield from _committing_app(tmp_path_factory.mktemp("demo"), run_databases, SEARCH_AUTO_DRAIN=False)


@pytest.fixture(scope="module")
def first_seed(app):
    """The result of the module's one `flask seed-demo` on the empty database."""
    return app.test_cli_runner().invoke(args=["seed-demo"])


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_seed_demo_loads_listings_idempotently(runner, app_ctx, first_seed):
    result = first_seed
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


def test_demo_pages_feel_full(first_seed, client):
    home = client.get("/").get_data(as_text=True)
    assert "最新科技成果" in home and "最新技术需求" in home
    assert "共 4873 条" in client.get("/patents").get_data(as_text=True)


def test_seed_demo_is_idempotent_and_logins_work(runner, app, client, first_seed):
    assert first_seed.exit_code == 0
    from marketplace.contracts.models import TechContract
    from marketplace.stats.facts import ContractFact

    with app.app_context():
        orgs = db.session.scalar(select(func.count(Organisation.id)))
        users = db.session.scalar(select(func.count(User.id)))
        contracts = db.session.scalar(select(func.count(TechContract.id)))
        facts = db.session.scalar(select(func.count(ContractFact.contract_id)))
        assert facts > 0 and contracts > facts  # registered ones count; drafts and queued ones do not
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "bureau@demo.sjz.cn" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == orgs
        assert db.session.scalar(select(func.count(User.id))) == users
        assert db.session.scalar(select(func.count(TechContract.id))) == contracts
        roles = {u.email: u.role for u in db.session.scalars(select(User))}
    assert roles["university@demo.sjz.cn"] == "university" and roles["broker@demo.sjz.cn"] == "broker"
    from marketplace.events.queries import training_hours_by_year

    with app.app_context():
        broker = db.session.scalar(select(User).where(User.email == "broker@demo.sjz.cn"))
        # The demo broker was checked in at the past 培训; the training signal recorded the hours.
        assert sum(training_hours_by_year(broker.id).values()) > 0
        from marketplace.brokers.models import TrainingRecord

        assert (
            db.session.scalar(
                select(func.count(TrainingRecord.id)).where(TrainingRecord.user_id == broker.id)
            )
            >= 1
        )
    response = client.post("/account/login", data={"email": "admin@demo.sjz.cn", "password": "Demo2026sjz"})
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200

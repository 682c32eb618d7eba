"""The demo's brokers: listed profiles, one awaiting review, one help request; safe to run twice."""

from sqlalchemy import func, select

from marketplace.brokers import queries
from marketplace.brokers.demo import PEOPLE, seed_demo_brokers
from marketplace.brokers.models import BrokerProfile, BrokerRequest, TrainingRecord
from marketplace.deals.models import Inquiry
from marketplace.extensions import db
from tests.deals.factories import make_demand, make_result
from tests.factories import make_org, make_user


def test_seed_demo_brokers_is_idempotent_and_credits_the_demo_broker(app_ctx):
    orgs = {}
    for _email, _name, org_name, *_rest in PEOPLE:
        if org_name not in orgs:
            org_type = "university" if "学院" in org_name else "broker"
            orgs[org_name] = make_org(org_type, name=org_name)
    enterprise = make_user(org=make_org("enterprise"), email="enterprise@demo.sjz.cn")
    make_demand(enterprise)
    # A sample introduction the deals demo made for the broker organisation, sender unknown.
    result = make_result(make_user("university"))
    broker_org = orgs[PEOPLE[0][2]]
    db.session.add(
        Inquiry(
            kind="inquiry",
            sender_org_id=enterprise.organisation_id,
            recipient_org_id=result.organisation_id,
            introducer_org_id=broker_org.id,
            result_id=result.id,
            purpose="license",
            message="示例",
        )
    )
    db.session.commit()

    assert seed_demo_brokers(progress=lambda _m: None) == len(PEOPLE)
    db.session.commit()
    assert seed_demo_brokers(progress=lambda _m: None) == 0
    db.session.commit()
    statuses = db.session.execute(
        select(BrokerProfile.status, func.count()).group_by(BrokerProfile.status)
    ).all()
    assert dict(statuses) == {"verified": 4, "pending": 1}
    assert db.session.scalar(select(func.count(BrokerRequest.id))) == 1
    listed = db.session.scalars(queries.directory_select(queries.DirectoryFilters())).all()
    assert len(listed) == 4
    lead = db.session.scalar(select(BrokerProfile).where(BrokerProfile.name == PEOPLE[0][1]))
    assert queries.performance(lead.user_id).total.introductions == 1
    # Training hours come only from check-ins at training events (the events demo), never made up.
    assert db.session.scalar(select(func.count(TrainingRecord.id))) == 0

"""The public directory (filters, pagination, empty state), a profile's computed record, training
records from the events feature's signal, and the bureau dashboard's block."""

from datetime import date

from sqlalchemy import select

from marketplace.brokers import queries
from marketplace.brokers.models import TrainingRecord
from marketplace.brokers.subscribers import record_training
from marketplace.contracts import services as contract_services
from marketplace.deals import services as deal_services
from marketplace.extensions import db
from tests.brokers.factories import make_profile
from tests.contracts.factories import make_contract, make_reviewer, payload
from tests.deals.factories import make_result, send
from tests.factories import login, make_user


class Event:
    title = "技术经纪人（中级）培训班"


def _names(client, query: str = "") -> str:
    return client.get(f"/brokers/{query}").get_data(as_text=True)


def test_filters_by_field_level_and_district(client, cast):
    make_profile(cast.broker, name="甲经纪", level="senior", fields=["先进制造"], regions=["130104"])
    make_profile(make_user("broker"), name="乙经纪", level="junior", fields=["农业"], regions=["130123"])
    make_profile(make_user("broker"), name="丙经纪", status="pending", fields=["农业"], regions=["130123"])
    db.session.commit()
    page = _names(client)
    assert "甲经纪" in page and "乙经纪" in page and "丙经纪" not in page
    assert page.index("甲经纪") < page.index("乙经纪"), "senior brokers come first"
    page = _names(client, "?field=农业")
    assert "乙经纪" in page and "甲经纪" not in page
    page = _names(client, "?level=senior")
    assert "甲经纪" in page and "乙经纪" not in page
    page = _names(client, "?district=130123")
    assert "乙经纪" in page and "甲经纪" not in page
    page = _names(client, "?district=130123&level=senior")
    assert "没有符合条件的技术经纪人" in page
    assert "甲经纪" in _names(client, "?field=bogus&level=bogus")


def test_an_unverified_organisation_hides_its_brokers(client, cast):
    make_profile(cast.broker, name="甲经纪")
    cast.broker.organisation.verification_status = "rejected"
    db.session.commit()
    assert "名录中还没有经审核的技术经纪人" in _names(client)


def test_pagination(client, cast):
    for n in range(14):
        make_profile(make_user("broker"), name=f"经纪人编号{n:02d}")
    db.session.commit()
    first, second = _names(client), _names(client, "?page=2")
    assert first.count("经纪人编号") == 12 and second.count("经纪人编号") == 2
    assert "共 14 条" in first


def test_contracts_the_person_filed_and_deal_contracts_count_by_year(cast):
    reviewer = make_reviewer()
    make_profile(cast.broker)
    # A contract the broker filed for the university: 100万元 contract, registered this year.
    filed = make_contract(
        cast.broker, payload(seller={"org_id": cast.university.organisation_id}), submit=True
    )
    contract_services.approve_contract(reviewer, filed)
    db.session.commit()
    # A deal the broker introduced, whose contract the university itself files.
    result = make_result(cast.university)
    inquiry = send(cast.broker, result, on_behalf_of_org_id=cast.enterprise.organisation_id)
    deal = deal_services.accept_inquiry(cast.university, inquiry)
    db.session.commit()
    cited = make_contract(
        cast.university,
        payload(
            seller={"org_id": cast.university.organisation_id},
            buyer={"org_id": cast.enterprise.organisation_id},
            deal_id=deal.id,
            result_ids=[result.id],
            contract_amount_fen=50_000_000,
        ),
        submit=True,
    )
    contract_services.approve_contract(reviewer, cited)
    db.session.commit()
    record = queries.performance(cast.broker.id)
    year = filed.registered_on.year
    figures = record.years[year]
    assert figures.contracts == 1, "only the contract the person filed counts as theirs"
    assert figures.technical_amount_fen == (
        filed.registered_revision.technical_amount_fen + cited.registered_revision.technical_amount_fen
    )
    assert (record.total.introductions, record.total.deals) == (1, 1)
    # The university's own filer is not credited with the broker's work.
    assert queries.performance(cast.university.id).total.introductions == 0


def test_training_is_recorded_once_per_person_and_event(cast):
    record_training(Event(), user_id=cast.broker.id, event_id=7, hours=6.0, attended_on=date(2026, 5, 8))
    record_training(Event(), user_id=cast.broker.id, event_id=7, hours=6.0, attended_on=date(2026, 5, 8))
    record_training(object(), user_id=cast.broker.id, event_id=8, hours=2.5, attended_on=date(2025, 11, 2))
    db.session.commit()
    rows = db.session.scalars(select(TrainingRecord).order_by(TrainingRecord.event_id)).all()
    assert [(r.event_id, r.title, r.hours) for r in rows] == [(7, Event.title, 6.0), (8, "", 2.5)]
    assert queries.training_hours_by_year(cast.broker.id) == {2026: 6.0, 2025: 2.5}


def test_the_profile_page_shows_the_record_and_training(client, cast):
    profile = make_profile(cast.broker, name="张经纪")
    record_training(Event(), user_id=cast.broker.id, event_id=3, hours=16, attended_on=date(2026, 3, 1))
    result = make_result(cast.university)
    send(cast.broker, result, on_behalf_of_org_id=cast.enterprise.organisation_id)
    db.session.commit()
    page = client.get(f"/brokers/{profile.id}").get_data(as_text=True)
    assert 'data-figure="introductions">1<' in page and 'data-figure="deals">0<' in page
    assert Event.title in page and "16 学时" in page
    assert "登录</a>后，可请该经纪人协助" in page


def test_the_bureau_dashboard_counts_qualified_brokers_and_training_hours(client, cast):
    make_profile(cast.broker, level="senior")
    make_profile(cast.university, status="pending")
    record_training(Event(), user_id=cast.broker.id, event_id=1, hours=8, attended_on=date(2026, 4, 1))
    record_training(Event(), user_id=cast.university.id, event_id=1, hours=8, attended_on=date(2026, 4, 1))
    db.session.commit()
    figures = queries.dashboard_figures()
    assert figures["qualified"] == 1 and figures["pending"] == 1
    assert figures["training_hours"] == {2026: 16.0} and figures["trained_people"] == 2
    login(client, cast.bureau)
    page = client.get("/bureau/stats/").get_data(as_text=True)
    assert 'id="broker-figures"' in page and "16 学时" in page


def test_record_training_follows_the_events_signal(cast):
    from marketplace.events.signals import training_attended

    training_attended.send(
        Event(), user_id=cast.broker.id, event_id=42, hours=3.5, attended_on=date(2026, 6, 1), extra="ignored"
    )
    db.session.commit()
    record = db.session.scalar(select(TrainingRecord).where(TrainingRecord.event_id == 42))
    assert (record.user_id, record.hours, record.title) == (cast.broker.id, 3.5, Event.title)

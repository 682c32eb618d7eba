"""The bureau's funnel: counts per month and field, medians between steps, matches shown once."""

from datetime import datetime

from sqlalchemy import func, select

from marketplace.deals import services
from marketplace.deals.funnel import compute_funnel, record_matches_shown
from marketplace.deals.models import MatchShown
from marketplace.extensions import db
from tests.deals.factories import accept, make_demand, make_patent, make_result, send
from tests.factories import login


def at(day: int, month: int = 3) -> datetime:
    # 04:00 UTC is noon in Beijing, so each timestamp stays in its month there too.
    return datetime(2025, month, day, 4)


def test_record_matches_shown_dedupes_pairs(app, world):
    with app.app_context():
        demand = make_demand(world.enterprise, technology_field="先进制造")
        result = make_result(world.university, technology_field="电子信息")
        patent = make_patent(world.university)
        items = [("result", result.id), ("patent", patent.id), ("result", result.id), ("demand", 5)]
        assert record_matches_shown(demand.id, items, world.enterprise.organisation_id) == 2
        db.session.commit()
        assert record_matches_shown(demand.id, [("result", result.id), ("patent", patent.id)], None) == 0
        assert record_matches_shown(demand.id, [], None) == 0
        db.session.commit()
        rows = {(m.listing_kind, m.technology_field) for m in db.session.scalars(select(MatchShown))}
        # A result carries its own field; a patent has none, so the demand's field is used.
        assert rows == {("result", "电子信息"), ("patent", "先进制造")}
        assert db.session.scalar(select(func.count(MatchShown.id))) == 2


def test_funnel_counts_and_medians(app, world):
    with app.app_context():
        demand = make_demand(world.enterprise, technology_field="先进制造")
        r1 = make_result(world.university, technology_field="新材料及其应用")
        r2 = make_result(world.university, technology_field="新材料及其应用")
        r3 = make_result(world.university, technology_field="电子信息")
        record_matches_shown(demand.id, [("result", r1.id), ("result", r2.id), ("result", r3.id)], None)
        db.session.execute(MatchShown.__table__.update().values(shown_at=at(1)))
        # r1: shown 1 Mar, asked 3 Mar, accepted 5 Mar, agreed 15 Mar, contracted 10 Apr.
        i1 = send(world.enterprise, r1, demand_id=demand.id)
        i1.created_at = at(3)
        d1 = accept(world.university, i1)
        d1.created_at = at(5)
        services.change_stage(world.enterprise, d1, "negotiating")
        services.change_stage(world.enterprise, d1, "agreed")
        d1.agreed_at = at(15)
        services.on_contract_registered(d1.id, 1)
        d1.contracted_at = at(10, 4)
        # r2: shown 1 Mar, asked 7 Mar, accepted 8 Mar, then nothing.
        i2 = send(world.enterprise, r2, demand_id=demand.id)
        i2.created_at = at(7)
        d2 = accept(world.university, i2)
        d2.created_at = at(8)
        # r3: shown, asked 10 Mar, declined.
        i3 = send(world.enterprise, r3, demand_id=demand.id)
        i3.created_at = at(10)
        services.decline_inquiry(world.university, i3, "mismatch")
        db.session.commit()

        funnel = compute_funnel(2025)
        assert funnel.totals == {"shown": 3, "inquiries": 3, "accepted": 2, "agreed": 1, "contracted": 1}
        march = dict(funnel.months)["2025-03"]
        assert march == {"shown": 3, "inquiries": 3, "accepted": 2, "agreed": 1, "contracted": 0}
        assert dict(funnel.months)["2025-04"]["contracted"] == 1
        # shown→inquiry: 2, 6, 9 days; inquiry→accepted: 2, 1; accepted→agreed: 10; agreed→contracted: 26.
        assert funnel.medians == {
            "shown_to_inquiry": 6.0,
            "inquiry_to_accepted": 1.5,
            "accepted_to_agreed": 10.0,
            "agreed_to_contracted": 26.0,
        }
        fields = dict(funnel.fields)
        assert fields["新材料及其应用"] == {
            "shown": 2,
            "inquiries": 2,
            "accepted": 2,
            "agreed": 1,
            "contracted": 1,
        }
        assert fields["电子信息"]["inquiries"] == 1 and fields["电子信息"]["accepted"] == 0
        only = compute_funnel(2025, "电子信息")
        assert only.totals == {"shown": 1, "inquiries": 1, "accepted": 0, "agreed": 0, "contracted": 0}
        assert only.medians["inquiry_to_accepted"] is None
        assert funnel.rate("accepted") == "66.7%"
        assert compute_funnel(2024).totals["inquiries"] == 0


def test_funnel_page_is_for_the_bureau(client, app, world):
    with app.app_context():
        i1 = send(world.enterprise, world.result)
        accept(world.university, i1)
        login(client, world.bureau)
    page = client.get("/bureau/funnel").get_data(as_text=True)
    assert 'id="funnel-inquiries">1<' in page and 'id="funnel-accepted">1<' in page
    assert "新材料及其应用" in page
    # Odd parameters fall back to sensible defaults instead of failing.
    assert client.get("/bureau/funnel?year=abc&field=<script>").status_code == 200
    empty = client.get("/bureau/funnel?year=2001").get_data(as_text=True)
    assert "还没有匹配展示或对接记录" in empty
    with app.app_context():
        login(client, world.enterprise)
    assert client.get("/bureau/funnel").status_code == 403


def test_funnel_years_follow_beijing_time_and_reach_back_for_medians(app, world):
    with app.app_context():
        inquiry = send(world.enterprise, world.result)
        inquiry.created_at = datetime(2025, 12, 29, 4)  # 29 Dec in Beijing
        deal = accept(world.university, inquiry)
        deal.created_at = datetime(2025, 12, 31, 17)  # already 1 Jan 2026 01:00 in Beijing
        db.session.commit()
        last_year, this_year = compute_funnel(2025), compute_funnel(2026)
        assert last_year.totals["inquiries"] == 1 and last_year.totals["accepted"] == 0
        assert this_year.totals["inquiries"] == 0 and this_year.totals["accepted"] == 1
        assert dict(this_year.months)["2026-01"]["accepted"] == 1
        # The acceptance in 2026 still measures from the inquiry sent in 2025.
        assert this_year.medians["inquiry_to_accepted"] == 2.5

"""The facts service and the rollups: exact to the 分 through amendments and cancellations."""

import random
from datetime import date, timedelta

import pytest

from marketplace.common.domain import TECHNOLOGY_FIELDS
from marketplace.common.errors import ValidationError
from marketplace.extensions import db
from marketplace.stats import queries
from marketplace.stats.facts import (
    buyer_region_bucket,
    rebuild_rollups,
    remove_contract_fact,
    rollup_differences,
    seller_nature_bucket,
    upsert_contract_fact,
    upsert_contract_facts,
)
from marketplace.stats.settings import update_targets
from tests.factories import make_user
from tests.stats.factories import fact_data, make_fact

DISTRICTS = ["130102", "130104", "130108"]


def _expected(facts: dict, start: date, end: date, district=None) -> tuple[int, int, int]:
    chosen = [
        f
        for f in facts.values()
        if start <= f.registered_on <= end and (district is None or f.district == district)
    ]
    return (
        len(chosen),
        sum(f.contract_amount_fen for f in chosen),
        sum(f.technical_amount_fen for f in chosen),
    )


def _top(facts: dict, start: date, end: date, district, attribute: str, limit: int = 10):
    totals: dict[str, list[int]] = {}
    for f in facts.values():
        name = getattr(f, attribute)
        if name and start <= f.registered_on <= end and (district is None or f.district == district):
            cell = totals.setdefault(name, [0, 0])
            cell[0] += 1
            cell[1] += f.contract_amount_fen
    ranked = sorted(totals.items(), key=lambda item: (-item[1][1], -item[1][0], item[0]))[:limit]
    return [(name, count, amount) for name, (count, amount) in ranked]


def _random_fact(rng: random.Random, contract_id: int):
    amount = rng.randrange(0, 5_000_000_000_00)
    return fact_data(
        contract_id=contract_id,
        registered_on=date(2023, 1, 1) + timedelta(days=rng.randrange(3 * 366)),
        contract_type=rng.choice(["development", "transfer", "license", "consulting", "service"]),
        technology_field=rng.choice(TECHNOLOGY_FIELDS),
        seller_name=f"卖方{rng.randrange(25)}",
        seller_nature_code=rng.choice(["021", "022", "150", "300", "900"]),
        buyer_name=f"买方{rng.randrange(40)}",
        buyer_region_code=rng.choice(["130104", "130600", "110108", "120116", "440300", None]),
        buyer_country=rng.choice([None, None, "CHN", "DEU"]),
        district=rng.choice(DISTRICTS),
        broker_name=rng.choice([None, "经纪甲", "经纪乙"]),
        contract_amount_fen=amount,
        technical_amount_fen=amount - rng.randrange(0, amount // 3 + 1),
    )


def test_rollups_equal_facts_after_random_upserts_amendments_and_removals(app_ctx):
    rng = random.Random(20251126)
    facts = {}
    for step in range(400):
        action = rng.random()
        if facts and action < 0.2:
            contract_id = rng.choice(list(facts))
            assert remove_contract_fact(contract_id) is True
            del facts[contract_id]
        elif facts and action < 0.45:
            # An amendment: the same contract at new amounts (and sometimes a new date or district).
            contract_id = rng.choice(list(facts))
            data = _random_fact(rng, contract_id)
            upsert_contract_fact(data)
            facts[contract_id] = data
        else:
            data = _random_fact(rng, 1000 + step)
            upsert_contract_fact(data)
            facts[data.contract_id] = data
        if step % 50 == 0:
            db.session.commit()
    db.session.commit()
    assert rollup_differences() == []

    periods = [
        (date(2023, 1, 1), date(2025, 12, 31)),
        (date(2023, 2, 14), date(2025, 7, 3)),
        (date(2024, 1, 1), date(2024, 12, 31)),
        (date(2024, 3, 31), date(2024, 4, 1)),
        (date(2024, 5, 7), date(2024, 5, 7)),
        (date(2022, 12, 15), date(2026, 1, 20)),
    ]
    for start, end in periods:
        for district in (None, *DISTRICTS):
            summary = queries.summarize(start, end, district)
            total = summary.total
            assert (total.count, total.contract_amount_fen, total.technical_amount_fen) == _expected(
                facts, start, end, district
            ), (start, end, district)
            for name, rows in summary.breakdowns.items():
                assert sum(r.count for r in rows) == total.count, name
                assert sum(r.contract_amount_fen for r in rows) == total.contract_amount_fen, name
                assert sum(r.technical_amount_fen for r in rows) == total.technical_amount_fen, name
            assert sum(r.contract_amount_fen for r in summary.by_district) == total.contract_amount_fen
            for dim, attribute in (
                ("seller", "seller_name"),
                ("buyer", "buyer_name"),
                ("broker", "broker_name"),
            ):
                assert [(r.key, r.count, r.contract_amount_fen) for r in summary.parties[dim]] == _top(
                    facts, start, end, district, attribute
                ), (dim, start, end, district)
            monthly = queries.monthly_totals(start, end, district)
            assert sum(f.contract_amount_fen for _m, f in monthly) == total.contract_amount_fen

    # Rebuilding from the facts gives the same rows the incremental updates kept.
    rebuild_rollups()
    db.session.commit()
    assert rollup_differences() == []


def test_period_includes_both_end_dates_to_the_day(app_ctx):
    days = [date(2025, 2, 28), date(2025, 3, 1), date(2025, 3, 10), date(2025, 3, 31), date(2025, 4, 1)]
    for n, day in enumerate(days):
        make_fact(registered_on=day, contract_amount_fen=10**n, technical_amount_fen=10**n)
    db.session.commit()

    def total(start, end):
        figure = queries.total_figure(start, end)
        return figure.count, figure.contract_amount_fen

    assert total(date(2025, 3, 1), date(2025, 3, 31)) == (3, 10 + 100 + 1000)
    assert total(date(2025, 3, 10), date(2025, 3, 10)) == (1, 100)
    assert total(date(2025, 2, 28), date(2025, 4, 1)) == (5, 11111)
    assert total(date(2025, 3, 2), date(2025, 3, 30)) == (1, 100)
    assert total(date(2025, 1, 1), date(2025, 2, 27)) == (0, 0)


def test_amendment_counts_at_new_amounts_and_cancellation_stops_counting(app_ctx):
    data = make_fact(contract_amount_fen=5_000_000_01, technical_amount_fen=4_000_000_01)
    other = make_fact(contract_amount_fen=7_00, technical_amount_fen=7_00)
    db.session.commit()
    data.contract_amount_fen, data.technical_amount_fen = 6_000_000_99, 3_000_000_00
    upsert_contract_fact(data)
    db.session.commit()
    figure = queries.total_figure(date(2025, 1, 1), date(2025, 12, 31))
    assert (figure.count, figure.contract_amount_fen, figure.technical_amount_fen) == (
        2,
        6_000_007_99,
        3_000_007_00,
    )

    assert remove_contract_fact(other.contract_id) is True
    assert remove_contract_fact(other.contract_id) is False
    db.session.commit()
    figure = queries.total_figure(date(2025, 1, 1), date(2025, 12, 31))
    assert (figure.count, figure.contract_amount_fen) == (1, 6_000_000_99)
    assert rollup_differences() == []


def test_batch_upsert_keeps_the_last_revision_of_a_contract(app_ctx):
    first = fact_data(contract_id=77, contract_amount_fen=100, technical_amount_fen=100)
    second = fact_data(contract_id=77, contract_amount_fen=250, technical_amount_fen=200)
    assert upsert_contract_facts([first, second]) == 1
    db.session.commit()
    figure = queries.total_figure(date(2025, 1, 1), date(2025, 12, 31))
    assert (figure.count, figure.contract_amount_fen, figure.technical_amount_fen) == (1, 250, 200)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"technical_amount_fen": 1_000_000_01}, "technical_amount_fen"),
        ({"contract_amount_fen": -1, "technical_amount_fen": 0}, "contract_amount_fen"),
        ({"contract_type": "lease"}, "contract_type"),
        ({"technology_field": "魔法"}, "technology_field"),
        ({"district": "1301"}, "district"),
        ({"seller_nature_code": "999"}, "seller_nature_code"),
    ],
)
def test_bad_fact_data_is_refused_and_nothing_is_counted(app_ctx, changes, field):
    with pytest.raises(ValidationError) as caught:
        upsert_contract_fact(fact_data(**changes))
    assert field in caught.value.fields
    assert queries.total_figure(date(2000, 1, 1), date(2030, 12, 31)).count == 0


def test_huge_amounts_stay_exact(app_ctx):
    # 50亿元 a piece: far beyond a 32-bit integer and beyond what a float adds exactly.
    for n in range(3):
        make_fact(contract_amount_fen=500_000_000_000 + n, technical_amount_fen=499_999_999_999)
    db.session.commit()
    figure = queries.total_figure(date(2025, 1, 1), date(2025, 12, 31))
    assert figure.contract_amount_fen == 1_500_000_000_003
    assert figure.technical_amount_fen == 1_499_999_999_997


def test_changing_the_major_threshold_recounts_major_projects(app_ctx):
    bureau = make_user("bureau")
    make_fact(contract_amount_fen=20_000_000_00, technical_amount_fen=0)  # 2000万元
    make_fact(contract_amount_fen=5_000_000_00, technical_amount_fen=0)  # 500万元
    make_fact(contract_amount_fen=10_000_000_00, technical_amount_fen=0)  # exactly 1000万元
    db.session.commit()
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    assert queries.summarize(start, end).major.count == 2
    update_targets(bureau, {"major_threshold_fen": 3_000_000_00})
    db.session.commit()
    assert queries.summarize(start, end).major.count == 3
    assert rollup_differences() == []


def test_split_period_uses_years_months_and_edge_days():
    edges, periods = queries.split_period(date(2023, 11, 15), date(2025, 2, 10))
    assert edges == [(date(2023, 11, 15), date(2023, 11, 30)), (date(2025, 2, 1), date(2025, 2, 10))]
    assert periods == ["2023-12", "2024", "2025-01"]
    assert queries.split_period(date(2024, 1, 1), date(2024, 12, 31)) == ([], ["2024"])
    assert queries.split_period(date(2024, 3, 5), date(2024, 3, 9)) == (
        [(date(2024, 3, 5), date(2024, 3, 9))],
        [],
    )
    assert queries.split_period(date(2024, 3, 1), date(2024, 3, 31), years=False) == ([], ["2024-03"])


@pytest.mark.parametrize(
    "code, bucket",
    [
        ("022", "university"),
        ("021", "institute"),
        ("150", "enterprise"),
        ("300", "enterprise"),
        ("030", "other"),
        ("400", "other"),
    ],
)
def test_seller_nature_buckets(code, bucket):
    assert seller_nature_bucket(code) == bucket


@pytest.mark.parametrize(
    "region, country, bucket",
    [
        ("130100", None, "city"),
        ("130184", "CHN", "city"),
        ("130600", None, "province"),
        ("110108", None, "beijing"),
        ("120116", None, "tianjin"),
        ("440300", None, "other_province"),
        (None, "DEU", "foreign"),
    ],
)
def test_buyer_region_buckets(region, country, bucket):
    assert buyer_region_bucket(region, country) == bucket


def test_rebuild_command_recomputes_rollups(app, runner):
    with app.app_context():
        make_fact(contract_amount_fen=123_45, technical_amount_fen=100_00)
        db.session.commit()
        from marketplace.stats.facts import StatRollup

        db.session.execute(db.delete(StatRollup))
        db.session.commit()
        assert rollup_differences() != []
    result = runner.invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "1 份登记合同" in result.output
    with app.app_context():
        assert rollup_differences() == []
        assert queries.total_figure(date(2025, 1, 1), date(2025, 12, 31)).contract_amount_fen == 123_45


def test_demands_that_led_to_contracts_are_counted_once_each(app_ctx):
    from marketplace.stats.dashboard import demands_with_contracts

    make_fact(demand_id=5, registered_on=date(2025, 3, 1))
    make_fact(demand_id=5, registered_on=date(2025, 3, 20))
    amended = make_fact(demand_id=6, registered_on=date(2025, 4, 2))
    make_fact(demand_id=7, registered_on=date(2025, 5, 1), district="130102")
    make_fact(registered_on=date(2025, 3, 5))
    db.session.commit()
    assert demands_with_contracts(date(2025, 1, 1), date(2025, 12, 31)) == 3
    assert demands_with_contracts(date(2025, 3, 20), date(2025, 4, 30)) == 2
    assert demands_with_contracts(date(2025, 1, 1), date(2025, 12, 31), "130102") == 1
    amended.demand_id = None
    upsert_contract_fact(amended)
    db.session.commit()
    assert demands_with_contracts(date(2025, 1, 1), date(2025, 12, 31)) == 2
    assert rollup_differences() == []


def test_progress_has_the_straight_path_and_a_projection_at_the_current_pace(app_ctx):
    from marketplace.stats.dashboard import progress
    from marketplace.stats.settings import get_targets

    make_fact(
        registered_on=date(2024, 6, 1), contract_amount_fen=10**11, technical_amount_fen=6 * 10**10
    )  # 10亿元
    make_fact(
        registered_on=date(2023, 12, 31), contract_amount_fen=10**11, technical_amount_fen=0
    )  # before the period
    db.session.commit()
    result = progress(get_targets(), today=date(2025, 12, 31))
    assert result["achieved_fen"] == 10**11
    assert str(result["percent"]) == "10.0"
    assert result["elapsed_days"] == 731 and result["span_days"] == 1461
    assert result["projection_fen"] == 10**11 * 1461 // 731
    assert result["expected_now_fen"] == 10**12 * 731 // 1461
    months = result["months"]
    assert len(months) == 48 and months[0]["month"] == "2024-01" and months[-1]["month"] == "2027-12"
    assert months[-1]["path_fen"] == 10**12
    assert months[4]["cumulative_fen"] == 0 and months[5]["cumulative_fen"] == 10**11
    assert months[23]["cumulative_fen"] == 10**11 and months[24]["cumulative_fen"] is None
    assert months[-1]["projection_fen"] == result["projection_fen"]
    assert months[22]["projection_fen"] is None
    # Before the period starts there is nothing to project.
    early = progress(get_targets(), today=date(2023, 6, 1))
    assert early["projection_fen"] is None and early["elapsed_days"] == 0


@pytest.mark.parametrize("text", ["1e300000", "1e12", "Infinity", "-1", "1.005", "9" * 30])
def test_indicator_values_outside_the_rule_are_a_clear_error(text):
    from marketplace.common.errors import ValidationError
    from marketplace.stats.settings import parse_indicator_value

    with pytest.raises(ValidationError):
        parse_indicator_value(text)

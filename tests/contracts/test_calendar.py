"""Review deadlines in working days: weekends and the bureau's holidays skipped, make-up days counted."""

from datetime import date, timedelta

import pytest

from marketplace.contracts import calendar, filing, services
from marketplace.contracts.models import CalendarDay
from marketplace.extensions import db
from tests.contracts.conftest import platform_payload
from tests.contracts.factories import make_contract
from tests.factories import login

MONDAY = date(2026, 9, 28)


def national_day_2026() -> None:
    for offset in range(8):  # 1–8 October are holidays
        db.session.add(
            CalendarDay(day=date(2026, 10, 1) + timedelta(days=offset), kind="holiday", note="国庆节、中秋节")
        )
    db.session.add(CalendarDay(day=date(2026, 10, 10), kind="workday", note="国庆调休上班"))
    db.session.commit()


def test_weekdays_only_without_a_calendar(app_ctx):
    assert calendar.add_working_days(MONDAY, 15) == date(2026, 10, 19)
    assert calendar.add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Friday -> Monday


def test_holidays_are_skipped_and_make_up_days_counted(app_ctx):
    national_day_2026()
    # Tue 29, Wed 30 Sep; Fri 9, Sat 10 (make-up) Oct; then weekdays from Mon 12 to the 15th working day.
    assert calendar.add_working_days(MONDAY, 15) == date(2026, 10, 26)
    assert not calendar.is_working_day(date(2026, 10, 1))
    assert calendar.is_working_day(date(2026, 10, 10))


def test_thirty_working_days_from_five_million_yuan(app_ctx):
    assert calendar.review_working_days(500 * 10_000 * 100 - 1) == 15
    assert calendar.review_working_days(500 * 10_000 * 100) == 30


@pytest.mark.parametrize(
    ("amount_fen", "due"), [(1_000_000_00, date(2026, 10, 26)), (5_000_000_00, date(2026, 11, 16))]
)
def test_submission_sets_the_deadline(cast, monkeypatch, amount_fen, due):
    national_day_2026()
    monkeypatch.setattr(filing, "beijing_today", lambda: MONDAY)
    contract = make_contract(cast.broker, platform_payload(cast, contract_amount_fen=amount_fen), submit=True)
    assert contract.pending_revision.due_on == due


def test_overdue_reviews_are_flagged_in_the_queue(cast, client):
    late = make_contract(cast.broker, platform_payload(cast, project_name="逾期未审的合同"), submit=True)
    make_contract(cast.broker, platform_payload(cast, project_name="按期审核的合同"), submit=True)
    late.pending_revision.due_on = date.today() - timedelta(days=3)
    db.session.commit()
    assert services.bureau_counts()["overdue"] == 1
    login(client, cast.reviewer)
    page = client.get("/bureau/contracts").get_data(as_text=True)
    assert "超期" in page and "逾期未审的合同" in page and "按期审核的合同" in page
    only_late = client.get("/bureau/contracts?overdue=y").get_data(as_text=True)
    assert "逾期未审的合同" in only_late and "按期审核的合同" not in only_late
    detail = client.get(f"/contracts/{late.id}").get_data(as_text=True)
    assert "审核已超期" in detail


def test_bureau_maintains_the_calendar(cast, client):
    login(client, cast.reviewer)
    response = client.post(
        "/bureau/contract-calendar",
        data={"day": "2026-10-01", "kind": "holiday", "note": "国庆节"},
        follow_redirects=True,
    )
    assert "国庆节" in response.get_data(as_text=True)
    assert db.session.get(CalendarDay, date(2026, 10, 1)).kind == "holiday"
    bad = client.post("/bureau/contract-calendar", data={"day": "2026-13-01", "kind": "holiday"})
    assert bad.status_code == 422
    client.post("/bureau/contract-calendar/2026-10-01/delete", follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(CalendarDay, date(2026, 10, 1)) is None

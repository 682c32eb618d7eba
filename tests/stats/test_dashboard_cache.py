"""The bureau's dashboard reuses its figures for a few seconds; a registered contract shows at once."""

from datetime import date

from sqlalchemy import event

from marketplace.common.money import format_yuan
from marketplace.extensions import db
from tests.factories import login, make_user
from tests.stats.factories import make_fact

PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}


def _queries(app, client) -> tuple[int, str]:
    count = {"n": 0}

    def seen(*_args):
        count["n"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        response = client.get("/bureau/stats/", query_string=PERIOD)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert response.status_code == 200
    return count["n"], response.get_data(as_text=True)


def test_repeated_dashboard_requests_reuse_the_figures_until_a_contract_changes(app, app_factory):
    app = app_factory(STATS_CACHE_SECONDS=60)
    client = app.test_client()
    with app.app_context():
        db.create_all()
        login(client, make_user("bureau"))
        make_fact(registered_on=date(2025, 3, 3), contract_amount_fen=123_45, technical_amount_fen=123_45)
        db.session.commit()
    first, html = _queries(app, client)
    assert format_yuan(123_45) in html
    second, html = _queries(app, client)
    assert format_yuan(123_45) in html
    # The user and the navigation, the targets, the contracts' fingerprint, the indicators.
    assert second <= 8 and second + 8 <= first, (first, second)
    with app.app_context():
        make_fact(registered_on=date(2025, 4, 4), contract_amount_fen=1_000_00, technical_amount_fen=1_000_00)
        db.session.commit()
    _, html = _queries(app, client)
    assert format_yuan(1_123_45) in html

"""Concurrent registrations add to the same rollup rows without losing an update (PostgreSQL)."""

import threading
from datetime import date

import pytest

from marketplace.extensions import db
from marketplace.stats import queries
from marketplace.stats.facts import rollup_differences, upsert_contract_fact
from tests.conftest import PG_URL
from tests.stats.factories import fact_data

pytestmark = [pytest.mark.postgres_only, pytest.mark.committing]


@pytest.mark.skipif(not PG_URL, reason="row-level concurrency needs PostgreSQL (TEST_DATABASE_URL)")
def test_concurrent_upserts_keep_rollups_exact(app):
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def register(offset: int) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                for n in range(30):
                    upsert_contract_fact(
                        fact_data(
                            contract_id=offset + n,
                            registered_on=date(2025, 5, 1 + n % 28),
                            contract_amount_fen=offset + n,
                            technical_amount_fen=n,
                        )
                    )
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=register, args=(offset,)) for offset in (1000, 2000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        figure = queries.total_figure(date(2025, 5, 1), date(2025, 5, 31))
        expected = sum(range(1000, 1030)) + sum(range(2000, 2030))
        assert (figure.count, figure.contract_amount_fen) == (60, expected)
        assert rollup_differences() == []

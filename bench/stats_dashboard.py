"""Benchmark the bureau's dashboard and the summary API at 100,000 registered contracts.

    .venv/bin/python bench/stats_dashboard.py                      # SQLite in a temporary folder
    .venv/bin/python bench/stats_dashboard.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_stats

The database given is emptied (every table dropped and created again): use a throwaway one.
Contracts are spread over ten years, eight districts and five registration points and are recorded
through the statistics service (`upsert_contract_facts`), then some are amended and some cancelled.
The script checks that the rollups still equal the facts to the 分, then times the dashboard page
(unfiltered, and with period and district filters) and the summary API through the test client,
and prints p50/p95 in milliseconds. Target: p95 ≤ 300 ms.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

from config import TestConfig  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.common.domain import TECHNOLOGY_FIELDS  # noqa: E402
from marketplace.extensions import db  # noqa: E402

DISTRICTS = ["130102", "130104", "130105", "130108", "130109", "130110", "130123", "130181"]
DISTRICT_WEIGHTS = [14, 22, 12, 18, 6, 10, 8, 10]
TYPES = [
    ("development", "commissioned", 30),
    ("development", "cooperative", 10),
    ("transfer", "patent_right", 8),
    ("license", "patent_license", 5),
    ("consulting", "other", 7),
    ("service", "technical_service", 35),
    ("service", "intermediary", 5),
]
BUYER_REGIONS = [
    ("130104", None, 30),
    ("130108", None, 20),
    ("130600", None, 15),
    ("110108", None, 12),
    ("120116", None, 8),
    ("440300", None, 12),
    (None, "DEU", 3),
]


def build_app(database_url: str, instance: Path):
    config = TestConfig(instance)
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.TESTING = False
    return create_app(config)


def generate(count: int, seed: int, today: date):
    """Yield plausible contract facts spread over the ten years before `today`."""
    from marketplace.stats.facts import ContractFactData

    rng = random.Random(seed)
    first = date(today.year - 10, today.month, 1)
    span = (today - first).days
    sellers = []
    for n in range(400):
        nature = rng.choices(["022", "021", "150", "170", "110", "900"], [20, 15, 35, 20, 8, 2])[0]
        sellers.append((f"卖方单位{n:03d}", nature, rng.choices(DISTRICTS, DISTRICT_WEIGHTS)[0], n + 1))
    buyers = [
        (f"买方单位{n:04d}", *rng.choices(BUYER_REGIONS, [w for *_x, w in BUYER_REGIONS])[0][:2])
        for n in range(3000)
    ]
    brokers = [f"技术转移机构{n:02d}" for n in range(40)]
    serial: dict[tuple[int, int], int] = {}
    for contract_id in range(1, count + 1):
        registered_on = first + timedelta(days=rng.randrange(span + 1))
        seller, nature, district, seller_org = rng.choice(sellers)
        buyer, region, country = rng.choice(buyers)
        kind, subtype, _w = rng.choices(TYPES, [w for *_x, w in TYPES])[0]
        # Log-uniform between 1万元 and 5000万元, in whole 分.
        amount = int(10 ** rng.uniform(6, 9.7)) + rng.randrange(100)
        technical = amount - amount * rng.choice([0, 0, 0, 5, 10, 20, 30]) // 100
        point = DISTRICTS.index(district) % 5 + 1
        key = (registered_on.year, point)
        serial[key] = serial.get(key, 0) + 1
        yield ContractFactData(
            contract_id=contract_id,
            registration_number=f"{registered_on.year}130100{point:02d}{serial[key]:04d}",
            registered_on=registered_on,
            contract_type=kind,
            subtype=subtype,
            technology_field=rng.choice(TECHNOLOGY_FIELDS),
            seller_name=seller,
            seller_org_id=seller_org,
            seller_nature_code=nature,
            buyer_name=buyer,
            buyer_region_code=region,
            buyer_country=country,
            district=district,
            broker_name=rng.choice(brokers) if rng.random() < 0.6 else None,
            registration_point_id=point,
            demand_id=rng.randrange(1, 8000) if rng.random() < 0.2 else None,
            contract_amount_fen=amount,
            technical_amount_fen=technical,
        )


def load(count: int, seed: int, today: date) -> dict:
    from marketplace.stats.facts import (
        ContractFact,
        fact_data,
        remove_contract_fact,
        upsert_contract_fact,
        upsert_contract_facts,
    )

    started = time.perf_counter()
    batch = []
    for data in generate(count, seed, today):
        batch.append(data)
        if len(batch) == 5000:
            upsert_contract_facts(batch)
            db.session.commit()
            batch = []
    if batch:
        upsert_contract_facts(batch)
        db.session.commit()
    loaded = time.perf_counter() - started

    rng = random.Random(seed + 1)
    ids = rng.sample(range(1, count + 1), min(3000, count))
    started = time.perf_counter()
    for contract_id in ids[:2000]:  # amendments, one service call and commit each, as the contracts hook does
        fact = db.session.scalar(select(ContractFact).where(ContractFact.contract_id == contract_id))
        data = fact_data(fact)
        data.contract_amount_fen += rng.randrange(-data.contract_amount_fen // 2, data.contract_amount_fen)
        data.technical_amount_fen = min(data.technical_amount_fen, data.contract_amount_fen)
        upsert_contract_fact(data)
        db.session.commit()
    for contract_id in ids[2000:]:  # cancellations
        remove_contract_fact(contract_id)
        db.session.commit()
    changed = time.perf_counter() - started
    return {"load_s": loaded, "changes": len(ids), "per_change_ms": changed * 1000 / max(len(ids), 1)}


def check_exact() -> tuple[int, int]:
    """Compare every rollup row with the facts; return (facts, total contract amount in 分)."""
    from marketplace.stats.facts import ContractFact, rollup_differences

    differences = rollup_differences()
    if differences:
        raise SystemExit(f"rollups differ from the facts: {differences}")
    count, amount = db.session.execute(
        select(func.count(ContractFact.id), func.sum(ContractFact.contract_amount_fen))
    ).one()
    return int(count), int(amount)


def timed(client, url: str, repeat: int, headers=None) -> tuple[float, float]:
    for _ in range(3):
        client.get(url, headers=headers)  # warm up caches and connections
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    return statistics.median(samples), p95


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default="", help="SQLAlchemy URL of a throwaway database (default: SQLite)"
    )
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40, help="timed requests per scenario")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="stats-bench-"))
    url = args.database_url or f"sqlite:///{instance / 'bench.db'}"
    print(f"instance folder: {instance}")
    app = build_app(url, instance)
    from marketplace.accounts.services import create_api_token
    from marketplace.common.timeutil import beijing_today
    from tests.factories import login, make_user

    today = beijing_today()
    with app.app_context():
        db.drop_all()
        db.create_all()
        figures = load(args.contracts, args.seed, today)
        facts, amount = check_exact()
        if db.engine.dialect.name == "postgresql":
            # Production relies on autovacuum's ANALYZE; after a bulk load it has not run yet.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        user = make_user("bureau")
        token = create_api_token(user, "bench")
        db.session.commit()

    client = app.test_client()
    with app.app_context():
        login(client, user)
    api = {"Authorization": f"Bearer {token}"}
    year = today.year
    scenarios = [
        ("dashboard, target period, whole city", "/bureau/stats/", None),
        ("dashboard, ten years, whole city", f"/bureau/stats/?from={year - 10}-01-01&to={year}-12-31", None),
        (
            "dashboard, 2023-03-15..2024-11-20, 长安区",
            "/bureau/stats/?from=2023-03-15&to=2024-11-20&district=130102",
            None,
        ),
        (
            "dashboard, 2025-02-10..2025-02-20, 桥西区",
            "/bureau/stats/?from=2025-02-10&to=2025-02-20&district=130104",
            None,
        ),
        ("summary API, target period", "/api/v1/stats/summary", api),
        ("summary API, ten years", f"/api/v1/stats/summary?from={year - 10}-01-01&to={year}-12-31", api),
        (
            "summary API, 2019-07-09..2024-06-03, 裕华区",
            "/api/v1/stats/summary?from=2019-07-09&to=2024-06-03&district=130108",
            api,
        ),
        ("public page 成果转化动态", "/stats", None),
    ]
    dialect = url.split(":", 1)[0].split("+", 1)[0]
    print(f"database: {dialect}; contracts generated: {args.contracts:,}; counted after changes: {facts:,}")
    print(
        f"load through upsert_contract_facts: {figures['load_s']:.1f} s; "
        f"{figures['changes']:,} amendments/cancellations at {figures['per_change_ms']:.1f} ms each (commit included)"
    )
    print(f"rollups equal facts in every dimension (total contract amount {amount:,} 分)")
    print(f"{'scenario':<48} {'p50 ms':>8} {'p95 ms':>8}")
    worst = 0.0
    for name, path, headers in scenarios:
        p50, p95 = timed(client, path, args.repeat, headers)
        worst = max(worst, p95)
        print(f"{name:<48} {p50:8.1f} {p95:8.1f}")
    print(f"worst p95: {worst:.1f} ms (target ≤ 300 ms): {'OK' if worst <= 300 else 'MISSED'}")


if __name__ == "__main__":
    main()

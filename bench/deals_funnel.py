"""Benchmark the bureau funnel and match recording at city scale; prints its figures.

Usage: .venv/bin/python bench/deals_funnel.py [--shown 60000] [--inquiries 12000] [--deals 4000]
Uses a throwaway SQLite database, or DATABASE_URL when it is set (the schema there is dropped!).
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestConfig  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shown", type=int, default=60_000)
    parser.add_argument("--inquiries", type=int, default=12_000)
    parser.add_argument("--deals", type=int, default=4_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    import os

    config = TestConfig(Path(tempfile.mkdtemp()) / "instance")
    if os.environ.get("DATABASE_URL"):
        config.SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        print(f"database: {db.engine.dialect.name}")
        populate(args)
        measure(args)


def populate(args) -> None:
    from marketplace.common.domain import TECHNOLOGY_FIELDS
    from marketplace.deals.models import Deal, Inquiry, MatchShown
    from marketplace.listings.models import Demand, ResearchResult
    from marketplace.organisations.models import Organisation

    rng = random.Random(7)
    started = time.perf_counter()
    orgs = [
        Organisation(name=f"单位{i}", org_type="enterprise" if i % 2 else "university") for i in range(200)
    ]
    db.session.add_all(orgs)
    db.session.flush()
    enterprises = [o.id for o in orgs if o.org_type == "enterprise"]
    universities = [o.id for o in orgs if o.org_type == "university"]
    demands = [
        {
            "title": f"需求{i}",
            "organisation_id": rng.choice(enterprises),
            "status": "published",
            "deadline": date(2027, 1, 1),
            "technology_field": rng.choice(TECHNOLOGY_FIELDS),
        }
        for i in range(3_000)
    ]
    db.session.execute(Demand.__table__.insert(), demands)
    results = [
        {
            "title": f"成果{i}",
            "organisation_id": rng.choice(universities),
            "status": "published",
            "technology_field": rng.choice(TECHNOLOGY_FIELDS),
        }
        for i in range(8_000)
    ]
    db.session.execute(ResearchResult.__table__.insert(), results)
    base = datetime(2025, 1, 1)
    pairs = set()
    while len(pairs) < args.shown:
        pairs.add((rng.randint(1, 3_000), rng.randint(1, 8_000)))
    pairs = list(pairs)
    shown = [
        {
            "demand_id": d,
            "listing_kind": "result",
            "listing_id": r,
            "technology_field": rng.choice(TECHNOLOGY_FIELDS),
            "shown_at": base + timedelta(minutes=rng.randint(0, 360 * 24 * 60)),
        }
        for d, r in pairs
    ]
    for i in range(0, len(shown), 5_000):
        db.session.execute(MatchShown.__table__.insert(), shown[i : i + 5_000])
    inquiries = []
    for i, (d, r) in enumerate(pairs[: args.inquiries]):
        inquiries.append(
            {
                "kind": "inquiry",
                "sender_org_id": rng.choice(enterprises),
                "recipient_org_id": rng.choice(universities),
                "result_id": r,
                "demand_id": d,
                "purpose": "license",
                "message": "",
                "wants_private_details": False,
                "status": "accepted" if i < args.deals else "pending",
                "decline_text": "",
                "created_at": base + timedelta(days=rng.randint(0, 300)),
            }
        )
    db.session.execute(Inquiry.__table__.insert(), inquiries)
    deals = []
    for i in range(args.deals):
        accepted = inquiries[i]["created_at"] + timedelta(days=rng.randint(0, 10))
        agreed = accepted + timedelta(days=rng.randint(5, 60)) if i % 3 == 0 else None
        deals.append(
            {
                "inquiry_id": i + 1,
                "seller_org_id": inquiries[i]["recipient_org_id"],
                "buyer_org_id": inquiries[i]["sender_org_id"],
                "result_id": inquiries[i]["result_id"],
                "demand_id": inquiries[i]["demand_id"],
                "technology_field": rng.choice(TECHNOLOGY_FIELDS),
                "stage": "agreed" if agreed else "contact",
                "close_text": "",
                "broker_credited": False,
                "created_at": accepted,
                "agreed_at": agreed,
                "contracted_at": agreed + timedelta(days=20) if agreed and i % 2 == 0 else None,
                "last_activity_at": accepted,
            }
        )
    db.session.execute(Deal.__table__.insert(), deals)
    db.session.commit()
    print(
        f"data: {args.shown} matches shown, {args.inquiries} inquiries, {args.deals} deals "
        f"(loaded in {time.perf_counter() - started:.1f} s)"
    )


def measure(args) -> None:
    from marketplace.deals.funnel import compute_funnel, record_matches_shown

    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        funnel = compute_funnel(2025)
        timings.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    print(
        f"compute_funnel(2025), all fields: median {statistics.median(timings):.0f} ms, max {max(timings):.0f} ms"
    )
    print(f"  totals {funnel.totals}")
    print(f"  medians (days) {funnel.medians}")
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        compute_funnel(2025, "电子信息")
        timings.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    print(f"compute_funnel(2025, one field): median {statistics.median(timings):.0f} ms")
    timings = []
    for n in range(50):
        items = [("result", 1 + (n * 20 + k) % 8_000) for k in range(20)]
        started = time.perf_counter()
        record_matches_shown(2_999 - n, items, None)
        db.session.commit()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(
        f"record_matches_shown(20 items) + commit: p50 {timings[len(timings) // 2]:.1f} ms, "
        f"p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms"
    )


if __name__ == "__main__":
    main()

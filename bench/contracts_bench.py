"""Measure contract registration: approvals under contention and the bureau queue's response time.

Usage (the database is emptied first, so never point it at real data):
    .venv/bin/python bench/contracts_bench.py                       # SQLite in a temp folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_x .venv/bin/python bench/contracts_bench.py

Prints figures only; it asserts nothing except that the numbers issued are consecutive.
"""

import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestConfig  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.extensions import db  # noqa: E402

CONTRACTS = int(os.environ.get("BENCH_CONTRACTS", "200"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
QUEUE_SIZE = int(os.environ.get("BENCH_QUEUE_SIZE", "2000"))


def build_app():
    config = TestConfig(Path(tempfile.mkdtemp()) / "instance")
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        config.SQLALCHEMY_DATABASE_URI = url
    config.SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": THREADS + 2, "max_overflow": 4} if url else {}
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def setup(app):
    from tests.contracts.factories import make_contract, make_point, make_reviewer, payload
    from tests.factories import make_user

    with app.app_context():
        point = make_point("130104", "01")
        reviewers = [make_reviewer(point).id for _ in range(THREADS)]
        broker = make_user("broker")
        seller = make_user("university")
        data = payload(seller={"org_id": seller.organisation_id})
        contract_ids = [make_contract(broker, data, submit=True).id for _ in range(CONTRACTS)]
    return reviewers, contract_ids


def approve_concurrently(app, reviewers, contract_ids):
    from marketplace.accounts.models import User
    from marketplace.contracts import services
    from marketplace.contracts.models import TechContract

    chunks = [contract_ids[i :: len(reviewers)] for i in range(len(reviewers))]
    latencies: list[float] = []
    numbers: list[str] = []
    barrier = threading.Barrier(len(reviewers))
    lock = threading.Lock()

    def work(reviewer_id, ids):
        with app.app_context():
            reviewer = db.session.get(User, reviewer_id)
            barrier.wait()
            for contract_id in ids:
                started = time.perf_counter()
                contract = db.session.get(TechContract, contract_id)
                services.approve_contract(reviewer, contract)
                db.session.commit()
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    numbers.append(contract.registration_number)
            db.session.remove()

    threads = [threading.Thread(target=work, args=(r, c)) for r, c in zip(reviewers, chunks, strict=True)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = time.perf_counter() - started
    serials = sorted(int(n[-4:]) for n in numbers)
    assert serials == list(range(1, len(contract_ids) + 1)), "numbers must be consecutive and distinct"
    return total, latencies


def queue_timings(app, extra: int):
    from marketplace.contracts import services
    from tests.contracts.factories import make_contract, payload
    from tests.factories import login, make_user

    with app.app_context():
        broker = make_user("broker")
        seller = make_user("university")
        data = payload(seller={"org_id": seller.organisation_id})
        for _ in range(extra):
            services.create_contract(broker, data)
        db.session.commit()
        for _ in range(min(extra, 300)):
            make_contract(broker, data, submit=True)
        bureau = make_user("bureau")
    client = app.test_client()
    with app.app_context():
        login(client, bureau)
    timings = {}
    for label, url in [
        ("queue (open)", "/bureau/contracts"),
        ("queue (all, type, amount)", "/bureau/contracts?status=all&type=transfer&min_wan=10&max_wan=5000"),
        ("queue (overdue)", "/bureau/contracts?overdue=y"),
        ("dashboard", "/dashboard"),
    ]:
        runs = []
        for _ in range(10):
            started = time.perf_counter()
            response = client.get(url)
            runs.append(time.perf_counter() - started)
            assert response.status_code == 200
        timings[label] = statistics.median(runs)
    return timings


def main() -> None:
    app = build_app()
    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    reviewers, contract_ids = setup(app)
    total, latencies = approve_concurrently(app, reviewers, contract_ids)
    latencies.sort()
    print(f"backend: {backend}")
    print(
        f"approvals: {len(contract_ids)} by {len(reviewers)} concurrent reviewers in {total:.2f} s "
        f"({len(contract_ids) / total:.1f}/s); numbers consecutive 0001–{len(contract_ids):04d}"
    )
    print(
        f"approval latency: p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95) - 1] * 1000:.1f} ms"
    )
    for label, seconds in queue_timings(app, QUEUE_SIZE).items():
        print(
            f"{label}: median {seconds * 1000:.1f} ms over 10 requests ({QUEUE_SIZE + CONTRACTS}+ contracts)"
        )
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


if __name__ == "__main__":
    main()

"""Load the site as production runs it: gunicorn workers, the search sync worker, a mixed load.

    .venv/bin/python bench/load.py                      # PostgreSQL database load_bench (emptied first)
    .venv/bin/python bench/load.py --database-url sqlite:////tmp/load.db
    .venv/bin/python bench/load.py --reuse              # keep the data of the last run, load again

Prepares a throwaway database with 20,000 listings (real CSL papers and CNIPA patent titles from
bench/data, plus listings made of their sentences, as bench/search_perf.py builds them) and 10,000
registered technology contracts with their statistics, builds the index with `flask search reindex`
and stores the matches of the demands the load visits. Then starts gunicorn (4 workers) and
`flask search sync --watch` beside it and drives, from client threads, a mix of: the search page,
the search API, listing pages, demand match pages (broker), the bureau's dashboard, the public
statistics page, results posted through the real form (login, CSRF, publish) and results/patents
posted and published through the API with personal tokens.

Before the load, each action runs a few times one request at a time (service times without
contention). Prints per endpoint and in total: requests, throughput, p50/p95/p99 latency (measured by the
client, from sending the request to reading the whole response) and errors (HTTP status >= 400,
an unexpected answer, or a connection error). Then waits for the outbox to be indexed and checks
that every listing created during the run is in the index and found by the search API, and that
the index holds exactly the public listings of the database. Exits 1 on any error or lost update.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/load_bench"
BIN = Path(sys.executable).parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FIELDS = ("电子信息", "先进制造", "新材料及其应用", "新能源与高效节能", "生物、医药和医疗器械")
CONTRACT_TYPES = [
    ("development", "commissioned", "technical_secret", 30),
    ("development", "cooperative", "none", 10),
    ("transfer", "patent_right", "invention_patent", 10),
    ("license", "patent_license", "invention_patent", 8),
    ("consulting", "other", "none", 7),
    ("service", "technical_service", "none", 35),
]
# action -> weight in the mix (share of iterations of every client thread)
MIX = {
    "search": 22,
    "api_search": 14,
    "detail": 22,
    "matches": 10,
    "dashboard": 6,
    "stats": 10,
    "post_form": 8,
    "post_api": 8,
}


# --- preparing the data -------------------------------------------------------------------------


def make_app(url: str, instance: Path):
    from config import Config
    from marketplace import create_app

    config = Config(instance)
    config.SQLALCHEMY_DATABASE_URI = url
    config.SEARCH_AUTO_DRAIN = False  # this process only prepares and checks; it never drains
    return create_app(config)


def empty_database(url: str, instance: Path) -> None:
    from sqlalchemy import text

    from marketplace.extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
    db.create_all()
    shutil.rmtree(instance / "search-index", ignore_errors=True)


def make_users(clients: int) -> dict:
    """Posting users (one verified university each), API token users, a broker and the bureau."""
    from marketplace.accounts.services import create_api_token
    from marketplace.extensions import db
    from tests.factories import PASSWORD, make_user

    users = {"password": PASSWORD, "posters": [], "tokens": []}
    for n in range(clients):
        users["posters"].append(make_user("university", email=f"poster{n}@load-bench.cn").email)
        api_user = make_user("institute", email=f"api{n}@load-bench.cn")
        users["tokens"].append(create_api_token(api_user, "load"))
    users["broker"] = make_user("broker", email="broker@load-bench.cn").email
    users["bureau"] = make_user("bureau", email="bureau@load-bench.cn").email
    db.session.commit()
    return users


def load_listings(total: int) -> dict[str, list[int]]:
    from bench.search_perf import load_database
    from bench.search_quality import SEED, generated_listings, load_papers, load_patents

    rng = random.Random(SEED)
    specs = generated_listings(load_papers(), load_patents(), total, rng)
    return load_database(specs, rng)


def load_contracts(count: int, seed: int = 11) -> int:
    """Insert registered contracts (contract + revision) and record their statistics as approval does."""
    from sqlalchemy import insert, select, update
    from sqlalchemy.orm import selectinload

    from marketplace.accounts.models import User
    from marketplace.common.timeutil import beijing_today, utcnow
    from marketplace.contracts.models import ContractRevision, RegistrationPoint, TechContract
    from marketplace.extensions import db
    from marketplace.organisations.models import Organisation
    from marketplace.stats.facts import upsert_contract_facts
    from marketplace.stats.subscribers import contract_fact
    from tests.factories import make_user

    rng = random.Random(seed)
    today = beijing_today()
    points = [
        RegistrationPoint(region_code=code, point_code=f"{n + 1:02d}", name=f"技术合同登记点{n + 1}")
        for n, code in enumerate(("130102", "130104", "130105", "130108", "130109"))
    ]
    db.session.add_all(points)
    db.session.flush()
    reviewer = db.session.scalar(select(User).where(User.email == "bureau@load-bench.cn"))
    brokers = [make_user("broker") for _ in range(10)]
    orgs = db.session.scalars(
        select(Organisation).where(Organisation.verification_status == "verified")
    ).all()
    sellers = [o for o in orgs if o.org_type in ("university", "institute")]
    buyers = [o for o in orgs if o.org_type == "enterprise"]
    serial: dict[tuple[int, int], int] = {}
    now = utcnow()
    done = 0
    while done < count:
        size = min(1000, count - done)
        contracts, revisions = [], []
        for _ in range(size):
            kind, subtype, ip_type, _w = rng.choices(CONTRACT_TYPES, [c[3] for c in CONTRACT_TYPES])[0]
            registered = today - timedelta(days=rng.randrange(0, 3 * 365))
            signed = registered - timedelta(days=rng.randrange(5, 60))
            point = rng.choice(points)
            key = (registered.year, point.id)
            serial[key] = serial.get(key, 0) + 1
            seller = rng.choice(sellers)
            broker = rng.choice(brokers) if rng.random() < 0.6 else None
            amount = int(10 ** rng.uniform(6, 9.5)) + rng.randrange(100)
            contracts.append(
                {
                    "status": "registered",
                    "filer_org_id": broker.organisation_id if broker else seller.id,
                    "broker_id": broker.id if broker else None,
                    "registration_number": f"{registered.year}{point.region_code}{point.point_code}"
                    f"{serial[key]:04d}",
                    "registered_on": registered,
                    "point_id": point.id,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            buyer = rng.choice(buyers) if rng.random() < 0.7 else None
            revisions.append(
                {
                    "number": 1,
                    "status": "registered",
                    "project_name": f"{rng.choice(FIELDS)}技术项目{done + len(revisions) + 1}",
                    "contract_type": kind,
                    "subtype": subtype,
                    "signed_on": signed,
                    "valid_from": signed,
                    "valid_to": signed + timedelta(days=730),
                    "technology_field": rng.choice(FIELDS),
                    "ip_type": ip_type,
                    "seller_org_id": seller.id,
                    "buyer_org_id": buyer.id if buyer else None,
                    "buyer_name": "" if buyer else f"平台外企业{rng.randrange(2000)}",
                    "buyer_region_code": None if buyer else rng.choice(("110108", "120116", "130600")),
                    "buyer_nature_code": "150",
                    "registrant_org_id": seller.id,
                    "contract_amount_fen": amount,
                    "technical_amount_fen": amount - amount * rng.choice((0, 0, 10, 20)) // 100,
                    "submitted_at": now,
                    "reviewer_id": reviewer.id,
                    "reviewed_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        ids = db.session.scalars(
            insert(TechContract).returning(TechContract.id, sort_by_parameter_order=True), contracts
        ).all()
        for contract_id, revision in zip(ids, revisions, strict=True):
            revision["contract_id"] = contract_id
        revision_ids = db.session.scalars(
            insert(ContractRevision).returning(ContractRevision.id, sort_by_parameter_order=True), revisions
        ).all()
        db.session.execute(
            update(TechContract),
            [{"id": c, "registered_revision_id": r} for c, r in zip(ids, revision_ids, strict=True)],
        )
        db.session.commit()
        loaded = db.session.scalars(
            select(TechContract)
            .where(TechContract.id.in_(ids))
            .options(
                selectinload(TechContract.registered_revision).selectinload(ContractRevision.seller_org),
                selectinload(TechContract.registered_revision).selectinload(ContractRevision.buyer_org),
                selectinload(TechContract.broker).selectinload(User.organisation),
            )
        ).all()
        upsert_contract_facts([contract_fact(c) for c in loaded])
        db.session.commit()
        db.session.expunge_all()
        done += size
    return done


def store_matches(demand_ids: list[int]) -> int:
    """Store the matches of these demands, as the outbox drain does after a demand changes."""
    from marketplace.extensions import db
    from marketplace.listings.models import Demand
    from marketplace.search import matching
    from marketplace.search.index import open_index, query_analyzer

    ix = open_index()
    analyzer = query_analyzer(ix)
    with ix.searcher() as searcher:
        for n, demand_id in enumerate(demand_ids, 1):
            demand = db.session.get(Demand, demand_id)
            matching._store(db.session, "demand", demand_id, matching.compute(searcher, analyzer, demand))
            if n % 50 == 0:
                db.session.commit()
    db.session.commit()
    return len(demand_ids)


# The site refuses to start on PostgreSQL without SECRET_KEY (hosts must share it): one key for this
# bench and every server and worker it starts.
os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))


def flask_env(url: str, instance: Path) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "INSTANCE_DIR": str(instance),
            "SEARCH_INDEX_DIR": str(instance / "search-index"),
            "FLASK_APP": "wsgi.py",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def prepare(args, instance: Path) -> dict:
    from sqlalchemy import text

    from marketplace.extensions import db

    app = make_app(args.database_url, instance)
    started = time.perf_counter()
    with app.app_context():
        empty_database(args.database_url, instance)
        users = make_users(args.clients)
        ids = load_listings(args.listings)
        print(
            f"listings: {sum(len(v) for v in ids.values()):,} "
            f"({', '.join(f'{k} {len(v):,}' for k, v in ids.items())}) "
            f"in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        t = time.perf_counter()
        contracts = load_contracts(args.contracts)
        print(f"contracts: {contracts:,} registered, statistics recorded, in {time.perf_counter() - t:.0f} s")
        if db.engine.dialect.name == "postgresql":
            # Production relies on autovacuum's ANALYZE; after a bulk load it has not run yet.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        db.session.remove()
        db.engine.dispose()
    empty = [kind for kind in ("patent", "result", "demand") if not ids.get(kind)]
    if empty:
        # The generator takes the real patents and papers first; demands come only after them.
        raise SystemExit(
            f"no {', '.join(empty)} listings at --listings {args.listings}: use 20000 (the default)"
        )
    t = time.perf_counter()
    env = flask_env(args.database_url, instance)
    out = subprocess.run(
        [str(BIN / "flask"), "search", "reindex", "--no-matches"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    print(f"`flask search reindex`: {out.stdout.strip()} in {time.perf_counter() - t:.0f} s", flush=True)
    rng = random.Random(5)
    visited = rng.sample(ids["demand"], min(args.match_demands, len(ids["demand"])))
    t = time.perf_counter()
    if args.all_matches:
        out = subprocess.run(
            [str(BIN / "flask"), "search", "rematch"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        print(f"`flask search rematch`: in {time.perf_counter() - t:.0f} s")
    else:
        with app.app_context():
            store_matches(visited)
            db.session.remove()
            db.engine.dispose()
        print(
            f"stored matches of {len(visited)} demands (the ones the load visits) in {time.perf_counter() - t:.0f} s"
        )
    state = {"ids": ids, "users": users, "matched_demands": visited, "url": args.database_url}
    (instance / "load-state.json").write_text(json.dumps(state))
    return state


# --- the servers --------------------------------------------------------------------------------


def start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = log.open("ab")
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_ready(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer on port {port}")


# --- the client ---------------------------------------------------------------------------------


class HttpError(Exception):
    pass


class Browser:
    """One visitor: a keep-alive connection when the server allows it, and its cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raise
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", data

    def form(self, path: str) -> str:
        status, _, data = self.request("GET", path)
        if status != 200:
            raise HttpError(f"GET {path}: HTTP {status}")
        match = CSRF_RE.search(data.decode("utf-8", "replace"))
        if not match:
            raise HttpError(f"GET {path}: no CSRF token")
        return match.group(1)

    def post_form(self, path: str, fields: list[tuple[str, str]]):
        body = urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def login(self, email: str, password: str) -> None:
        # Clients sharing one account log in together; the login throttle counts that burst like
        # guesses and asks some to wait (429), as it would a person: wait and try again.
        for attempt in range(6):
            token = self.form("/account/login")
            status, location, _ = self.post_form(
                "/account/login", [("csrf_token", token), ("email", email), ("password", password)]
            )
            if status != 429:
                break
            time.sleep(2 + 2 * attempt + random.random() * 3)
        if status != 302 or "/account/login" in location:
            raise HttpError(f"login {email}: HTTP {status} -> {location}")


@dataclass
class Stats:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    created: list[tuple[str, int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, label: str, ms: float, error: str | None = None) -> None:
        with self.lock:
            self.samples.setdefault(label, []).append(ms)
            if error:
                self.errors.setdefault(label, []).append(error)


class Worker:
    """A client: logs in as its users, then runs the weighted mix until the deadline."""

    def __init__(self, n: int, port: int, state: dict, queries: list[str], stats: Stats, run_tag: str):
        self.n, self.port, self.state, self.queries, self.stats = n, port, state, queries, stats
        self.rng = random.Random(1000 + n)
        self.tag = run_tag
        self.posted = 0
        self.failed: str | None = None

    def login_all(self) -> None:
        try:
            self.setup()
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            self.failed = f"{type(exc).__name__}: {exc}"

    def warm_up(self, stats: Stats) -> None:
        own, self.stats = self.stats, stats
        for _ in range(3):
            self.do_search()
            self.do_api_search()
        self.stats = own

    def run(self, deadline: float) -> None:
        actions = list(MIX)
        weights = [MIX[a] for a in actions]
        while time.monotonic() < deadline:
            getattr(self, f"do_{self.rng.choices(actions, weights)[0]}")()

    def setup(self) -> None:
        users = self.state["users"]
        self.anon = Browser(self.port)
        self.poster = Browser(self.port)
        self.poster.login(users["posters"][self.n], users["password"])
        self.broker = Browser(self.port)
        self.broker.login(users["broker"], users["password"])
        self.bureau = Browser(self.port)
        self.bureau.login(users["bureau"], users["password"])
        self.api = Browser(self.port)
        self.token = users["tokens"][self.n]

    def timed(self, label: str, browser: Browser, method: str, path: str, expect=(200,), **kw):
        started = time.perf_counter()
        error = None
        result = None
        try:
            result = browser.request(method, path, **kw)
            if result[0] not in expect:
                error = f"HTTP {result[0]} {method} {path}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc} ({method} {path})"
        self.stats.add(label, (time.perf_counter() - started) * 1000.0, error)
        return result if error is None else None

    def marker(self) -> str:
        self.posted += 1
        return f"lt{self.tag}w{self.n}n{self.posted}"

    def do_search(self) -> None:
        q = self.rng.choice(self.queries)
        self.timed("search page", self.anon, "GET", f"/search/?q={quote(q)}")

    def do_api_search(self) -> None:
        q = self.rng.choice(self.queries)
        self.timed("search API", self.anon, "GET", f"/api/v1/search?q={quote(q)}")

    def do_detail(self) -> None:
        ids = self.state["ids"]
        kind = self.rng.choice(("patent", "result", "demand"))
        segment = {"patent": "patents", "result": "results", "demand": "demands"}[kind]
        self.timed("listing page", self.anon, "GET", f"/{segment}/{self.rng.choice(ids[kind])}")

    def do_matches(self) -> None:
        demand_id = self.rng.choice(self.state["matched_demands"])
        self.timed("demand matches page", self.broker, "GET", f"/search/matches/demand/{demand_id}")

    def do_dashboard(self) -> None:
        self.timed("dashboard (bureau)", self.bureau, "GET", "/bureau/stats/")

    def do_stats(self) -> None:
        self.timed("public stats page", self.anon, "GET", "/stats")

    def _result_text(self) -> tuple[str, str, str]:
        paper = self.rng.choice(self.state["papers"])
        marker = self.marker()
        return f"{paper['title'][:150]} {marker}", paper["abstract"], "，".join(paper["keywords"][:4])

    def do_post_form(self) -> None:
        started = time.perf_counter()
        error = None
        try:
            token = self.poster.form("/results/new")
        except (OSError, http.client.HTTPException, HttpError) as exc:
            error = str(exc)
        self.stats.add("new result form (GET)", (time.perf_counter() - started) * 1000.0, error)
        if error:
            return
        title, abstract, keywords = self._result_text()
        fields = [
            ("csrf_token", token),
            ("title", title),
            ("abstract", abstract),
            ("keywords", keywords),
            ("technology_field", self.rng.choice(FIELDS)),
            ("maturity", str(self.rng.randint(3, 9))),
            ("price", str(self.rng.choice(("", "50", "120")))),
            ("price_unit", "wan"),
            ("contact_name", "王老师"),
            ("contact_phone", "0311-86688888"),
            ("action", "publish"),
        ]
        result = self.timed(
            "publish result (form POST)",
            self.poster,
            "POST",
            "/results/new",
            expect=(302,),
            body=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if result is not None:
            match = re.search(r"/results/(\d+)$", urlsplit(result[1]).path)
            if match is None:
                self.stats.add("publish result (form POST)", 0.0, f"redirected to {result[1]}")
            else:
                with self.stats.lock:
                    self.stats.created.append(("result", int(match.group(1)), title.rsplit(" ", 1)[-1]))

    def do_post_api(self) -> None:
        kind = self.rng.choice(("result", "patent"))
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        title, abstract, keywords = self._result_text()
        if kind == "result":
            payload = {"title": title, "abstract": abstract, "keywords": keywords.split("，")}
            payload["technology_field"] = self.rng.choice(FIELDS)
        else:
            payload = {"title": title, "abstract": abstract, "legal_status": "valid"}
        segment = f"{kind}s"
        result = self.timed(
            f"create {kind} (API)",
            self.api,
            "POST",
            f"/api/v1/{segment}",
            expect=(201,),
            body=json.dumps(payload, ensure_ascii=False).encode(),
            headers=headers,
        )
        if result is None:
            return
        listing_id = json.loads(result[2])["id"]
        done = self.timed(
            f"publish {kind} (API)",
            self.api,
            "POST",
            f"/api/v1/{segment}/{listing_id}/publish",
            body=b"",
            headers=headers,
        )
        if done is not None:
            with self.stats.lock:
                self.stats.created.append((kind, listing_id, title.rsplit(" ", 1)[-1]))


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered))))
    return ordered[rank - 1]


def report(stats: Stats, seconds: float) -> int:
    header = f"{'endpoint':<28} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}"
    print(header)
    print("-" * len(header))
    everything: list[float] = []
    errors = 0
    for label in sorted(stats.samples):
        values = stats.samples[label]
        everything += values
        bad = len(stats.errors.get(label, []))
        errors += bad
        print(
            f"{label:<28} {len(values):>8,} {len(values) / seconds:>7.1f} {percentile(values, 50):>8.0f} "
            f"{percentile(values, 95):>8.0f} {percentile(values, 99):>8.0f} {bad:>6}"
        )
    print("-" * len(header))
    print(
        f"{'total':<28} {len(everything):>8,} {len(everything) / seconds:>7.1f} "
        f"{percentile(everything, 50):>8.0f} {percentile(everything, 95):>8.0f} "
        f"{percentile(everything, 99):>8.0f} {errors:>6}"
    )
    for label, messages in stats.errors.items():
        for message in sorted(set(messages))[:5]:
            print(f"  error in {label}: {message} (x{messages.count(message)})")
    return errors


# --- after the load -----------------------------------------------------------------------------


def wait_indexed(app, seconds: float, *, matched: bool = False) -> tuple[float, int, int]:
    """Wait until the outbox has no unindexed row (with matched: no row at all).

    Returns (seconds waited, unindexed rows, rows indexed but not yet matched).
    """
    from sqlalchemy import func, select

    from marketplace.extensions import db
    from marketplace.search.models import SearchMatchRefresh, SearchOutbox

    started = time.monotonic()
    with app.app_context():
        while True:
            unindexed = db.session.scalar(
                select(func.count(SearchOutbox.id)).where(SearchOutbox.indexed_at.is_(None))
            )
            # Changed listings whose matches are not stored yet, plus other lists queued for
            # recomputation because a change touched them.
            unmatched = db.session.scalar(select(func.count(SearchOutbox.id))) + db.session.scalar(
                select(func.count()).select_from(SearchMatchRefresh)
            )
            db.session.rollback()
            if (unmatched if matched else unindexed) == 0 or time.monotonic() - started > seconds:
                return time.monotonic() - started, unindexed, unmatched - unindexed
            time.sleep(0.5)


def verify(app, port: int, created: list[tuple[str, int, str]]) -> int:
    """Check every created listing is indexed and found by the search API; compare counts."""
    from sqlalchemy import select
    from whoosh.query import Term

    from marketplace.extensions import db
    from marketplace.listings.models import LISTING_MODELS
    from marketplace.search.index import open_index
    from marketplace.search.schema import doc_id

    problems = 0
    api = Browser(port)
    with app.app_context():
        ix = open_index()
        with ix.searcher() as searcher:
            missing = [(k, i) for k, i, _ in created if searcher.document(doc_id=doc_id(k, i)) is None]
            index_counts = {
                kind: len(searcher.search(Term("kind", kind), limit=None)) for kind in LISTING_MODELS
            }
        db_counts = {}
        for kind, model in LISTING_MODELS.items():
            rows = db.session.scalars(select(model).where(model.status == "published")).all()
            db_counts[kind] = sum(1 for row in rows if row.is_public)
        db.session.remove()
    not_found = []
    for kind, listing_id, marker in created:
        status, _, data = api.request("GET", f"/api/v1/search?q={quote(marker)}")
        items = json.loads(data)["items"] if status == 200 else []
        if not any(item["type"] == kind and item["id"] == listing_id for item in items):
            not_found.append((kind, listing_id, marker, status))
    print(
        f"created during the run: {len(created)}; missing from the index: {len(missing)}; "
        f"not found by the search API: {len(not_found)}"
    )
    for row in (missing + not_found)[:10]:
        print(f"  lost: {row}")
    problems += len(missing) + len(not_found)
    for kind in LISTING_MODELS:
        same = db_counts[kind] == index_counts[kind]
        problems += 0 if same else 1
        print(
            f"{kind:<7} public in the database: {db_counts[kind]:>6,}  in the index: {index_counts[kind]:>6,}"
            f"  {'equal' if same else 'DIFFERENT'}"
        )
    return problems


# --- main ---------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--instance", type=Path, default=Path(tempfile.gettempdir()) / "marketplace-load")
    parser.add_argument("--listings", type=int, default=20_000)
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=8, help="client threads, each a closed loop")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--serial-rounds", type=int, default=6, help="one-at-a-time requests per action")
    parser.add_argument(
        "--match-demands", type=int, default=300, help="demands whose matches are stored first"
    )
    parser.add_argument("--all-matches", action="store_true", help="store every listing's matches (slow)")
    parser.add_argument(
        "--web-drain",
        choices=("all", "index"),
        default="all",
        help="SEARCH_AUTO_DRAIN of the web workers: index and match, or index only (the worker matches)",
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database and index of the last run")
    args = parser.parse_args(argv)

    instance = args.instance.resolve()
    instance.mkdir(parents=True, exist_ok=True)
    state_file = instance / "load-state.json"
    print(f"database: {args.database_url.split('@')[-1]}; instance folder: {instance}")
    if args.reuse and state_file.exists():
        state = json.loads(state_file.read_text())
        if state["url"] != args.database_url:
            raise SystemExit("--reuse: the last run used another database")
        print("reusing the database and index of the last run")
    else:
        state = prepare(args, instance)
    from bench.search_quality import SEED, _user_queries, load_papers, load_patents

    papers, patents = load_papers(), load_patents()
    queries = _user_queries(papers, patents, random.Random(SEED + 1), 500)
    state["papers"] = [{"title": p.title, "abstract": p.abstract, "keywords": p.keywords} for p in papers]
    if len(state["users"]["posters"]) < args.clients:
        raise SystemExit(f"the data has users for {len(state['users']['posters'])} clients; prepare again")

    env = flask_env(args.database_url, instance)
    env["SEARCH_AUTO_DRAIN"] = args.web_drain
    # CPU used by the servers, read once they have exited (gunicorn waits for its workers).
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    logs = instance / "logs"
    logs.mkdir(exist_ok=True)
    gunicorn = start(
        [
            str(BIN / "gunicorn"),
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{args.port}",
            "--timeout",
            "120",
            "wsgi:app",
        ],
        env,
        logs / "gunicorn.log",
    )
    sync = start([str(BIN / "flask"), "search", "sync", "--watch"], env, logs / "search-sync.log")
    app = make_app(args.database_url, instance)
    try:
        wait_ready(args.port)
        stats = Stats()
        tag = time.strftime("%H%M%S")
        workers = [Worker(n, args.port, state, queries, stats, tag) for n in range(args.clients)]
        # Log everyone in first (scrypt hashes are slow on purpose), then start the clock.
        logins = [threading.Thread(target=w.login_all, daemon=True) for w in workers]
        for thread in logins:
            thread.start()
        for thread in logins:
            thread.join()
        for worker in workers:
            if worker.failed:
                raise SystemExit(f"client {worker.n} could not log in: {worker.failed}")
        # Warm up every gunicorn worker (jieba's dictionary, index searchers), uncounted.
        warm = Stats()
        warmers = [threading.Thread(target=w.warm_up, args=(warm,), daemon=True) for w in workers]
        for thread in warmers:
            thread.start()
        for thread in warmers:
            thread.join()
        # Service times without contention from the load itself: one request at a time.
        serial = Stats()
        probe = workers[0]
        probe.stats = serial
        serial_started = time.monotonic()
        for action in MIX:
            for _ in range(args.serial_rounds):
                getattr(probe, f"do_{action}")()
        serial_seconds = time.monotonic() - serial_started
        probe.stats = stats
        print(f"\nserial: one client, {args.serial_rounds} rounds of each action, before the load")
        serial_errors = report(serial, serial_seconds)
        deadline = time.monotonic() + args.duration
        runners = [threading.Thread(target=w.run, args=(deadline,), daemon=True) for w in workers]
        load_before = os.getloadavg()[0]
        client_cpu = time.process_time()
        started = time.monotonic()
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join()
        seconds = time.monotonic() - started
        client_cpu = time.process_time() - client_cpu
        load_after = os.getloadavg()[0]
        print(
            f"\nload: {args.duration:.0f} s, {args.clients} client threads (closed loop, no think time), "
            f"gunicorn {args.workers} sync workers (SEARCH_AUTO_DRAIN={args.web_drain}) "
            "+ `flask search sync --watch`"
        )
        errors = report(stats, seconds)
        waited, unindexed, unmatched = wait_indexed(app, 300)
        print(
            f"\noutbox after the load: indexed in {waited:.1f} s more (unindexed left: {unindexed}); "
            f"match recomputations still queued: {unmatched}"
        )
        errors += serial_errors + sum(len(v) for v in warm.errors.values())
        lost = verify(app, args.port, warm.created + serial.created + stats.created)
        if unmatched:
            waited, _, unmatched = wait_indexed(app, 900, matched=True)
            if unmatched:
                print(
                    f"match queue after the load: {unmatched} row(s) still queued after {waited:.0f} s more"
                )
            else:
                print(f"match queue after the load: worked off in {waited:.0f} s more (site idle)")
    finally:
        stop(gunicorn)
        stop(sync)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = (children.ru_utime + children.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    print(
        f"\nmachine: {os.cpu_count()} CPUs shared with other work; 1-min load average {load_before:.1f} "
        f"at the start, {load_after:.1f} at the end of the load; CPU used by this client during the load: "
        f"{client_cpu:.1f} s; by gunicorn and the sync worker from start to stop: {server_cpu:.0f} s"
    )
    ok = errors == 0 and lost == 0 and unindexed == 0
    print(f"\n{'OK' if ok else 'FAILED'}: {errors} request error(s), {lost} lost index update(s)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

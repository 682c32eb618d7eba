"""Soak and faults: the mixed load of bench/load.py for minutes at a time, while processes die.

    .venv/bin/python bench/soak.py                         # 10 min x 3 runs, PostgreSQL soak_bench
    .venv/bin/python bench/soak.py --minutes 1 --runs 1    # a short try
    .venv/bin/python bench/soak.py --reuse                 # keep the data of the last soak

Production shape: gunicorn (4 workers) and `flask search sync --watch` on 127.0.0.1, 8 client
threads running bench/load.py's mix (searches, listing and match pages, the bureau's dashboard,
statistics, results and patents published through the form and the API). During every run, at
fixed points of its duration, these faults are injected and announced:

1. `kill -9` of the sync worker, started again 3 s later;
2. `kill -9` of a listing import job's process while it runs (the job must end failed with a
   message, marked by the sync worker once its heartbeat stops);
3. `kill -9` of one gunicorn worker (the master starts another);
4. a PostgreSQL restart (`pg_ctlcluster --skip-systemctl-redirect 15 main restart`, after a
   CHECKPOINT); its recovery time counts from the moment PostgreSQL is back.

A probe measures, from each fault, how long until the site answers normally (a search API
request and the statistics page, both reading the database, answer 200). A request failing
inside a fault's window (from the fault until the probe's first success, plus 2 s) is counted
apart; outside the windows every error counts. Anywhere, a response with status 500 or a body
containing "Traceback" is a failure. After each run: the outbox is worked off (its time is the
match queue's drain time), the index is compared with the database exactly (every listing made
during the run is in the index and found by the search API; per kind, the index holds exactly
the public listings), the match queue (outbox and lists queued for recomputation) must empty
within --drain-timeout, every listing made during the run has its stored matches (a listing
without stored matches is recomputed: it must have none), and every e-mail queued during the run
(match notices) is sent and lies in the mail folder. Exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/soak_bench"
PG_RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"]
CHECKPOINT = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", "CHECKPOINT"]
# Where in a run each fault happens (share of the run's duration).
FAULTS = {
    "sync worker kill -9": 0.15,
    "import job kill -9": 0.3,
    "gunicorn worker kill -9": 0.5,
    "PostgreSQL restart": 0.7,
}
RECOVERY_LIMIT = 10.0
WINDOW_GRACE = 2.0


# --- the client, recording when each error happened and checking every body -------------------


class SoakStats(load.Stats):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[float, str, str]] = []  # (monotonic time, label, error)
        self.hard: list[str] = []  # 500s and tracebacks: never allowed

    def add(self, label: str, ms: float, error: str | None = None) -> None:
        super().add(label, ms, error)
        if error:
            with self.lock:
                self.events.append((time.monotonic(), label, error))


class CheckingBrowser(load.Browser):
    """A visitor that records any 500 or traceback it is answered with."""

    stats: SoakStats | None = None

    def request(self, method, path, body=None, headers=None):
        status, location, data = super().request(method, path, body, headers)
        if (status >= 500 and status != 503) or b"Traceback" in data:
            if CheckingBrowser.stats is not None:
                with CheckingBrowser.stats.lock:
                    CheckingBrowser.stats.hard.append(f"HTTP {status} {method} {path}: {data[:120]!r}")
        return status, location, data


load.Browser = CheckingBrowser


# --- processes ------------------------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # the command may hold spaces and parentheses: the parent pid follows the last ')'
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return sorted(found)


def start_sync(env: dict, logs: Path) -> subprocess.Popen:
    return load.start([str(load.BIN / "flask"), "search", "sync", "--watch"], env, logs / "search-sync.log")


def probe_ok(port: int) -> bool:
    for path in ("/api/v1/search?q=%E7%94%B5%E6%B1%A0", "/stats"):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                return False
        except (OSError, http.client.HTTPException):
            return False
    return True


def wait_recovered(port: int, since: float, limit: float = 60.0) -> float | None:
    """Seconds from `since` until the site answers normally, or None after `limit`."""
    while time.monotonic() - since < limit:
        if probe_ok(port):
            return time.monotonic() - since
        time.sleep(0.2)
    return None


# --- the import job killed mid-run ----------------------------------------------------------------

IMPORT_SCRIPT = r"""
import sys, time
sys.path.insert(0, {root!r})
from marketplace import create_app
from marketplace.extensions import db
from marketplace.listings import importer
app = create_app()
real = importer.import_file
def slow(*args, on_progress=None, **kwargs):
    def progress(done):
        if on_progress:
            on_progress(done)
        time.sleep(1.0)  # a large, slow file: still checking rows when the kill comes
    return real(*args, on_progress=progress, **kwargs)
importer.import_file = slow
with app.app_context():
    importer.run_job({job_id})
"""


def start_import_job(app, env: dict, poster_email: str, rows: int = 6000) -> tuple[int, subprocess.Popen]:
    """Queue a CSV import of patents for the poster and run it in its own process."""
    from sqlalchemy import select

    from marketplace.accounts.models import User
    from marketplace.common.uploads import upload_path  # noqa: F401 - UPLOAD_DIR must exist
    from marketplace.extensions import db
    from marketplace.listings.models import ImportJob

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == poster_email))
        folder = Path(app.config["UPLOAD_DIR"]) / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"soak-{int(time.time())}.csv"
        lines = ["title,abstract,legal_status"] + [
            f"一种耐久试验用锂电池极片{n}号,本发明公开了一种锂电池极片的制备方法与检测装置{n}。,valid"
            for n in range(rows)
        ]
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        job = ImportJob(
            kind="patent",
            organisation_id=user.organisation_id,
            created_by_id=user.id,
            filename=name,
            stored_path=f"imports/{name}",
            file_format="csv",
            state="queued",
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    script = IMPORT_SCRIPT.format(root=str(ROOT), job_id=job_id)
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return job_id, proc


def job_state(app, job_id: int) -> tuple[str, list, int]:
    from marketplace.extensions import db
    from marketplace.listings.models import ImportJob

    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        out = (job.state, list(job.errors or []), job.processed_rows)
        db.session.remove()
    return out


# --- checks after a run -----------------------------------------------------------------------------


def check_matches(app, created: list[tuple[str, int, str]], sample: int = 40) -> tuple[int, int, int, int]:
    """Every created listing is queued, or has stored matches, or truly has none (recomputed).

    Returns (still queued, with stored matches, checked without, lost).
    """
    from sqlalchemy import func, select

    from marketplace.extensions import db
    from marketplace.search import matching
    from marketplace.search.index import load_listings, open_searcher, query_analyzer
    from marketplace.search.models import SearchMatch, SearchMatchRefresh, SearchOutbox

    with app.app_context():
        queued = set(db.session.execute(select(SearchOutbox.kind, SearchOutbox.obj_id)).all())
        queued |= set(db.session.execute(select(SearchMatchRefresh.kind, SearchMatchRefresh.obj_id)).all())
        stored = set(
            db.session.execute(
                select(SearchMatch.source_kind, SearchMatch.source_id).group_by(
                    SearchMatch.source_kind, SearchMatch.source_id
                )
            ).all()
        )
        keys = [(k, i) for k, i, _ in created]
        waiting = [k for k in keys if k in queued]
        with_matches = [k for k in keys if k not in queued and k in stored]
        without = [k for k in keys if k not in queued and k not in stored]
        rng = random.Random(7)
        checked = rng.sample(without, min(sample, len(without)))
        lost = 0
        with open_searcher() as searcher:
            analyzer = query_analyzer(searcher)
            for kind, obj_id in checked:
                obj = load_listings(db.session, kind, [obj_id]).get(obj_id)
                if obj is not None and matching.compute(searcher, analyzer, obj):
                    lost += 1
        db.session.scalar(select(func.count(SearchMatch.id)))
        db.session.remove()
    return len(waiting), len(with_matches), len(checked), lost


# --- one run -------------------------------------------------------------------------------------


class MailClient:
    """Asks for a password reset mail every few seconds, so e-mail flows through the faults too."""

    label = "password reset mail (form POST)"

    def __init__(self, port: int, emails: list[str], stats: SoakStats, every: float = 2.0) -> None:
        self.port, self.emails, self.stats, self.every = port, emails, stats, every
        self.requested = 0

    def run(self, deadline: float) -> None:
        n = 0
        while time.monotonic() < deadline:
            began = time.monotonic()
            browser = load.Browser(self.port)
            email = self.emails[n % len(self.emails)]
            n += 1
            try:
                token = browser.form("/account/forgot")
                status, location, _ = browser.post_form(
                    "/account/forgot", [("csrf_token", token), ("email", email)]
                )
                error = None if status == 302 and "/account/login" in location else f"HTTP {status}"
            except (OSError, http.client.HTTPException, load.HttpError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            self.stats.add(self.label, (time.monotonic() - began) * 1000, error)
            if error is None:
                self.requested += 1  # answered: its mail row was committed
            time.sleep(max(0.0, self.every - (time.monotonic() - began)))


def check_mail(app, since, since_epoch: float, limit: float = 120.0) -> dict:
    """Every message queued since `since` (naive UTC; `since_epoch` the same moment) is sent and lies in the mail folder; none lost.

    The site writes mail to files (no MAIL_SERVER), so each sent row must have a file with its
    recipient and subject; a file more (a drain killed after sending, before recording it) is a
    duplicate, allowed; a row sent without a file, or still queued after the drain, is lost.
    """
    from collections import Counter
    from email import message_from_bytes
    from email.header import decode_header, make_header

    from sqlalchemy import select

    from marketplace.common.mail_outbox import OutgoingMail
    from marketplace.extensions import db

    started = time.monotonic()
    with app.app_context():
        while True:
            rows = db.session.execute(
                select(OutgoingMail.to_address, OutgoingMail.subject, OutgoingMail.status).where(
                    OutgoingMail.created_at >= since
                )
            ).all()
            db.session.rollback()
            if all(r.status == "sent" for r in rows) or time.monotonic() - started > limit:
                break
            time.sleep(1)
        folder = Path(app.config["MAIL_DIR"])
        db.session.remove()
    files: Counter = Counter()
    for path in folder.glob("*.eml") if folder.exists() else ():
        if path.stat().st_mtime < since_epoch - 5:
            continue
        message = message_from_bytes(path.read_bytes())
        files[(message["To"], str(make_header(decode_header(message["Subject"]))))] += 1
    sent = Counter((r.to_address, r.subject) for r in rows if r.status == "sent")
    return {
        "queued": len(rows),
        "sent": sum(sent.values()),
        "unsent": sum(1 for r in rows if r.status != "sent"),
        "without_file": sum((sent - files).values()),
        "duplicates": sum((files - sent).values()),
    }


def one_run(number: int, args, state: dict, queries: list[str], env: dict, logs: Path, app) -> dict:
    seconds = args.minutes * 60
    gunicorn = load.start(
        [
            str(load.BIN / "gunicorn"),
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
    sync = {"proc": start_sync(env, logs)}
    stats = SoakStats()
    CheckingBrowser.stats = stats
    faults: list[dict] = []
    try:
        load.wait_ready(args.port)
        tag = f"s{number}{time.strftime('%H%M%S')}"
        workers = [load.Worker(n, args.port, state, queries, stats, tag) for n in range(args.clients)]
        threads = [threading.Thread(target=w.login_all, daemon=True) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for w in workers:
            if w.failed:
                raise SystemExit(f"client {w.n} could not log in: {w.failed}")
        started = time.monotonic()
        started_utc, started_epoch = datetime.now(UTC).replace(tzinfo=None), time.time()
        deadline = started + seconds
        runners = [threading.Thread(target=w.run, args=(deadline,), daemon=True) for w in workers]
        mailer = MailClient(args.port, state["users"]["posters"], stats)
        runners.append(threading.Thread(target=mailer.run, args=(deadline,), daemon=True))
        for t in runners:
            t.start()
        print(
            f"\nrun {number}: {args.minutes:g} min, {args.clients} clients, faults at "
            + ", ".join(f"{name} {share * seconds:.0f} s" for name, share in FAULTS.items()),
            flush=True,
        )
        import_job = None
        for name, share in sorted(FAULTS.items(), key=lambda kv: kv[1]):
            if name == "PostgreSQL restart" and args.no_pg_restart:
                continue
            when = started + share * seconds
            if name == "import job kill -9":
                # Start the job early enough that it is running when it is killed.
                time.sleep(max(0.0, when - 15 - time.monotonic()))
                job_id, proc = start_import_job(app, env, state["users"]["posters"][0])
                # Kill it once it runs, however late its process starts on a busy machine.
                while time.monotonic() < when + 60 and job_state(app, job_id)[0] == "queued":
                    time.sleep(0.2)
            time.sleep(max(0.0, when - time.monotonic()))
            at = time.monotonic()
            fault = {"name": name, "at": at - started}
            if name == "sync worker kill -9":
                os.killpg(sync["proc"].pid, signal.SIGKILL)
                sync["proc"].wait()
                time.sleep(3)
                sync["proc"] = start_sync(env, logs)
            elif name == "import job kill -9":
                fault["job_state_at_kill"] = job_state(app, job_id)[0]
                fault["rows_checked_at_kill"] = job_state(app, job_id)[2]
                proc.kill()
                proc.wait()
                import_job = (job_id, at)
            elif name == "gunicorn worker kill -9":
                victims = children_of(gunicorn.pid)
                fault["pid"] = victims[0] if victims else None
                if victims:
                    os.kill(victims[0], signal.SIGKILL)
            elif name == "PostgreSQL restart":
                # As an operator would: a checkpoint first, so the shutdown checkpoint is short
                # (this machine's cluster holds other databases; a full one took 12 s to sync).
                subprocess.run(CHECKPOINT, capture_output=True, timeout=120)
                at = time.monotonic()
                fault["at"] = at - started
                out = subprocess.run(PG_RESTART, capture_output=True, text=True, timeout=120)
                fault["restart"] = (
                    "ok" if out.returncode == 0 else f"rc {out.returncode}: {out.stderr.strip()}"
                )
                fault["postgres_down_s"] = round(time.monotonic() - at, 1)
                # The site cannot answer while PostgreSQL is down: recovery counts from its return.
                at = time.monotonic()
            fault["recovery"] = wait_recovered(args.port, at)
            fault["window"] = (started + fault["at"], time.monotonic() + WINDOW_GRACE)
            faults.append(fault)
            print(
                f"  fault {name} at {fault['at']:.0f} s: site normal again after {fault['recovery']:.1f} s"
                if fault["recovery"] is not None
                else f"  fault {name}: NOT RECOVERED",
                flush=True,
            )
        for t in runners:
            t.join()
        elapsed = time.monotonic() - started
        print(f"\nrun {number}: load report ({elapsed:.0f} s)")
        load.report(stats, elapsed)
        # The killed import: marked failed by the sync worker once its heartbeat is stale.
        import_result = None
        if import_job is not None:
            job_id, killed_at = import_job
            limit = 150
            while time.monotonic() - killed_at < limit:
                job = job_state(app, job_id)
                if job[0] not in ("queued", "running"):
                    break
                time.sleep(2)
            job = job_state(app, job_id)
            import_result = {
                "state": job[0],
                "message": job[1][0]["message"] if job[1] else "",
                "after": time.monotonic() - killed_at,
            }
        drain_started = time.monotonic()
        waited, unindexed, _ = load.wait_indexed(app, 300)
        lost_index = load.verify(app, args.port, stats.created)
        waited_all, _, unmatched = load.wait_indexed(app, args.drain_timeout, matched=True)
        drain = time.monotonic() - drain_started
        queued, with_matches, checked, lost_matches = check_matches(app, stats.created)
        mail = check_mail(app, started_utc, started_epoch)
    finally:
        load.stop(gunicorn)
        load.stop(sync["proc"])
        CheckingBrowser.stats = None
    in_window = []
    outside = []
    for when, label, error in stats.events:
        if any(f["window"][0] - 0.5 <= when <= f["window"][1] for f in faults):
            in_window.append((label, error))
        else:
            outside.append((label, error))
    return {
        "stats": stats,
        "seconds": elapsed,
        "faults": faults,
        "in_window": in_window,
        "outside": outside,
        "hard": stats.hard,
        "import": import_result,
        "unindexed": unindexed,
        "lost_index": lost_index,
        "drain": drain,
        "unmatched": unmatched,
        "queued": queued,
        "with_matches": with_matches,
        "checked": checked,
        "lost_matches": lost_matches,
        "mail": {**mail, "requested": mailer.requested},
        "created": len(stats.created),
    }


def summarise(number: int, result: dict) -> bool:
    stats = result["stats"]
    print(f"\nrun {number} summary")
    print(f"  requests: {sum(len(v) for v in stats.samples.values()):,} in {result['seconds']:.0f} s")
    print(f"  errors outside the fault windows: {len(result['outside'])}")
    for label, error in result["outside"][:10]:
        print(f"    {label}: {error}")
    print(
        f"  errors inside the announced fault windows (503 or dropped connection): {len(result['in_window'])}"
    )
    for label, error in sorted(set(result["in_window"]))[:8]:
        print(f"    {label}: {error} (x{result['in_window'].count((label, error))})")
    print(f"  responses with HTTP 500 or a traceback: {len(result['hard'])}")
    for line in result["hard"][:5]:
        print(f"    {line}")
    for fault in result["faults"]:
        rec = fault["recovery"]
        extra = {k: v for k, v in fault.items() if k not in ("name", "at", "recovery", "window")}
        print(
            f"  fault {fault['name']:<24} at {fault['at']:>5.0f} s  recovered in "
            f"{f'{rec:.1f} s' if rec is not None else 'NEVER'} {extra if extra else ''}"
        )
    imp = result["import"]
    if imp:
        print(f"  killed import job: {imp['state']} after {imp['after']:.0f} s: {imp['message']}")
    print(
        f"  listings created: {result['created']}; lost index updates: {result['lost_index']} "
        f"(unindexed left {result['unindexed']})"
    )
    print(f"  match queue drain after the load: {result['drain']:.0f} s, still queued {result['unmatched']}")
    print(
        f"  created listings: still queued {result['queued']}, with stored matches {result['with_matches']}, "
        f"without (recomputed {result['checked']}): lost stored matches {result['lost_matches']}"
    )
    mail = result["mail"]
    print(
        f"  e-mail asked for (answered requests): {mail['requested']}; queued {mail['queued']}; sent {mail['sent']}; lost "
        f"{mail['unsent'] + mail['without_file']} (unsent {mail['unsent']}, sent without a file "
        f"{mail['without_file']}); duplicates {mail['duplicates']}"
    )
    p95 = {label: load.percentile(v, 95) for label, v in stats.samples.items()}
    ok = (
        not result["outside"]
        and not result["hard"]
        and result["lost_index"] == 0
        and result["unindexed"] == 0
        and result["lost_matches"] == 0
        and result["unmatched"] == 0
        and mail["unsent"] == 0
        and mail["queued"] >= mail["requested"]
        and mail["without_file"] == 0
        and all(f["recovery"] is not None and f["recovery"] <= RECOVERY_LIMIT for f in result["faults"])
        and (imp is None or (imp["state"] == "failed" and imp["message"]))
        and p95.get("dashboard (bureau)", 0) <= 500
    )
    print(f"  dashboard p95: {p95.get('dashboard (bureau)', 0):.0f} ms (target <= 500)")
    print(f"  run {number}: {'OK' if ok else 'FAILED'}")
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("SOAK_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--instance", type=Path, default=Path(tempfile.gettempdir()) / "marketplace-soak")
    parser.add_argument("--listings", type=int, default=20_000)
    parser.add_argument("--contracts", type=int, default=5_000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--match-demands", type=int, default=300)
    parser.add_argument(
        "--drain-timeout", type=float, default=900.0, help="seconds to wait for the match queue"
    )
    parser.add_argument("--no-pg-restart", action="store_true", help="skip the PostgreSQL restart")
    parser.add_argument("--reuse", action="store_true", help="keep the database and index of the last soak")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql") or "@127.0.0.1" not in args.database_url:
        raise SystemExit("the soak runs on a PostgreSQL database on 127.0.0.1")
    instance = args.instance.resolve()
    instance.mkdir(parents=True, exist_ok=True)
    state_file = instance / "load-state.json"
    print(f"database: {args.database_url.split('@')[-1]}; instance folder: {instance}")
    if args.reuse and state_file.exists():
        state = json.loads(state_file.read_text())
        print("reusing the database and index of the last soak")
    else:
        prep = SimpleNamespace(
            database_url=args.database_url,
            listings=args.listings,
            contracts=args.contracts,
            clients=args.clients,
            match_demands=args.match_demands,
            all_matches=False,
        )
        state = load.prepare(prep, instance)
    from bench.search_quality import SEED, _user_queries, load_papers, load_patents

    papers, patents = load_papers(), load_patents()
    queries = _user_queries(papers, patents, random.Random(SEED + 1), 500)
    state["papers"] = [{"title": p.title, "abstract": p.abstract, "keywords": p.keywords} for p in papers]
    env = load.flask_env(args.database_url, instance)
    # The mail client asks for a reset mail every 2 s for a handful of accounts: above the
    # production daily limit per account, which would otherwise answer it without mailing.
    env["PASSWORD_RESET_DAILY_LIMIT"] = "100000"
    logs = instance / "logs"
    logs.mkdir(exist_ok=True)
    app = load.make_app(args.database_url, instance)
    results = []
    for number in range(1, args.runs + 1):
        results.append(one_run(number, args, state, queries, env, logs, app))
    oks = [summarise(n, r) for n, r in enumerate(results, 1)]
    print("\nall runs")
    header = f"{'endpoint':<28}" + "".join(
        f" {'run ' + str(n) + ' p95':>11}" for n in range(1, len(results) + 1)
    )
    print(header)
    labels = sorted({label for r in results for label in r["stats"].samples})
    for label in labels:
        cells = "".join(
            f" {load.percentile(r['stats'].samples[label], 95):>8.0f} ms"
            if label in r["stats"].samples
            else f" {'-':>11}"
            for r in results
        )
        print(f"{label:<28}{cells}")
    print(f"\n{'OK' if all(oks) else 'FAILED'}: {sum(oks)} of {len(oks)} run(s) passed")
    return 0 if all(oks) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Two real hosts on one machine, one PostgreSQL database: each keeps its own index from the log.

Host A and host B are each a `flask run` web server and a `flask search sync --watch` worker,
with their own instance and index folders and SEARCH_HOST_NAME. Listings are written by this
test as a process of host A (its drain left to A's worker). The waits are bounded at 30 s;
how long they took is printed as a benchmark figure, not asserted.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from marketplace.extensions import db
from marketplace.listings.models import ResearchResult
from tests.search.factories import make_result

pytestmark = [
    pytest.mark.committing,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"), reason="needs PostgreSQL"
    ),
]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BOUND = 30.0
TOPICS = [
    "盐碱地改良",
    "秸秆还田",
    "锂离子电池",
    "光伏组件",
    "污水处理",
    "智能温室",
    "中药提取",
    "钢铁冶炼",
    "无人机植保",
    "生物质燃料",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Host:
    """One web host: a server and a worker against the shared database, with its own index."""

    def __init__(self, name: str, folder: Path, url: str, key: str) -> None:
        self.name, self.port = name, _free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.env = dict(os.environ)
        self.env.update(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": key,
                "INSTANCE_DIR": str(folder),
                "SEARCH_INDEX_DIR": str(folder / "search-index"),
                "SEARCH_HOST_NAME": name,
                "FLASK_APP": "wsgi.py",
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.procs: list[subprocess.Popen] = []

    def start(self) -> None:
        with (self.folder / "host.log").open("ab") as log:
            self._spawn(log)
        _until(lambda: self.get("/healthz", ok_only=False) is not None, f"host {self.name} up")

    def _spawn(self, log) -> None:
        for cmd in (
            ["flask", "run", "--no-reload", "--port", str(self.port)],
            ["flask", "search", "sync", "--watch", "--interval", "0.5"],
        ):
            self.procs.append(
                subprocess.Popen(
                    [str(BIN / cmd[0]), *cmd[1:]],
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def kill(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        self.procs = []

    def get(self, path: str, *, ok_only: bool = True):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            return None if ok_only else json.loads(error.read())
        except OSError:
            return None

    def found(self, query: str) -> list[tuple[str, int]] | None:
        """Every listing a query finds, over all pages (the order of equal scores may differ)."""
        items, page = [], 1
        while True:
            args = urllib.parse.urlencode({"q": query, "per_page": 50, "page": page})
            body = self.get("/api/v1/search?" + args)
            if body is None:
                return None
            items += [(i["type"], i["id"]) for i in body["items"]]
            if page * 50 >= body["total"]:
                return sorted(items)
            page += 1

    def caught_up(self) -> bool:
        body = self.get("/healthz")
        return body is not None and body["index"]["entries"] == 0


def _until(check, what: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < BOUND:
        if check():
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"not within {BOUND:g} s: {what}")


def test_two_hosts_follow_one_database_and_survive_a_kill(app, app_factory, tmp_path):
    url = os.environ["TEST_DATABASE_URL"]
    key = secrets.token_hex(32)
    host_a = Host("host-a", tmp_path / "a", url, key)
    host_b = Host("host-b", tmp_path / "b", url, key)
    # This test's own writes are a process of host A; A's worker indexes them.
    writer = app_factory(SEARCH_AUTO_DRAIN=False, SEARCH_HOST_NAME="host-a")
    figures = {}
    try:
        host_a.start()
        host_b.start()
        with writer.app_context():
            first = make_result(title="盐碱地改良微生物菌剂")
            figures["posted on A, searchable on B (s)"] = _until(
                lambda: ("result", first.id) in (host_b.found("盐碱地改良") or []), "first listing on B"
            )

            host_b.kill()
            down = time.monotonic()
            made = []
            for n in range(100):
                made.append(make_result(title=f"{TOPICS[n % 10]}技术成果{n}").id)
                time.sleep(0.1)
            for n, result_id in enumerate(made[::2]):
                listing = db.session.get(ResearchResult, result_id)
                listing.title = f"{TOPICS[(n + 3) % 10]}改进成果{n}"
                db.session.commit()
            time.sleep(max(0.0, 30 - (time.monotonic() - down)))
            host_b.start()
            figures["B restarted, caught up (s)"] = _until(
                lambda: host_b.caught_up() and host_a.caught_up(), "both hosts caught up"
            )

            texts = {
                i: title + abstract
                for i, title, abstract in db.session.execute(
                    db.select(ResearchResult.id, ResearchResult.title, ResearchResult.abstract)
                )
            }
            queries = TOPICS + [f"{t}技术" for t in TOPICS] + [f"{t}改进" for t in TOPICS]
            queries += [f"{a} {b}" for a, b in zip(TOPICS, TOPICS[1:] + TOPICS[:1], strict=True)]
            queries += [f"{t}成果" for t in TOPICS]
            assert len(queries) == 50
            for query in queries:
                assert host_a.found(query) == host_b.found(query), query
            for topic in TOPICS:  # nothing lost: each topic finds exactly the listings that mention it
                # (A search finds more: 生物质燃料 also finds 微生物, as the analyser splits words.)
                mentioning = {("result", i) for i, text in texts.items() if topic in text}
                assert mentioning <= set(host_b.found(topic)), topic

            gone = db.session.get(ResearchResult, made[1])
            gone.status = "withdrawn"
            db.session.commit()
            figures["withdrawn, gone from both (s)"] = _until(
                lambda: all(
                    ("result", made[1]) not in (host.found(TOPICS[1]) or [("result", made[1])])
                    for host in (host_a, host_b)
                ),
                "withdrawn listing gone",
            )
    finally:
        host_a.kill()
        host_b.kill()
    print("two hosts:", ", ".join(f"{k} {v:.1f}" for k, v in figures.items()))

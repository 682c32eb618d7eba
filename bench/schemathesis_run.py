"""Check that /api/v1/openapi.json tells the truth: schemathesis against the app, per role.

Seeds a throwaway database with the demo data, creates an API token for the bureau and one for an
enterprise, serves the app on a local port and runs the schemathesis CLI once per token with a
bounded number of examples and a fixed seed. It prints the failures schemathesis found and exits
non-zero if there is any, so `.ci/run` fails when the document and the API part ways.

    .venv/bin/python bench/schemathesis_run.py [--max-examples 20] [--seed 14]

TEST_DATABASE_URL (a PostgreSQL URL) is used when set; otherwise a SQLite file in a temporary
folder.
"""

import argparse
import logging
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import TestConfig  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.accounts.models import User  # noqa: E402
from marketplace.accounts.services import create_api_token  # noqa: E402
from marketplace.common.roles import Role  # noqa: E402
from marketplace.extensions import db  # noqa: E402

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def seeded_app(instance: Path):
    """An app on a fresh database with the demo data and one token per role checked."""
    from sqlalchemy import text

    from marketplace.demo.seed import seed_demo

    config = TestConfig(instance)
    # Index changes at once but leave the slow match stage to the worker (as production can), so
    # each of the thousands of generated requests answers in milliseconds, not seconds.
    config.SEARCH_AUTO_DRAIN = "index"
    app = create_app(config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        db.create_all()
        seed_demo(progress=lambda _message: None)
        db.session.commit()
        tokens = {}
        for role, email in ((Role.BUREAU, "bureau@demo.sjz.cn"), (Role.ENTERPRISE, "enterprise@demo.sjz.cn")):
            user = db.session.scalar(db.select(User).where(User.email == email))
            tokens[role] = create_api_token(user, "schemathesis")
        db.session.commit()
    return app, tokens


def run_schemathesis(url: str, token: str, *, max_examples: int, seed: int, report: Path) -> int:
    """Run the CLI once; return the number of distinct failures it reported."""
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(Path(__file__).with_name("schemathesis.toml")),
        "run",
        url,
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--phases",
        "examples,coverage,fuzzing",
        "--request-timeout",
        "60",
        "--generation-database",
        "none",
        "--no-color",
        "--output-truncate",
        "true",
    ]
    # Run in the report folder: schemathesis keeps a cache of crashes in its working directory.
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=report.parent)
    report.write_text(done.stdout + done.stderr, encoding="utf-8")
    found = re.search(r"(\d+) failures?", done.stdout.rsplit("SUMMARY", 1)[-1])
    failures = int(found.group(1)) if found else 0
    if done.returncode != 0 and failures == 0:
        failures = 1  # an error of the run itself (e.g. the document did not load) counts too
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--report-dir", default="", help="where to keep the CLI output (default: a temp dir)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        app, tokens = seeded_app(Path(tmp) / "instance")
        server = make_server("127.0.0.1", 0, app, threaded=False)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/api/v1/openapi.json"
        reports = Path(args.report_dir or tmp)
        reports.mkdir(parents=True, exist_ok=True)
        total = 0
        for role, token in tokens.items():
            report = reports / f"schemathesis-{role}.txt"
            failures = run_schemathesis(
                url, token, max_examples=args.max_examples, seed=args.seed, report=report
            )
            print(f"schemathesis, {role} token: {failures} failures")
            if failures:
                print(report.read_text(encoding="utf-8")[-6000:])
            total += failures
        server.shutdown()
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())

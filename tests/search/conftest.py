"""Fixtures for search tests: a small corpus of real paper abstracts as published results."""

import json
from pathlib import Path

import pytest

from marketplace.extensions import db
from tests.factories import make_org
from tests.search.factories import make_result

PAPERS = Path(__file__).resolve().parents[2] / "bench" / "data" / "csl_dev.jsonl"


def real_papers(n: int) -> list[dict]:
    rows = []
    with PAPERS.open(encoding="utf-8") as fh:
        for line in fh:
            rows.append(json.loads(line))
            if len(rows) >= n:
                break
    return rows


@pytest.fixture
def corpus(app_ctx):
    """25 published results from real abstracts, so term rarity means something."""
    return make_corpus()


def make_corpus():
    """Publish 25 results from real abstracts (in an app context); returns their organisation."""
    org = make_org("university", name="河北示例大学")
    for paper in real_papers(25):
        make_result(
            org, title=paper["title"], abstract=paper["abstract"], keywords=paper["keywords"], commit=False
        )
    db.session.commit()
    return org

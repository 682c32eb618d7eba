"""Hostile and malformed search input on a shared corpus: every answer is a page or a JSON list.

These tests only read, so the module builds the corpus once (its indexing and matching were
nearly all of each test's time) and runs each test in a savepoint rolled back after it.
"""

import pytest

from tests.conftest import module_app, undone_after_each_test
from tests.search.conftest import make_corpus


@pytest.fixture(scope="module")
def app(tmp_path_factory, run_databases):
    """One app for the module, inside one transaction rolled back at its end (see tests/conftest.py)."""
    yield from module_app(tmp_path_factory, run_databases, "search-input")


@pytest.fixture(scope="module")
def corpus(app):
    with app.app_context():
        return make_corpus()


@pytest.fixture(autouse=True)
def each_test_undone(app, corpus):
    """Each test runs inside a savepoint of the module's transaction, rolled back after it."""
    yield from undone_after_each_test(app)


HOSTILE = [
    "",
    "   ",
    "AND OR NOT",
    'title:"锂电池',
    "(((",
    "*",
    "?~^",
    "[a TO z]",
    "\\",
    "{}<>",
    "<script>alert(1)</script>",
    "锂电池" * 1667,
    "🔋⚡️🧪 电池",
    "\u0000\u200b",
    "ＡＢＣ１２３",
    "a" * 6000,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_any_text_is_a_valid_query(client, corpus, query):
    page = client.get("/search/", query_string={"q": query})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.get_data(as_text=True)
    api = client.get("/api/v1/search", query_string={"q": query})
    assert api.status_code == 200 and isinstance(api.json["items"], list)


@pytest.mark.parametrize(
    "args",
    [
        {"page": "-1"},
        {"page": "abc"},
        {"page": "99999999999999999999"},
        {"per_page": "100000"},
        {"price_min": "abc", "price_max": "1e400"},
        {"price_min": "500", "price_max": "1"},
        {"type": "users", "sort": "drop table", "maturity": "99", "ipc": "Z", "region": "x"},
    ],
)
def test_malformed_parameters_are_ignored(client, corpus, args):
    assert client.get("/search/", query_string={"q": "电池", **args}).status_code == 200
    assert client.get("/api/v1/search", query_string={"q": "电池", **args}).status_code == 200

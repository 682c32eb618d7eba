"""Measure search quality and speed: PLAIN (jieba + BM25, OR of all tokens) against OURS.

Uses the sample data copied to bench/data/ (see bench/data/SOURCES.md). Run from the repository
root:

    .venv/bin/python bench/search_quality.py           # full run, 20,000 listings for speed
    .venv/bin/python bench/search_quality.py --quick   # subsets and 5,000 listings

Quality measures never put a paper's discipline or a patent's IPC codes into a query.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "bench" / "data"
TOP_K = 10
SEED = 20240601


@dataclass
class Paper:
    """One CSL paper."""

    title: str
    abstract: str
    keywords: list[str]
    discipline: str


@dataclass
class Patent:
    """One patent record (title and IPC subclasses only)."""

    number: str
    title: str
    subclasses: frozenset[str]


@dataclass
class System:
    """A way to analyse, index and query: PLAIN or OURS."""

    name: str
    analyzer: object
    schema_fn: Callable[[], object]
    doc_fn: Callable[..., dict]
    match_fn: Callable[..., object]
    search_fn: Callable[[object, str], object]
    notes: list[str] = field(default_factory=list)


def load_papers(path: Path = DATA_DIR / "csl_dev.jsonl") -> list[Paper]:
    """Read the CSL papers."""
    papers = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                papers.append(Paper(row["title"], row["abstract"], row["keywords"], row["discipline"]))
    return papers


def load_patents(path: Path = DATA_DIR / "patents_dev.csv") -> list[Patent]:
    """Read the patent titles and IPC subclasses."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Patent(
                row["publication_number"],
                row["title"],
                frozenset(s for s in row["ipc_subclasses"].split("|") if s),
            )
            for row in csv.DictReader(fh)
        ]


# --- the two systems ---------------------------------------------------------------------------


def plain_system() -> System:
    """Jieba search mode without user dictionary or stop words, one field, OR of every token."""
    from whoosh.analysis import LowercaseFilter
    from whoosh.fields import ID, KEYWORD, TEXT, Schema
    from whoosh.query import Or, Term

    from marketplace.search.analysis import JiebaTokenizer

    analyzer = JiebaTokenizer() | LowercaseFilter()

    def schema_fn():
        return Schema(
            doc_id=ID(stored=True, unique=True),
            text=TEXT(analyzer=analyzer, stored=True),
            ipc=KEYWORD(stored=True),
        )

    def doc_fn(kind, obj_id, *, title, body_parts=(), keywords=(), ipc_codes=(), **_):
        parts = [title, *[p for p in body_parts if p], " ".join(keywords)]
        doc = {"doc_id": f"{kind}:{obj_id}", "text": "\n".join(p for p in parts if p)}
        if ipc_codes:
            doc["ipc"] = " ".join(ipc_codes)
        return doc

    def or_of_tokens(text):
        terms = list(dict.fromkeys(t.text for t in analyzer(text, mode="query")))
        return Or([Term("text", t) for t in terms]) if terms else None

    def match_fn(searcher, *, title="", body="", keywords=()):
        return or_of_tokens(" ".join([title, body, " ".join(keywords)]))

    def search_fn(searcher, text):
        return or_of_tokens(text)

    return System("PLAIN", analyzer, schema_fn, doc_fn, match_fn, search_fn)


def ours_system() -> System:
    """Our analyzer (user dictionary, stop words), listing schema and ranking."""
    from marketplace.search.analysis import load_terms, make_analyzer
    from marketplace.search.ranking import build_match_query, user_clauses, user_query_terms
    from marketplace.search.schema import build_document, make_schema

    analyzer = make_analyzer(load_terms())

    def match_fn(searcher, *, title="", body="", keywords=(), in_index=False, inferred=None):
        # A MatchQuery, ranked by the engine as matching.compute() ranks it; `inferred` is the
        # demand's predicted field and IPC subclasses, as matching.match_query attaches them.
        mq = build_match_query(
            searcher, analyzer, title=title, body=body, keywords=keywords, in_index=in_index
        )
        return replace(mq, inferred=inferred) if inferred is not None else mq

    def search_fn(searcher, text):
        # Scoring clauses, ranked by the engine as services.search() ranks them.
        terms = user_query_terms(text, analyzer)
        return user_clauses(terms) if terms else None

    return System(
        "OURS",
        analyzer,
        lambda: make_schema(analyzer),
        build_document,
        match_fn,
        search_fn,
    )


# --- indexing ----------------------------------------------------------------------------------


def build_index(system: System, docs: Iterable[dict], dirname: Path | None = None):
    """Index documents (already built with system.doc_fn) in RAM or in a directory."""
    from whoosh.filedb.filestore import FileStorage, RamStorage

    storage = FileStorage(str(dirname)) if dirname else RamStorage()
    if dirname:
        dirname.mkdir(parents=True, exist_ok=True)
    ix = storage.create_index(system.schema_fn())
    writer = ix.writer(limitmb=256)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    return ix


def paper_docs(system: System, papers: Sequence[Paper], abstracts_only: bool = False, preds=None):
    """Yield index documents for papers (as research results), with their predictions if given."""
    for i, p in enumerate(papers):
        if abstracts_only:
            yield system.doc_fn("result", i, title="", body_parts=[p.abstract])
        else:
            yield system.doc_fn(
                "result",
                i,
                title=p.title,
                body_parts=[p.abstract],
                keywords=p.keywords,
                **_inferred(preds, i),
            )


def patent_docs(system: System, patents: Sequence[Patent], preds=None):
    """Yield index documents for patents; IPC is indexed but never queried."""
    for i, p in enumerate(patents):
        yield system.doc_fn("patent", i, title=p.title, ipc_codes=sorted(p.subclasses), **_inferred(preds, i))


def _inferred(preds, i: int) -> dict:
    """The stored prediction of item i's document (OURS with a model only)."""
    if preds is None:
        return {}
    from marketplace.search.inference import encode

    return {"inferred": encode(preds.documents[i])}


@dataclass
class Predictions:
    """Each item's predicted field and IPC subclasses, from a model that never saw the item."""

    documents: list  # of the item as a listing (title, keywords, text)
    queries: list  # of the item's query text (an abstract, a patent title)


def crossfit_predictions(
    papers: Sequence[Paper], patents: Sequence[Patent], folds: int = 10
) -> dict[str, Predictions]:
    """Train the field / IPC model `folds` times, each time without one fold of the papers and
    patents (item i is in fold i % folds), and predict every item with the model trained
    without its fold (cross-fitting).

    So no figure of this script reads a prediction of an item made by a model trained on it,
    the calibration (fitted on even-numbered queries) included; as on the platform, a new
    demand is predicted by a model trained on listings it may be matched with. Papers train the
    field through the documented discipline -> 技术领域 table
    (marketplace/demo/data/discipline_fields.json), and the discipline itself.
    """
    from marketplace.search.classifier import Example, train
    from marketplace.search.inference import listing_text
    from marketplace.search.training import discipline_fields

    fields = discipline_fields()
    paper_texts = [listing_text(p.title, p.keywords, p.abstract) for p in papers]
    paper_rows = [
        Example(t, fields.get(p.discipline, ""), subject=p.discipline)
        for t, p in zip(paper_texts, papers, strict=True)
    ]
    patent_rows = [Example(p.title, None, tuple(sorted(p.subclasses))) for p in patents]
    models = {
        fold: train(
            [r for i, r in enumerate(paper_rows) if i % folds != fold]
            + [r for i, r in enumerate(patent_rows) if i % folds != fold]
        )
        for fold in range(folds)
    }

    def other(i: int):
        return models[i % folds]

    return {
        "result": Predictions(
            [other(i).predict(t) for i, t in enumerate(paper_texts)],
            [other(i).predict(p.abstract) for i, p in enumerate(papers)],
        ),
        "patent": Predictions(
            [other(i).predict(p.title) for i, p in enumerate(patents)],
            [other(i).predict(p.title) for i, p in enumerate(patents)],
        ),
    }


def _obj_id(hit) -> int:
    return int(hit["doc_id"].split(":", 1)[1])


def top_docnums(searcher, query, limit: int, exclude: frozenset[int] = frozenset()) -> list[int]:
    """Return the docnums of the top hits: a Whoosh query (PLAIN) or OURS run by the engine.

    `exclude` (OURS matching only) leaves documents out of the ranking and of its feedback.
    """
    from marketplace.search import engine
    from marketplace.search.ranking import MatchQuery, rank_matches, scored_matches

    if query is None:
        return []
    if isinstance(query, MatchQuery):
        # Ordered by the calibrated score, as matching.compute() stores them.
        hits = rank_matches(searcher, query, max(limit, 30), without=(exclude,))
        kind = searcher.stored_fields(hits[0].docnum)["kind"] if hits else "result"
        return [h.docnum for h, _ in scored_matches(query, hits, lambda h: kind)][:limit]
    if isinstance(query, list):
        return engine.top(engine.score(searcher, query)[0], limit)
    return [h.docnum for h in searcher.search(query, limit=limit)]


def top_ids(searcher, query, limit: int, exclude: frozenset[int] = frozenset()) -> list[int]:
    """Return the object ids of the top hits of a query."""
    return [_obj_id(searcher.stored_fields(d)) for d in top_docnums(searcher, query, limit, exclude)]


# --- quality -----------------------------------------------------------------------------------


def precision_same_label(
    system, ix, items, labels_match, query_kwargs, sample, kind: str, preds: Predictions | None = None
) -> float:
    """Mean share of the top 10 (the item itself excluded) that shares the item's label."""
    total = 0.0
    with ix.searcher() as searcher:
        for i in sample:
            # A real demand is not in the index: the item itself never ranks nor lends feedback,
            # and OURS does not count it in its terms' document frequencies.
            own = searcher.document_number(doc_id=f"{kind}:{i}")
            exclude = frozenset() if own is None else frozenset({own})
            extra = {"in_index": True} if system.name == "OURS" else {}
            if extra and preds is not None:
                extra["inferred"] = preds.queries[i]
            query = system.match_fn(searcher, **query_kwargs(items[i]), **extra)
            ids = [j for j in top_ids(searcher, query, TOP_K + 1, exclude) if j != i][:TOP_K]
            total += sum(1 for j in ids if labels_match(items[i], items[j])) / TOP_K
    return total / len(sample)


def known_item_mrr(system, ix, texts: Sequence[str], sample) -> float:
    """Mean reciprocal rank (cut at 10) of item i for the query texts[i]."""
    total = 0.0
    with ix.searcher() as searcher:
        for i in sample:
            ids = top_ids(searcher, system.search_fn(searcher, texts[i]), TOP_K)
            if i in ids:
                total += 1.0 / (ids.index(i) + 1)
    return total / len(sample)


def quality(system: System, papers, patents, quick: bool, preds=None) -> dict[str, float]:
    """Compute the four quality figures for a system (OURS with the model's predictions if given)."""
    preds = preds if system.name == "OURS" else None
    rng = random.Random(SEED)
    paper_sample = sorted(rng.sample(range(len(papers)), 300)) if quick else range(len(papers))
    patent_sample = sorted(rng.sample(range(len(patents)), 1000)) if quick else range(len(patents))
    out = {}
    ix = build_index(system, paper_docs(system, papers, preds=preds and preds["result"]))
    out["discipline_p10"] = precision_same_label(
        system,
        ix,
        papers,
        lambda a, b: a.discipline == b.discipline,
        lambda p: {"body": p.abstract},
        paper_sample,
        "result",
        preds and preds["result"],
    )
    out["keywords_mrr"] = known_item_mrr(system, ix, [" ".join(p.keywords) for p in papers], paper_sample)
    ix = build_index(system, paper_docs(system, papers, abstracts_only=True))
    out["title_mrr"] = known_item_mrr(system, ix, [p.title for p in papers], paper_sample)
    ix = build_index(system, patent_docs(system, patents, preds and preds["patent"]))
    out["ipc_p10"] = precision_same_label(
        system,
        ix,
        patents,
        lambda a, b: bool(a.subclasses & b.subclasses),
        lambda p: {"title": p.title},
        patent_sample,
        "patent",
        preds and preds["patent"],
    )
    return out


def match_features_table(system: System, papers, patents, preds=None) -> list[tuple]:
    """(kind, query index, features, same label) of the 30 stored matches of every query: each
    paper's abstract against the papers (as results), each patent title against the patents."""
    from marketplace.search.ranking import match_features, rank_matches

    rows = []
    cases = (
        (
            "result",
            papers,
            paper_docs(system, papers, preds=preds and preds["result"]),
            lambda p: {"body": p.abstract},
            lambda a, b: a.discipline == b.discipline,
        ),
        (
            "patent",
            patents,
            patent_docs(system, patents, preds and preds["patent"]),
            lambda p: {"title": p.title},
            lambda a, b: bool(a.subclasses & b.subclasses),
        ),
    )
    for kind, items, docs, query_kwargs, same in cases:
        ix = build_index(system, docs)
        with ix.searcher() as searcher:
            for i, item in enumerate(items):
                inferred = preds[kind].queries[i] if preds else None
                mq = system.match_fn(searcher, **query_kwargs(item), in_index=True, inferred=inferred)
                own = searcher.document_number(doc_id=f"{kind}:{i}")
                hits = rank_matches(searcher, mq, 30, without=(frozenset({own}),))
                best = max((h.score for h in hits), default=0.0)
                for h in hits:
                    other = items[_obj_id(searcher.stored_fields(h.docnum))]
                    rows.append((kind, i, match_features(mq, h, best), same(item, other)))
    return rows


def fit_calibration(rows, kind: str) -> list[float]:
    """Logistic regression (Newton's method, light L2) on the even-numbered queries of a kind."""
    import numpy as np

    x = np.array([r[2] for r in rows if r[0] == kind and r[1] % 2 == 0])
    y = np.array([float(r[3]) for r in rows if r[0] == kind and r[1] % 2 == 0])
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        gradient = x.T @ (p - y) + 1e-3 * w
        hessian = (x.T * (p * (1 - p))) @ x + 1e-3 * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    return [round(float(v), 4) for v in w]


def cutoff_tables(
    rows, cutoffs=(0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
) -> dict[str, list[list[str]]]:
    """Per kind, on the odd-numbered (held-out) queries: for each cut-off, the matches shown per
    query, their precision (same label) and the share of queries showing at least one; and the
    calibration (score band -> share with the same label)."""
    from marketplace.search.ranking import calibrated

    out = {}
    for kind in ("result", "patent"):
        held = [(r[1], calibrated(kind, r[2]), r[3]) for r in rows if r[0] == kind and r[1] % 2 == 1]
        queries = {q for q, _, _ in held} or {0}
        table = []
        for c in cutoffs:
            shown = [(q, same) for q, p, same in held if p >= c]
            table.append(
                [
                    f"{c:.2f}",
                    f"{len(shown) / len(queries):.2f}",
                    f"{sum(s for _, s in shown) / max(len(shown), 1):.3f}",
                    f"{len({q for q, _ in shown}) / len(queries):.3f}",
                ]
            )
        bands = []
        for lo in range(0, 10):
            band = [same for _, p, same in held if lo / 10 <= p < (lo + 1) / 10]
            if band:
                bands.append([f"{lo * 10}-{lo * 10 + 9}", str(len(band)), f"{sum(band) / len(band):.3f}"])
        out[kind] = (table, bands)
    return out


# --- performance -------------------------------------------------------------------------------

_SENTENCE_RE = re.compile(r"[^。；！？!?;]+[。；！？!?;]?")
DISTRICTS = ("130102", "130104", "130105", "130108", "130109", "130110", "130123", "130181")
FIELDS = ("电子信息", "先进制造", "新材料及其应用", "新能源与高效节能", "生物、医药和医疗器械")


def generated_listings(papers, patents, total: int, rng: random.Random) -> list[dict]:
    """Return `total` listing specs: the real papers and patents, then mixes of real sentences."""
    sentences = [s.strip() for p in papers for s in _SENTENCE_RE.findall(p.abstract) if len(s.strip()) > 8]
    keywords = [k for p in papers for k in p.keywords]
    specs: list[dict] = []
    for p in papers:
        specs.append({"kind": "result", "title": p.title, "body": [p.abstract], "kw": p.keywords})
    for p in patents:
        specs.append({"kind": "patent", "title": p.title, "body": [], "kw": [], "ipc": p.subclasses})
    while len(specs) < total:
        kind = rng.choice(("patent", "result", "demand"))
        title = rng.choice(patents).title if kind != "result" else rng.choice(papers).title
        body = [" ".join(rng.sample(sentences, rng.randint(2, 5)))]
        specs.append({"kind": kind, "title": title, "body": body, "kw": rng.sample(keywords, 3)})
    return specs[:total]


def spec_document(system: System, i: int, spec: dict, rng: random.Random) -> dict:
    """Turn a listing spec into an index document with realistic structured fields."""
    return system.doc_fn(
        spec["kind"],
        i,
        title=spec["title"],
        body_parts=spec["body"],
        keywords=spec["kw"],
        ipc_codes=sorted(spec.get("ipc", ())),
        field=rng.choice(FIELDS),
        org_id=rng.randint(1, 400),
        org_name=f"石家庄示例单位{rng.randint(1, 400)}",
        region=rng.choice(DISTRICTS),
        price_fen=rng.choice((None, 500_000_00, 12_000_000_00)),
        status="published",
        public=True,
        updated_at=datetime(2024, 1, 1) + timedelta(minutes=i),
    )


def percentile(values: Sequence[float], pct: float) -> float:
    """Return the pct-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered))))
    return ordered[rank - 1]


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    """Call fn and return (milliseconds, result)."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - start) * 1000.0, result


def performance(system: System, papers, patents, total: int, n_queries: int) -> dict:
    """Index `total` listings on disk and time indexing, updates, searches and matching."""
    from marketplace.search.ranking import build_match_query, rank_matches, snippet

    rng = random.Random(SEED)
    specs = generated_listings(papers, patents, total, rng)
    docs = [spec_document(system, i, s, rng) for i, s in enumerate(specs)]
    tmp = Path(tempfile.mkdtemp(prefix="search-bench-"))
    out: dict[str, object] = {"listings": total}
    try:
        # Analysis happens inside add_document, so this measures jieba and Whoosh together.
        ms, ix = timed(build_index, system, docs, tmp / system.name)
        out["bulk_per_s"] = total / (ms / 1000.0)
        update_ms = []
        for n in range(20):
            doc = dict(docs[rng.randrange(total)])
            doc["title"] = doc["title"] + f" 改进型{n}"

            def update(doc=doc):
                with ix.writer() as writer:
                    writer.update_document(**doc)

            update_ms.append(timed(update)[0])
        out["update_ms"] = update_ms
        user_queries = _user_queries(papers, patents, rng, n_queries)
        demands = [rng.choice(papers) for _ in range(n_queries)]
        search_ms, match_ms, snippet_ms = [], [], []
        with ix.searcher() as searcher:
            for text in user_queries:

                def search(text=text):
                    return top_docnums(searcher, system.search_fn(searcher, text), 10)

                search_ms.append(timed(search)[0])
            for paper in demands:
                kwargs = {"title": paper.title, "body": paper.abstract, "keywords": paper.keywords}

                def match(kwargs=kwargs):
                    return top_docnums(searcher, system.match_fn(searcher, **kwargs), 10)

                match_ms.append(timed(match)[0])
                if system.name != "OURS":
                    continue

                def match_with_snippets(kwargs=kwargs):
                    mq = build_match_query(searcher, system.analyzer, **kwargs)
                    return [
                        snippet(
                            searcher.stored_fields(r.docnum).get("body", ""),
                            [t for t, _ in r.matched],
                            160,
                            system.analyzer,
                        )
                        for r in rank_matches(searcher, mq, 10)
                    ]

                snippet_ms.append(timed(match_with_snippets)[0])
        out["search_ms"], out["match_ms"], out["snippet_ms"] = search_ms, match_ms, snippet_ms
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _user_queries(papers, patents, rng: random.Random, n: int) -> list[str]:
    """Return search-box texts of the kinds users type: a keyword, two, a title fragment."""
    queries = []
    for i in range(n):
        paper = rng.choice(papers)
        if i % 3 == 0:
            queries.append(rng.choice(paper.keywords))
        elif i % 3 == 1:
            queries.append(" ".join(paper.keywords[:2]))
        else:
            queries.append(rng.choice(patents).title[:12])
    return queries


# --- report ------------------------------------------------------------------------------------

TARGETS = {
    "discipline_p10": (">=", 0.30),
    "ipc_p10": (">=", 0.38),
    "keywords_mrr": (">=", 0.98),
    "title_mrr": (">=", 0.98),
}
LABELS = {
    "discipline_p10": "same-discipline P@10 (abstract as demand)",
    "ipc_p10": "same-IPC P@10 (patent title as demand)",
    "keywords_mrr": "known-item MRR@10 (keywords -> paper)",
    "title_mrr": "known-item MRR@10 (title -> abstracts)",
}


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(
        c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print a plain text table (CJK characters count as two columns)."""

    def width(s: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)

    widths = [max(width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def pad(cells):
        out = []
        for i, c in enumerate(cells):
            gap = " " * (widths[i] - width(c))
            out.append(c + gap if i == 0 else gap + c)
        return "  ".join(out)

    print(pad(headers))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(pad(r))


def dismissal_report() -> str:
    """What users marked 不相关 on the platform (DATABASE_URL, when set): judgements by score band."""
    import os

    url = os.environ.get("DATABASE_URL")
    if not url:
        return "不相关 marks: no DATABASE_URL given, none read"
    from sqlalchemy import create_engine, text

    with create_engine(url).connect() as conn:
        rows = conn.execute(text("SELECT target_kind, score FROM search_match_dismissals")).all()
    if not rows:
        return "不相关 marks: none on the platform"
    lines = [f"不相关 marks on the platform: {len(rows)}"]
    for kind in sorted({k for k, _ in rows}):
        scores = sorted(s for k, s in rows if k == kind and s is not None)
        mid = scores[len(scores) // 2] if scores else 0.0
        lines.append(f"  {kind}: {len(scores)} marked, median score {mid * 100:.0f}")
    return "\n".join(lines)


def _verdict(key: str, value: float) -> str:
    op, target = TARGETS[key]
    ok = value >= target if op == ">=" else value <= target
    return f"{'ok' if ok else 'MISS'} ({op}{target:g})"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="subsets and 5,000 listings")
    parser.add_argument("--listings", type=int, default=None, help="listings for the speed test")
    parser.add_argument("--no-perf", action="store_true", help="skip the speed test")
    parser.add_argument(
        "--threshold", action="store_true", help="print the score calibration and the cut-off tables"
    )
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="refit ranking.CALIBRATION (CALIBRATION_INFERRED with the model) on the even-numbered "
        "queries and measure with the refitted figures",
    )
    parser.add_argument(
        "--no-model",
        action="store_true",
        help="rank without the field / IPC model's predictions (as a site without a trained model)",
    )
    parser.add_argument("--skip-plain", action="store_true", help="measure OURS only")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    from marketplace.search.analysis import get_jieba, load_terms

    # Load jieba up front so no measurement includes its one-off start-up.
    get_jieba(())
    get_jieba(tuple(load_terms()))
    papers, patents = load_papers(), load_patents()
    systems = [plain_system(), ours_system()]
    preds = None
    if not args.no_model:
        started = time.process_time()
        preds = crossfit_predictions(papers, patents)
        print(
            f"Field / IPC model: trained on 10 folds, every item predicted without its fold, in {time.process_time() - started:.1f} s CPU"
        )
    rows = None
    if args.calibrate:
        from marketplace.search import ranking

        rows = match_features_table(systems[1], papers, patents, preds)
        table = ranking.CALIBRATION_INFERRED if preds else ranking.CALIBRATION
        name = "CALIBRATION_INFERRED" if preds else "CALIBRATION"
        for kind in ("result", "patent"):
            table[kind] = tuple(fit_calibration(rows, kind))
            print(f"{name}[{kind!r}] = {table[kind]}")
        print()

    print(f"Quality ({'quick subsets' if args.quick else 'all items'}; targets apply to OURS)")
    results = {
        s.name: (
            {k: 0.0 for k in TARGETS}
            if args.skip_plain and s.name == "PLAIN"
            else quality(s, papers, patents, args.quick, preds)
        )
        for s in systems
    }
    print_table(
        ["measure", "PLAIN", "OURS", "OURS vs target"],
        [
            [
                LABELS[k],
                f"{results['PLAIN'][k]:.3f}",
                f"{results['OURS'][k]:.3f}",
                _verdict(k, results["OURS"][k]),
            ]
            for k in TARGETS
        ],
    )
    if args.threshold or args.calibrate:
        rows = rows or match_features_table(systems[1], papers, patents, preds)
        for kind, (table, bands) in cutoff_tables(rows).items():
            label = "same discipline" if kind == "result" else "same IPC subclass"
            what = "abstract -> results" if kind == "result" else "patent title -> patents"
            print()
            print(f"Score calibration, {what} (held-out odd-numbered queries, 30 stored matches)")
            print_table(["score", "matches", label], bands)
            print()
            print(f"Cut-offs, {what}")
            print_table(["score >=", "shown per query", f"precision ({label})", "queries with >= 1"], table)
        print()
        print(dismissal_report())
    if args.no_perf:
        return 0
    total = args.listings or (5_000 if args.quick else 20_000)
    n_queries = 100 if args.quick else 300
    print()
    print(f"Speed ({total:,} listings on disk, {n_queries} queries each; times in ms)")
    perf = {s.name: performance(s, papers, patents, total, n_queries) for s in systems}
    rows = [
        [
            "bulk indexing, listings/s (target >= 300)",
            f"{perf['PLAIN']['bulk_per_s']:.0f}",
            f"{perf['OURS']['bulk_per_s']:.0f}",
            "",
        ]
    ]
    limits = {
        "update_ms": ("single update: writer+update+commit", 200),
        "search_ms": ("user search", 30),
        "match_ms": ("match ranking", 30),
        "snippet_ms": ("match ranking + explain + snippets", 60),
    }
    for key, (label, limit) in limits.items():
        for pct in (50, 95):
            plain = perf["PLAIN"][key]
            ours = perf["OURS"][key]
            target = f"target p95 <= {limit}" if pct == 95 else ""
            rows.append(
                [
                    f"{label} p{pct}" + (f" ({target})" if target else ""),
                    f"{percentile(plain, pct):.1f}" if plain else "-",
                    f"{percentile(ours, pct):.1f}",
                    "",
                ]
            )
    print_table(["measure", "PLAIN", "OURS", ""], rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

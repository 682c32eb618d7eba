"""Query building for matching and search: key terms, safe user queries, explanations, snippets.

All functions are pure given a Whoosh searcher (for term statistics) and an analyzer.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from markupsafe import Markup, escape
from whoosh import scoring
from whoosh.analysis import Analyzer
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.query import Or, Query, Term
from whoosh.query.compound import PreloadedOr

from marketplace.search.analysis import JiebaTokenizer, load_terms, make_analyzer

# Per-query weights of the fields a demand is matched against. Short fields score high in BM25
# for a single incidental word, so title and keywords count less than the description.
MATCH_FIELD_WEIGHTS = {"title": 0.3, "keywords": 0.3, "body": 1.0}
# Where a key term came from in the demand: title and keywords name the need most precisely.
SOURCE_WEIGHTS = {"title": 2.0, "keywords": 2.0, "body": 1.0}
# Extra weight of the last word of the demand title over its first (head-final noun phrases).
TITLE_HEAD_SLOPE = 1.0
MAX_KEY_TERMS = 40
# Sub-words of a longer word ("电池" in "锂离子电池") add recall but are weaker evidence.
SUBWORD_WEIGHT = 0.5
# Terms in more than this share of documents say little about the topic and cost the most.
MAX_DF_RATIO = 0.1
MIN_DF = 1
# Below this many documents the share above is meaningless (a new site with 5 listings).
MIN_DOCS_FOR_DF_CUT = 20
# Pseudo-relevance feedback: listings read, terms taken, and their weight against the demand's.
FEEDBACK_DOCS = 5
FEEDBACK_TERMS = 30
FEEDBACK_WEIGHT = 1.0
# Optional structured boosts, added as optional clauses (never filters).
STRUCTURED_BOOSTS = {"field": 0.8, "industry": 0.5}

# Fields and weights of the public search box.
USER_FIELD_WEIGHTS = {
    "title": 2.0,
    "keywords": 1.5,
    "body": 1.0,
    "org_name": 1.0,
    "ipc_text": 0.5,
}
MAX_USER_TERMS = 48
MAX_USER_QUERY_CHARS = 2000

# Documents a matching FastOr keeps per index segment: far more than a page of matches needs.
FAST_OR_CANDIDATES = 1000
# Field-length arrays per (segment, field); segments never change once written.
_LENGTH_CACHE_SIZE = 64

_NUMBER_RE = re.compile(r"^[\d.,%+\-]+$")
_default_analyzer: Analyzer | None = None
_default_lock = threading.Lock()
_length_cache: dict[tuple[str, int, str], list[int] | None] = {}


# --- a fast OR of terms ------------------------------------------------------------------------


class FastOr(Or):
    """An OR of terms scored in one pass over their postings.

    Whoosh's own OR matchers spend 10-25 microseconds of Python per posting, and a matching
    query has tens of thousands of postings. This computes the same BM25F scores a block of
    postings at a time. With `candidates` set, each segment hands the collector only its best
    `candidates` documents (result counts are then capped); unscored uses (filters,
    docs_for_query) always get every match. Other weightings and non-term clauses fall back to
    Whoosh's own OR.
    """

    JOINT = " fOR "

    def __init__(self, subqueries, boost=1.0, minmatch=0, scale=None, candidates=None):
        super().__init__(subqueries, boost=boost, minmatch=minmatch, scale=scale)
        self.candidates = candidates

    def normalize(self):
        norm = super().normalize()
        if isinstance(norm, FastOr):
            norm.candidates = self.candidates
        return norm

    def _matcher(self, subs, searcher, context):
        weighting = context.weighting if context else searcher.weighting
        scored = context is None or context.weighting is not None
        usable = (
            searcher.reader().is_atomic()
            and all(type(q) is Term for q in subs)
            and (not scored or type(weighting) is scoring.BM25F)
        )
        scores = _bm25f_scores(searcher, subs, weighting if scored else None) if usable else None
        if scores is None:
            return PreloadedOr._matcher(self, subs, searcher, context)
        if not scores:
            return NullMatcher()
        if scored and self.candidates and len(scores) > self.candidates:
            best = heapq.nlargest(self.candidates, scores.items(), key=itemgetter(1))
        else:
            best = list(scores.items())
        best.sort()
        boost = self.boost
        return ListMatcher([d for d, _ in best], weights=[sc * boost for _, sc in best])


def _segment_lengths(reader, fieldname: str) -> list[int] | None:
    """Return the decoded length of a field for every document of a segment, cached."""
    segment = reader.segment()
    key = (segment.segment_id(), segment.doc_count_all(), fieldname)
    if key in _length_cache:
        return _length_cache[key]
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    from whoosh.util.numeric import byte_to_length

    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    table = [byte_to_length(b) for b in range(256)]
    lengths = None if column is None else [table[b] for b in column]
    if len(_length_cache) >= _LENGTH_CACHE_SIZE:
        _length_cache.clear()
    _length_cache[key] = lengths
    return lengths


def _posting_blocks(matcher):
    """Yield (docnums, weights) chunks of a posting list, a whole block at a time when possible."""
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        # Whoosh 3 codec: decode a block of ids and weights at once instead of per posting.
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            yield matcher._ids, matcher._weights
            matcher._next_block()
        return
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    yield ids, weights


def _bm25f_scores(searcher, terms: Sequence[Term], weighting) -> dict[int, float] | None:
    """Return {docnum: score} of an OR of terms in one segment, or None if the fast path is off.

    With weighting None, every matching document gets 1.0 (unscored use).
    """
    reader = searcher.reader()
    if not hasattr(reader, "_perdoc") or not hasattr(reader, "segment"):
        return None
    parent = searcher.get_parent()
    deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
    scores: dict[int, float] = {}
    get = scores.get
    for q in terms:
        if (q.fieldname, q.text) not in reader:
            continue
        matcher = reader.postings(q.fieldname, q.text)
        # Deletions are applied below, so read the raw postings under the deletion filter.
        while not hasattr(matcher, "_read_ids") and hasattr(matcher, "child"):
            matcher = matcher.child
        if weighting is None:
            for ids, _ in _posting_blocks(matcher):
                for d in ids:
                    scores[d] = 1.0
            continue
        lengths = _segment_lengths(reader, q.fieldname)
        if lengths is None:
            return None
        idf = parent.idf(q.fieldname, q.text)
        avgfl = parent.avg_field_length(q.fieldname) or 1
        b = weighting._field_B.get(q.fieldname, weighting.B)
        k1 = weighting.K1
        # bm25 = idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avgfl)), times the boost.
        scale = idf * (k1 + 1) * q.boost
        base = k1 * (1 - b)
        per_len = k1 * b / avgfl
        for ids, weights in _posting_blocks(matcher):
            for d, w in zip(ids, weights, strict=True):
                scores[d] = get(d, 0.0) + scale * w / (w + base + per_len * lengths[d])
    for d in deleted:
        scores.pop(d, None)
    return scores


# --- key terms and the matching query ----------------------------------------------------------


@dataclass(frozen=True)
class KeyTerm:
    """A weighted term of a demand, and where in the demand it came from."""

    text: str
    weight: float
    sources: tuple[str, ...]
    whole: bool = True


@dataclass(frozen=True)
class MatchQuery:
    """A matching query, the demand's key terms (to explain a match) and the feedback terms."""

    query: Query | None
    terms: tuple[KeyTerm, ...]
    expansion: dict[str, float] = field(default_factory=dict)

    @property
    def term_texts(self) -> list[str]:
        """Return the key term texts, most important first."""
        return [t.text for t in self.terms]


def default_analyzer() -> Analyzer:
    """Return the process-wide analyzer with the packaged user dictionary, built on first use."""
    global _default_analyzer
    if _default_analyzer is None:
        with _default_lock:
            if _default_analyzer is None:
                _default_analyzer = make_analyzer(load_terms())
    return _default_analyzer


def _tokens(analyzer: Analyzer, text: str) -> list[tuple[str, bool]]:
    """Return (term, is_whole_word) for the unstopped tokens of a text."""
    if not text:
        return []
    return [(t.text, getattr(t, "whole", True)) for t in analyzer(text, mode="query")]


def _jieba_tokenizer(analyzer: Analyzer) -> JiebaTokenizer | None:
    """Return the jieba tokenizer at the head of an analyzer chain, if there is one."""
    first = getattr(analyzer, "items", [analyzer])[0]
    return first if isinstance(first, JiebaTokenizer) else None


def _is_key_term(text: str) -> bool:
    """Tell whether a token can be a key term: not a bare number, not a lone Latin letter."""
    if _NUMBER_RE.match(text):
        return False
    # Single Chinese characters stay: 泵, 阀, 桩 or 钢 often name the subject of a listing.
    return len(text) >= 2 or text >= "\u4e00"


def _term_stats(searcher, term: str, fields: Sequence[str]) -> tuple[int, float]:
    """Return (document frequency, collection frequency) of a term over the given fields."""
    df, cf = 0, 0.0
    for fieldname in fields:
        n = searcher.doc_frequency(fieldname, term)
        if n:
            df = max(df, n)
            cf += searcher.frequency(fieldname, term)
    return df, cf


def _informativeness(n_docs: int, df: int, cf: float) -> float:
    """Return idf x (1 + residual idf) of a term: rare, and bunched into few documents.

    Residual IDF (Church & Gale) is the idf observed minus the idf a term would have if its
    occurrences fell on documents at random (Poisson). Topical words (多糖, 锋面) come in bursts;
    generic ones (结构, 提高) spread out, so their residual is near zero.
    """
    idf = math.log(n_docs / (df + 1)) + 1.0
    expected_present = 1.0 - math.exp(-cf / n_docs)
    residual = math.log2(n_docs / df) + math.log2(max(expected_present, 1e-12))
    return idf * (1.0 + max(residual, 0.0))


def _weigh_terms(
    searcher, counts: Mapping[str, float], fields: Sequence[str], max_df: float
) -> dict[str, float]:
    """Return term -> count x informativeness for the terms of counts found in the index."""
    n_docs = max(searcher.doc_count(), 1)
    cut = max_df * n_docs if n_docs >= MIN_DOCS_FOR_DF_CUT else n_docs
    out = {}
    for term, count in counts.items():
        df, cf = _term_stats(searcher, term, fields)
        # A term absent from the index cannot match; a very common one cannot discriminate and
        # its long posting list is what makes a query slow.
        if df < MIN_DF or df > cut:
            continue
        out[term] = count * _informativeness(n_docs, df, cf)
    return out


def _text_counts(analyzer: Analyzer, text: str, head_slope: float = 0.0) -> tuple[dict[str, float], set[str]]:
    """Count a text's key-term tokens and return the counts and the terms seen as whole words.

    Sub-words count SUBWORD_WEIGHT; with head_slope, the last word counts 1 + head_slope.
    """
    tokens = []
    if text:
        for t in analyzer(text, mode="query"):
            if _is_key_term(t.text):
                tokens.append((t.text, getattr(t, "whole", True), getattr(t, "wordno", 0)))
    counts: dict[str, float] = {}
    whole_words: set[str] = set()
    if not tokens:
        return counts, whole_words
    first = tokens[0][2]
    span = max(tokens[-1][2] - first, 1)
    for term, whole, wordno in tokens:
        weight = 1.0 if whole else SUBWORD_WEIGHT
        weight *= 1.0 + head_slope * (wordno - first) / span
        counts[term] = counts.get(term, 0.0) + weight
        if whole:
            whole_words.add(term)
    return counts, whole_words


def extract_key_terms(
    searcher,
    analyzer: Analyzer,
    *,
    title: str = "",
    body: str = "",
    keywords: Iterable[str] = (),
    max_terms: int | None = None,
    fields: Sequence[str] | None = None,
) -> list[KeyTerm]:
    """Pick the terms that best describe a text, most important first.

    Weight = frequency in the text (title and keyword words count double, sub-words half)
    x informativeness in the index (idf x (1 + residual idf)). Numbers, lone Latin letters,
    stop words, terms absent from the index and terms in over MAX_DF_RATIO of it are dropped.
    """
    max_terms = MAX_KEY_TERMS if max_terms is None else max_terms
    fields = [f for f in (fields or MATCH_FIELD_WEIGHTS) if f in searcher.schema]
    sources = {
        "title": _text_counts(analyzer, title or "", TITLE_HEAD_SLOPE),
        "keywords": _text_counts(analyzer, " ".join(keywords or ())),
        "body": _text_counts(analyzer, body or ""),
    }
    counts: dict[str, float] = {}
    seen_in: dict[str, list[str]] = {}
    whole: set[str] = set()
    for source, (source_counts, source_whole) in sources.items():
        whole |= source_whole
        for term, count in source_counts.items():
            counts[term] = counts.get(term, 0.0) + count * SOURCE_WEIGHTS[source]
            seen_in.setdefault(term, []).append(source)
    weights = _weigh_terms(searcher, counts, fields, MAX_DF_RATIO)
    scored = [KeyTerm(term, weight, tuple(seen_in[term]), term in whole) for term, weight in weights.items()]
    scored.sort(key=lambda k: (-k.weight, k.text))
    return scored[: max(max_terms, 0)]


def _feedback_terms(
    searcher, analyzer: Analyzer, hits, fields: Sequence[str], n_terms: int
) -> dict[str, float]:
    """Return the terms most typical of the top hits (the mean of their unit-length vectors)."""
    centroid: dict[str, float] = {}
    for hit in hits:
        counts: dict[str, float] = {}
        for fieldname in ("title", "keywords", "body"):
            for term, count in _text_counts(analyzer, hit.get(fieldname) or "")[0].items():
                counts[term] = counts.get(term, 0.0) + count
        damped = {t: 1.0 + math.log(max(c, 1.0)) for t, c in counts.items()}
        weights = _weigh_terms(searcher, damped, fields, 1.0)
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        for term, w in weights.items():
            centroid[term] = centroid.get(term, 0.0) + w / norm / len(hits)
    return dict(heapq.nlargest(n_terms, centroid.items(), key=itemgetter(1)))


def _term_clauses(weights: Mapping[str, float], field_weights: Mapping[str, float], schema):
    """Return one Term clause per term and field, boosted by term weight x field weight."""
    return [
        Term(fieldname, term, boost=weight * field_weight)
        for term, weight in weights.items()
        for fieldname, field_weight in field_weights.items()
        if fieldname in schema
    ]


def build_match_query(
    searcher,
    analyzer: Analyzer,
    *,
    title: str = "",
    body: str = "",
    keywords: Iterable[str] = (),
    max_terms: int | None = None,
    field_weights: Mapping[str, float] | None = None,
    structured: Mapping[str, str] | None = None,
    feedback: int | None = None,
    feedback_filter: Query | None = None,
    exclude: Iterable[str] = (),
) -> MatchQuery:
    """Build the query matching a demand (or listing) text against listings, with its key terms.

    The key terms are searched once; the `feedback` best listings then lend their most typical
    terms (pseudo-relevance feedback), which finds listings that say the same thing in other
    words. `exclude` lists doc_ids never used as feedback (the listing itself, when looking for
    similar listings); `feedback_filter` restricts feedback, e.g. to the other side's kinds.
    `structured` maps ID fields such as "field" or "industry" to the demand's value; each adds an
    optional boost, never a filter. Restrict kinds/visibility in the final search yourself.
    """
    field_weights = MATCH_FIELD_WEIGHTS if field_weights is None else field_weights
    feedback = FEEDBACK_DOCS if feedback is None else feedback
    terms = extract_key_terms(
        searcher,
        analyzer,
        title=title,
        body=body,
        keywords=keywords,
        max_terms=max_terms,
        fields=tuple(field_weights),
    )
    if not terms:
        return MatchQuery(None, ())
    # A unit-length query vector, so that feedback weights are on the same scale.
    norm = math.sqrt(sum(t.weight * t.weight for t in terms))
    weights = {t.text: t.weight / norm for t in terms}
    structured_clauses = [
        Term(fieldname, value, boost=STRUCTURED_BOOSTS.get(fieldname, 0.5))
        for fieldname, value in (structured or {}).items()
        if value and fieldname in searcher.schema
    ]
    expansion: dict[str, float] = {}
    if feedback > 0:
        excluded = set(exclude)
        first = FastOr(
            _term_clauses(weights, field_weights, searcher.schema) + structured_clauses,
            candidates=FAST_OR_CANDIDATES,
        )
        hits = searcher.search(first, limit=feedback + len(excluded), filter=feedback_filter)
        hits = [hit for hit in hits if hit.get("doc_id") not in excluded][:feedback]
        if hits:
            expansion = _feedback_terms(searcher, analyzer, hits, tuple(field_weights), FEEDBACK_TERMS)
            for term, w in expansion.items():
                weights[term] = weights.get(term, 0.0) + FEEDBACK_WEIGHT * w
    clauses = _term_clauses(weights, field_weights, searcher.schema) + structured_clauses
    return MatchQuery(FastOr(clauses, candidates=FAST_OR_CANDIDATES), tuple(terms), expansion)


def matched_terms(
    hit, terms: Iterable[KeyTerm | str], analyzer: Analyzer | None = None
) -> list[tuple[str, tuple[str, ...]]]:
    """Return (term, fields) for each key term found in a hit, in key-term order.

    Uses the terms recorded by `searcher.search(..., terms=True)` when there are any (FastOr
    records none), otherwise re-analyses the hit's stored title/keywords/body.
    """
    texts = [t.text if isinstance(t, KeyTerm) else t for t in terms]
    order = list(MATCH_FIELD_WEIGHTS)
    found: dict[str, set[str]] = {}
    results = getattr(hit, "results", None)
    if results is not None and results.has_matched_terms():
        for fieldname, btext in hit.matched_terms():
            text = btext.decode("utf-8") if isinstance(btext, bytes) else btext
            found.setdefault(text, set()).add(fieldname)
    if not any(found.get(t, set()) & set(order) for t in texts):
        found = {}
        analyzer = analyzer or default_analyzer()
        wanted = set(texts)
        for fieldname in order:
            value = hit.get(fieldname) if hasattr(hit, "get") else None
            if not value:
                continue
            for tok, _ in _tokens(analyzer, value):
                if tok in wanted:
                    found.setdefault(tok, set()).add(fieldname)
    return [
        (text, tuple(f for f in order if f in found[text]))
        for text in texts
        if found.get(text, set()) & set(order)
    ]


# --- the public search box ---------------------------------------------------------------------


def user_query_terms(text: str, analyzer: Analyzer | None = None) -> list[str]:
    """Return the distinct analysed terms of a search-box text, capped in length and number."""
    if not isinstance(text, str) or not text.strip():
        return []
    analyzer = analyzer or default_analyzer()
    terms: dict[str, None] = {}
    for tok in analyzer(text[:MAX_USER_QUERY_CHARS], mode="query"):
        terms.setdefault(tok.text, None)
        if len(terms) >= MAX_USER_TERMS:
            break
    return list(terms)


def safe_user_query(
    text: str,
    analyzer: Analyzer | None = None,
    field_weights: Mapping[str, float] = USER_FIELD_WEIGHTS,
    candidates: int | None = None,
) -> Query | None:
    """Build a query from any search-box text, or None when nothing searchable is left.

    Never parses query syntax: the text is analysed into terms, so AND, quotes or brackets are
    just characters. Documents matching more of the terms rank higher. `candidates` caps the
    documents per segment (faster, but result totals become at most that).
    """
    try:
        terms = user_query_terms(text, analyzer)
    except Exception:  # noqa: BLE001 - a search box must never fail on odd input
        return None
    if not terms:
        return None
    clauses = [
        Term(fieldname, term, boost=weight) for term in terms for fieldname, weight in field_weights.items()
    ]
    return FastOr(clauses, candidates=candidates)


# --- snippets ----------------------------------------------------------------------------------


def _snippet_spans(text: str, terms: set[str], analyzer: Analyzer) -> list[tuple[int, int]]:
    """Return the character spans of whole words of text that match or contain a term."""
    tokenizer = _jieba_tokenizer(analyzer)
    spans: list[tuple[int, int]] = []
    if tokenizer is not None:
        hit_end = -1
        # Sub-words come before their whole word in jieba's search mode; remember a sub-word hit
        # and mark the whole word that follows it.
        for word, start, end, whole in tokenizer.words(text):
            if word.lower() in terms:
                hit_end = max(hit_end, end)
            if whole:
                if hit_end > start or word.lower() in terms:
                    spans.append((start, end))
                hit_end = -1
        return spans
    for tok in analyzer(text, mode="query", chars=True, removestops=False):
        if tok.text in terms:
            spans.append((tok.startchar, tok.endchar))
    return spans


def snippet(
    text: str,
    terms: Iterable[KeyTerm | str],
    max_chars: int = 160,
    analyzer: Analyzer | None = None,
) -> Markup:
    """Return an escaped excerpt of text around the matched words, each wrapped in <mark>."""
    if not text:
        return Markup("")
    analyzer = analyzer or default_analyzer()
    wanted = {(t.text if isinstance(t, KeyTerm) else str(t)).lower() for t in terms}
    wanted.discard("")
    spans = _snippet_spans(text, wanted, analyzer) if wanted else []
    start = 0
    if spans and len(text) > max_chars:
        start = _best_window(text, spans, max_chars)
    end = min(len(text), start + max_chars)
    pieces: list[Markup] = [Markup("…")] if start > 0 else []
    cursor = start
    for s, e in spans:
        # Whole words only: a word cut by the window edge is shown unmarked.
        if s < cursor or e > end:
            continue
        pieces.append(escape(text[cursor:s]))
        pieces.append(Markup("<mark>") + escape(text[s:e]) + Markup("</mark>"))
        cursor = e
    pieces.append(escape(text[cursor:end]))
    if end < len(text):
        pieces.append(Markup("…"))
    return Markup("").join(pieces)


def _best_window(text: str, spans: list[tuple[int, int]], width: int) -> int:
    """Return the start of the width-long window holding the most distinct matched words."""
    best_start, best_score = 0, -1
    for i, (s, _) in enumerate(spans):
        start = max(0, min(s - width // 8, len(text) - width))
        words = {text[a:b] for a, b in spans[i:] if a >= start and b <= start + width}
        if len(words) > best_score:
            best_start, best_score = start, len(words)
    return best_start

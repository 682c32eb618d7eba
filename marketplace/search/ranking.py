"""Query building for matching and search: key terms, safe user queries, explanations.

Snippets (excerpts with the matched words marked) are in snippets.py and re-exported here.

All functions are pure given a Whoosh searcher (for document frequencies) and an analyzer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from whoosh.analysis import Analyzer
from whoosh.query import Or, Query, Term
from whoosh.reading import TermNotFound

from marketplace.search import engine
from marketplace.search.analysis import default_analyzer
from marketplace.search.classifier import Prediction
from marketplace.search.engine import Clause
from marketplace.search.inference import decode, field_agreement, ipc_agreement, subject_agreement
from marketplace.search.snippets import snippet  # noqa: F401  (re-exported for older callers)

# Per-query weights of the fields a demand is matched against.
# The body holds the title and keywords too (see schema.build_document): matching the short
# title and keyword fields as well let one incidental word there outweigh the description
# (same-discipline precision 0.213 -> 0.225 in bench/search_quality.py) and cost time.
MATCH_FIELD_WEIGHTS = {"body": 1.0}
# Where a key term came from in the demand: title and keywords name the need most precisely.
SOURCE_WEIGHTS = {"title": 2.0, "keywords": 2.0, "body": 1.0}
MAX_KEY_TERMS = 30
# Pseudo-relevance feedback (see rank_matches): listings read, words taken, and weights.
FEEDBACK_DOCS = 3
FEEDBACK_TERMS = 30
FEEDBACK_TERM_WEIGHT = 0.7
# Characters of a feedback listing's description read (the opening says what it is about).
FEEDBACK_BODY_CHARS = 150
# An IPC subclass shared by the best listings adds this share of the best first-pass score.
FEEDBACK_IPC_WEIGHT = 0.6
# Feedback from fewer of the listings than this share (weighted by score) is noise.
FEEDBACK_MIN_SHARE = 0.15
# Extra weight of a key term per bit of residual IDF (see _residual_idf); 0 turns it off.
RESIDUAL_IDF_WEIGHT = 1.5
# Fields whose matches explain a hit ("where they matched").
EXPLAIN_FIELDS = ("title", "keywords", "body")
# Sub-words of a longer word ("电池" in "锂离子电池") add recall but are weaker evidence.
SUBWORD_WEIGHT = 0.3
# Key term weights are raised to this power before becoming query boosts: BM25 already
# multiplies by IDF, so a full second IDF factor over-rewards rare, often incidental terms.
BOOST_EXPONENT = 0.5
# Single Chinese characters (钢, 菌, 桥) can name a topic but are ambiguous: weigh them less.
SINGLE_CHAR_WEIGHT = 0.5
# Terms in more than this share of documents say nothing about the topic.
MAX_DF_RATIO = 0.1
MIN_DF = 1
# A term in at most this many documents is never too common: on a small site (a few dozen
# listings) a share of documents says nothing.
MIN_DF_FOR_CUT = 20
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

# Term statistics remembered per searcher (about 100 bytes each).
_TERM_STATS_MEMO_SIZE = 200_000
_NUMBER_RE = re.compile(r"^[\d.,%+\-]+$")
# Feedback listings' opening words remembered per analyzer (about 1 KB each).
_FEEDBACK_MEMO_SIZE = 5000


@dataclass(frozen=True)
class KeyTerm:
    """A weighted term of a demand, and where in the demand it came from."""

    text: str
    weight: float
    sources: tuple[str, ...]
    whole: bool = True
    idf: float = 0.0


@dataclass(frozen=True)
class MatchQuery:
    """A matching query as weighted (field, term) clauses and the key terms that built it."""

    clauses: tuple[Clause, ...]
    terms: tuple[KeyTerm, ...]
    # The model's prediction of the source's field and IPC subclasses (None without a model).
    inferred: Prediction | None = None

    @property
    def query(self) -> Query | None:
        """Return the same query as a Whoosh query (slower to run; for tools and comparisons)."""
        if not self.clauses:
            return None
        return Or([Term(c.field, c.text, boost=c.boost) for c in self.clauses])

    @property
    def term_texts(self) -> list[str]:
        """Return the key term texts, most important first."""
        return [t.text for t in self.terms]


@dataclass(frozen=True)
class RankedMatch:
    """A document found by a match query: its docnum, ranking score, matched key terms and stored
    fields (read once to explain the match, so callers need not read them again)."""

    docnum: int
    score: float
    matched: tuple[tuple[str, tuple[str, ...]], ...]
    stored: Mapping = field(default_factory=dict, compare=False, repr=False)


def _tokens(analyzer: Analyzer, text: str) -> list[tuple[str, bool]]:
    """Return (term, is_whole_word) for the unstopped tokens of a text."""
    if not text:
        return []
    return [(t.text, getattr(t, "whole", True)) for t in analyzer(text, mode="query")]


def _is_key_term(text: str) -> bool:
    """Tell whether a token can be a key term: not a bare number or a lone letter."""
    if _NUMBER_RE.match(text):
        return False
    return len(text) >= 2 or (SINGLE_CHAR_WEIGHT > 0 and text >= "\u4e00")


def extract_key_terms(
    searcher,
    analyzer: Analyzer,
    *,
    title: str = "",
    body: str = "",
    keywords: Iterable[str] = (),
    max_terms: int | None = None,
    fields: Sequence[str] | None = None,
    in_index: bool = False,
) -> list[KeyTerm]:
    """Pick the terms that best describe a text, weighted by tf in it and rarity in the index.

    `in_index`: the text is an indexed listing's own, so every one of its terms is counted once
    for the listing itself; a term no other listing has cannot match and is dropped.
    """
    max_terms = MAX_KEY_TERMS if max_terms is None else max_terms
    fields = tuple(MATCH_FIELD_WEIGHTS) if fields is None else fields
    sources = {"title": title or "", "keywords": " ".join(keywords or ()), "body": body or ""}
    tf: dict[str, float] = {}
    seen_in: dict[str, set[str]] = {}
    whole: dict[str, bool] = {}
    for source, text in sources.items():
        for term, is_whole in _tokens(analyzer, text):
            if not _is_key_term(term):
                continue
            tf[term] = tf.get(term, 0.0) + 1.0
            seen_in.setdefault(term, set()).add(source)
            whole[term] = whole.get(term, False) or is_whole
    if not tf:
        return []
    # Counted like the document frequencies: Whoosh's postings keep deleted (updated) documents
    # until a merge, so df may exceed the live count and turn the idf negative.
    n_docs = max(searcher.doc_count_all(), 1)
    fields = [f for f in fields if f in searcher.schema]
    scored = []
    for term, count in tf.items():
        df, cf = _term_stats(searcher, fields, term)
        if in_index:
            df -= 1
        # A term absent from the index cannot match; a very common one cannot discriminate.
        if df < MIN_DF or _too_common(df, n_docs):
            continue
        idf = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        source_weight = max(SOURCE_WEIGHTS[s] for s in seen_in[term])
        weight = (1.0 + math.log(count)) * idf * source_weight
        if RESIDUAL_IDF_WEIGHT:
            weight *= 1.0 + RESIDUAL_IDF_WEIGHT * _residual_idf(cf, df, n_docs)
        if not whole[term]:
            weight *= SUBWORD_WEIGHT
        if len(term) == 1:
            weight *= SINGLE_CHAR_WEIGHT
        scored.append(KeyTerm(term, weight, tuple(sorted(seen_in[term])), whole[term], idf))
    scored.sort(key=lambda k: (-k.weight, k.text))
    return scored[: max(max_terms, 0)]


def _too_common(df: int, n_docs: int) -> bool:
    """Tell whether a term is in too many documents to tell listings apart."""
    return df > MIN_DF_FOR_CUT and df > MAX_DF_RATIO * n_docs


def _term_stats(searcher, fields: Sequence[str], term: str) -> tuple[int, float]:
    """Return (document frequency, collection frequency) of a term, the most of any field.

    Remembered on the searcher: it sees a fixed snapshot of the index, and the background
    matching of a batch asks for the same words again and again (one lookup per word per
    segment otherwise, a third of the ranking time at 20,000 listings).
    """
    memo = searcher.__dict__.setdefault("_marketplace_term_stats", {})
    key = (tuple(fields), term)
    found = memo.get(key)
    if found is None:
        if len(memo) >= _TERM_STATS_MEMO_SIZE:
            memo.clear()
        reader = searcher.reader()
        df, cf = 0, 0.0
        for fieldname in fields:
            try:
                info = reader.term_info(fieldname, term)
            except TermNotFound:
                continue
            df, cf = max(df, info.doc_frequency()), max(cf, info.weight())
        found = memo[key] = (df, cf)
    return found


def _residual_idf(cf: float, df: int, n_docs: int) -> float:
    """Return a term's residual IDF (Church & Gale): observed idf minus the idf of a Poisson term.

    Topical words come in bursts (several times in few listings); generic ones spread evenly,
    so their residual is near zero.
    """
    if df <= 0 or not cf:
        return 0.0
    expected_present = 1.0 - math.exp(-cf / n_docs)
    return max(math.log2(n_docs / df) + math.log2(max(expected_present, 1e-12)), 0.0)


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
    in_index: bool = False,
) -> MatchQuery:
    """Build the query matching a demand (or listing) text against listings, with its key terms.

    `structured` maps ID fields such as "field" or "industry" to the demand's value; each adds an
    optional boost, never a filter. Restrict kinds/visibility with the search's `filter=`.
    """
    field_weights = MATCH_FIELD_WEIGHTS if field_weights is None else field_weights
    terms = extract_key_terms(
        searcher,
        analyzer,
        title=title,
        body=body,
        keywords=keywords,
        max_terms=max_terms,
        fields=tuple(field_weights),
        in_index=in_index,
    )
    if not terms:
        return MatchQuery((), ())
    top_weight = terms[0].weight
    clauses: list[Clause] = []
    for term in terms:
        boost = (term.weight / top_weight) ** BOOST_EXPONENT
        for fieldname, field_weight in field_weights.items():
            if fieldname in searcher.schema:
                clauses.append(Clause(fieldname, term.text, boost * field_weight))
    for fieldname, value in (structured or {}).items():
        if value and fieldname in searcher.schema:
            clauses.append(Clause(fieldname, value, STRUCTURED_BOOSTS.get(fieldname, 0.5)))
    return MatchQuery(tuple(clauses), tuple(terms))


def rank_matches(
    searcher,
    mq: MatchQuery,
    limit: int,
    *,
    within: frozenset[int] | None = None,
    without: Iterable[frozenset[int]] = (),
    analyzer: Analyzer | None = None,
    feedback: int | None = None,
) -> list[RankedMatch]:
    """Rank the documents of a match query, best first, with the key terms each one contains.

    `within` keeps only these docnums, `without` drops any in these sets (e.g. the source
    listing's own kind, expired demands). Structured and feedback clauses rank but explain
    nothing, so a hit that matches no key term is left out.

    Pseudo-relevance feedback: the `feedback` best listings of a first ranking lend their IPC
    subclasses and their title and keyword words to a second, additive ranking (BM25 scores of
    separate clauses add up, so only the new clauses are scored). A demand worded differently
    from a patent still finds it through the patents its own words found.
    """
    if not mq.clauses:
        return []
    feedback = FEEDBACK_DOCS if feedback is None else feedback
    texts = {t.text for t in mq.terms}
    term_clauses = [c for c in mq.clauses if c.text in texts and c.field in EXPLAIN_FIELDS]
    # Only listings with a key term are candidates; the other clauses (structured boosts, then
    # feedback) add to their scores. No per-posting bookkeeping of which clause matched: the
    # few listings kept are explained from their stored text (_where).
    scores, eligible = engine.score_array(searcher, term_clauses)
    _add_scores(scores, searcher, [c for c in mq.clauses if c not in term_clauses])
    if within is not None:
        eligible &= engine.doc_mask(searcher, within)
    for group in without:
        eligible &= ~engine.doc_mask(searcher, group)

    def best(n: int) -> list[tuple[int, float]]:
        return engine.top_array(scores, eligible, n)

    if feedback > 0:
        _add_scores(
            scores, searcher, _feedback_clauses(searcher, mq, best(feedback), analyzer or default_analyzer())
        )
    out = []
    for d, sc in best(limit):
        stored = searcher.stored_fields(d)
        matched = _where(stored, mq.term_texts)
        if matched:
            out.append(RankedMatch(d, sc, matched, stored))
    return out


# --- one calibrated score ----------------------------------------------------------------------
#
# A match's score is the estimated chance that the target is on the source's subject (results:
# the same discipline; patents: a shared IPC subclass), from a logistic model over the ranking's
# own figures, fitted on half of the development data (bench/search_quality.py --calibrate; the
# other half reports it). Lists are ordered by it. Coefficients per model: intercept, log(1 +
# BM25 score), score / total query boost, key-term weight share (top 10, capped 1.5), share of
# all key terms, log(1 + matched terms), score / best score of the ranking.
CALIBRATION = {
    "result": (-5.3274, 1.6194, 0.0877, 1.5893, 0.2425, -0.1388, -3.2823),
    "patent": (-6.4542, 3.0538, 0.0466, 1.3141, -3.1657, 0.4335, -4.7755),
}
# The same with the trained model's predictions (inference.py): three more figures, the chance
# that source and target are in the same 技术领域, that they share an IPC subclass (the target's
# own subclasses when it has them), and that they are in the same discipline (学科), each as
# log(AGREEMENT_FLOOR + chance). Used when the source has a prediction.
AGREEMENT_FLOOR = 0.01
CALIBRATION_INFERRED = {
    "result": (0.2085, 0.27, 0.0985, 1.7441, -0.6475, -0.4288, -0.6471, 0.0368, 0.0606, 0.724),
    "patent": (-3.5107, 2.4167, 0.0078, 6.292, -7.6864, -0.0544, -3.7718, -0.0193, 0.4719, 0.0043),
}
# Shown only at or above these scores, per target kind (bench/README.md, "Cut-offs"; the same
# with and without the model: a calibrated score means the same chance either way). A
# demand in a result's or patent's list is scored with the source's model, so it takes the
# source's cut-off.
CUTOFFS = {"result": 0.45, "patent": 0.60, "demand": 0.45}


def calibration_model(source_kind: str, target_kind: str) -> str:
    """Which calibration scores a pair: the supply side's kind (results or patents)."""
    return (
        target_kind
        if target_kind in CALIBRATION
        else (source_kind if source_kind in CALIBRATION else "result")
    )


def cutoff(source_kind: str, target_kind: str) -> float:
    """The display cut-off of a pair (see CUTOFFS)."""
    if target_kind == "demand":
        return CUTOFFS.get(source_kind, CUTOFFS["demand"])
    return CUTOFFS.get(target_kind, CUTOFFS["result"])


def match_features(mq: MatchQuery, hit: RankedMatch, best: float) -> tuple[float, ...]:
    """The figures the calibration reads for one ranked hit (see CALIBRATION)."""
    weights = {t.text: t.weight for t in mq.terms}
    top10 = sum(t.weight for t in mq.terms[:10]) or 1.0
    every = sum(weights.values()) or 1.0
    texts = set(weights)
    boosts = sum(c.boost for c in mq.clauses if c.text in texts) or 1.0
    cover = sum(weights.get(term, 0.0) for term, _ in hit.matched)
    score = max(hit.score, 0.0)
    figures = (
        1.0,
        math.log1p(score),
        score / boosts,
        min(cover / top10, 1.5),
        cover / every,
        math.log1p(len(hit.matched)),
        score / best if best > 0 else 0.0,
    )
    if mq.inferred is None:
        return figures
    target = decode(hit.stored.get("inferred"))
    subclasses = [code for code in (hit.stored.get("ipc") or "").split() if len(code) == 4]
    agreements = (
        field_agreement(mq.inferred, target),
        ipc_agreement(mq.inferred, target, subclasses),
        subject_agreement(mq.inferred, target),
    )
    # On a log scale: a pair the model finds 20 times likelier to agree says more than 0.2 in
    # 0.01 (same-discipline P@10 0.311 -> 0.318 in bench/search_quality.py).
    return (*figures, *(math.log(AGREEMENT_FLOOR + a) for a in agreements))


def calibrated(model: str, features: Sequence[float]) -> float:
    """The chance (0..1) that a hit with these figures is on the source's subject."""
    table = CALIBRATION if len(features) == len(CALIBRATION[model]) else CALIBRATION_INFERRED
    z = sum(w * x for w, x in zip(table[model], features, strict=True))
    return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


def scored_matches(mq: MatchQuery, hits: Sequence[RankedMatch], model_of) -> list[tuple[RankedMatch, float]]:
    """Give each ranked hit its calibrated score and order them by it (ties keep rank order).

    `model_of(hit)` names the calibration of a hit (see calibration_model).
    """
    if not hits:
        return []
    best = max(h.score for h in hits)
    scored = [(h, calibrated(model_of(h), match_features(mq, h, best))) for h in hits]
    order = sorted(range(len(scored)), key=lambda n: (-scored[n][1], n))
    return [scored[n] for n in order]


def _add_scores(scores, searcher, clauses: Sequence[Clause]) -> None:
    """Add the scores of more clauses to a score array (BM25 sums per clause).

    Only documents already eligible are ranked, so adding to the others changes nothing.
    """
    if clauses:
        scores += engine.score_array(searcher, clauses)[0]


def _where(stored: Mapping, terms: Sequence[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return (term, fields) for the terms a listing contains: the stored fields that hold each.

    The indexed body holds the title and keywords too, so the postings cannot tell where a term
    is; the stored title, keywords and description can.
    """
    texts = {f: (stored.get(f) or "").lower() for f in EXPLAIN_FIELDS}
    # One search of all the text first: most key terms are in no field of a given listing.
    everything = "\x00".join(texts.values())
    out = []
    for term in terms:
        if term in everything:
            fields = tuple(f for f in EXPLAIN_FIELDS if term in texts[f])
            if fields:
                out.append((term, fields))
    return tuple(out)


def _feedback_clauses(
    searcher, mq: MatchQuery, first: list[tuple[int, float]], analyzer: Analyzer
) -> list[Clause]:
    """Return clauses made from the best hits of a first ranking (see rank_matches)."""
    if not first:
        return []
    top_score = first[0][1] or 1.0
    n = len(first)
    ipc: dict[str, float] = {}
    words: dict[str, float] = {}
    for d, sc in first:
        share = sc / top_score / n
        stored = searcher.stored_fields(d)
        for code in (stored.get("ipc") or "").split():
            if len(code) == 4:  # subclasses (H01M): classes are too broad, groups too narrow
                ipc[code] = ipc.get(code, 0.0) + share
        body = (stored.get("body") or "")[:FEEDBACK_BODY_CHARS]
        text = " ".join(filter(None, (stored.get("title"), stored.get("keywords"), body)))
        for term in _feedback_words(analyzer, text):
            words[term] = words.get(term, 0.0) + share
    clauses = [
        Clause("ipc", code, FEEDBACK_IPC_WEIGHT * top_score * weight)
        for code, weight in ipc.items()
        if weight >= FEEDBACK_MIN_SHARE
    ]
    own = set(term_index_texts(mq))
    n_docs = max(searcher.doc_count_all(), 1)  # like df, deleted documents included
    weighted = []
    for term, weight in words.items():
        if term in own or weight < FEEDBACK_MIN_SHARE:
            continue
        df = _term_stats(searcher, ("body",), term)[0] or _term_stats(searcher, ("title",), term)[0]
        if not df or _too_common(df, n_docs):
            continue
        weighted.append((weight * math.log(1.0 + n_docs / df), term))
    weighted.sort(reverse=True)
    if weighted:
        norm = weighted[0][0]
        for weight, term in weighted[:FEEDBACK_TERMS]:
            for fieldname, field_weight in MATCH_FIELD_WEIGHTS.items():
                clauses.append(Clause(fieldname, term, FEEDBACK_TERM_WEIGHT * field_weight * weight / norm))
    return clauses


def _feedback_words(analyzer: Analyzer, text: str) -> list[str]:
    """Return the key-term tokens of a feedback listing's opening text, remembered by text.

    The best hits of related demands are often the same listings, and segmenting their text
    again was a fifth of the ranking time.
    """
    memo = analyzer.__dict__.setdefault("_marketplace_feedback_words", {})
    found = memo.get(text)
    if found is None:
        if len(memo) >= _FEEDBACK_MEMO_SIZE:
            memo.clear()
        found = memo[text] = [term for term, _ in _tokens(analyzer, text) if _is_key_term(term)]
    return found


def clear_caches(analyzer: Analyzer) -> None:
    """Forget decoded postings and an analyzer's remembered feedback words (for measurements)."""
    engine.clear_postings_cache()
    analyzer.__dict__.pop("_marketplace_feedback_words", None)


def term_index_texts(mq: MatchQuery) -> list[str]:
    """Return the key term texts of a match query."""
    return [t.text for t in mq.terms]


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


def user_clauses(
    terms: Iterable[str], field_weights: Mapping[str, float] = USER_FIELD_WEIGHTS
) -> list[Clause]:
    """Return the scoring clauses of analysed search-box terms (see user_query_terms)."""
    return [Clause(fieldname, term, weight) for term in terms for fieldname, weight in field_weights.items()]

"""Excerpts of a listing's text around the matched words, each word marked, for result lists.

Kept apart from ranking.py, which decides what matches; this only shows where it matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup
from whoosh.analysis import Analyzer

from marketplace.search.analysis import JiebaTokenizer, default_analyzer


def _jieba_tokenizer(analyzer: Analyzer) -> JiebaTokenizer | None:
    """Return the jieba tokenizer at the head of an analyzer chain, if there is one."""
    first = getattr(analyzer, "items", [analyzer])[0]
    return first if isinstance(first, JiebaTokenizer) else None


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
    terms: Iterable,
    max_chars: int = 160,
    analyzer: Analyzer | None = None,
) -> Markup:
    """Return an escaped excerpt of text around the matched words, each wrapped in <mark>.

    The window is placed where the terms occur most densely (plain substring search), and only
    the runs of word characters around those occurrences are segmented to find whole words:
    jieba cuts each run on its own, so the words are the same as in the whole text, at a
    fraction of the cost for a long description.
    """
    if not text:
        return Markup("")
    analyzer = analyzer or default_analyzer()
    # Key terms (ranking.KeyTerm) or plain strings.
    wanted = {str(getattr(t, "text", t)).lower() for t in terms}
    wanted.discard("")
    start, spans = 0, []
    if wanted:
        lowered = text.lower()
        if len(lowered) != len(text):  # a character whose lower case is longer: segment it all
            lowered, occurrences = text, []
            spans = _snippet_spans(text, wanted, analyzer)
        else:
            occurrences = _occurrences(lowered, wanted)
        if occurrences:
            if len(text) > max_chars:
                start = _best_window(text, occurrences, max_chars)
            spans = _spans_in_runs(text, occurrences, start, start + max_chars, wanted, analyzer)
        elif spans and len(text) > max_chars:
            start = _best_window(text, spans, max_chars)
    end = min(len(text), start + max_chars)
    # Plain strings escaped as markupsafe.escape does, wrapped once: a Markup per piece cost
    # a fifth of computing a listing's matches.
    pieces = ["…"] if start > 0 else []
    cursor = start
    for s, e in spans:
        # Whole words only: a word cut by the window edge is shown unmarked.
        if s < cursor or e > end:
            continue
        pieces += (
            text[cursor:s].translate(_HTML_ESCAPES),
            "<mark>",
            text[s:e].translate(_HTML_ESCAPES),
            "</mark>",
        )
        cursor = e
    pieces.append(text[cursor:end].translate(_HTML_ESCAPES))
    if end < len(text):
        pieces.append("…")
    return Markup("".join(pieces))


# What markupsafe.escape replaces, and with what.
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;"})
# Characters jieba keeps together in one run (its re_han_default, plus full-width ASCII, which
# the tokenizer folds to half width first).
_RUN = re.compile(r"[\u4e00-\u9fd5a-zA-Z0-9+#&._%\-\uff01-\uff5e]*")
# A run longer than this on either side of a window edge is cut there (its words may then be
# split differently from the whole text's, only at that edge).
_RUN_MARGIN = 60
# Occurrences of one term considered when placing the window.
_MAX_OCCURRENCES = 50


def _spans_in_runs(
    text: str, occurrences: list[tuple[int, int]], low: int, high: int, wanted: set[str], analyzer
) -> list[tuple[int, int]]:
    """Return the whole-word spans of the word runs around the occurrences inside [low, high)."""
    runs: list[list[int]] = []
    for s, e in occurrences:
        if e <= low or s >= high or (runs and e <= runs[-1][1]):
            continue  # outside the window, or inside the run already found
        a, b = _run_edge(text, s, -1), _run_edge(text, e, 1)
        if runs and a <= runs[-1][1]:
            runs[-1][1] = max(runs[-1][1], b)
        else:
            runs.append([a, b])
    spans: list[tuple[int, int]] = []
    for a, b in runs:
        spans += [(s + a, e + a) for s, e in _snippet_spans(text[a:b], wanted, analyzer)]
    return spans


def _occurrences(lowered: str, terms: set[str]) -> list[tuple[int, int]]:
    """Return the (start, end) of every occurrence of the terms in a lower-cased text, sorted."""
    found = []
    for term in terms:
        at = lowered.find(term)
        n = 0
        while at >= 0 and n < _MAX_OCCURRENCES:
            found.append((at, at + len(term)))
            at = lowered.find(term, at + len(term))
            n += 1
    found.sort()
    return found


def _run_edge(text: str, i: int, step: int) -> int:
    """Move a cut position outwards to the edge of the word run it falls in."""
    if step > 0:
        return _RUN.match(text, i, min(len(text), i + _RUN_MARGIN)).end()
    low = max(0, i - _RUN_MARGIN)
    return i - _RUN.match(text[low:i][::-1]).end()


def _best_window(text: str, spans: list[tuple[int, int]], width: int) -> int:
    """Return the start of the width-long window holding the most distinct matched words.

    Windows start a little before each matched word; with the spans sorted, two pointers keep
    the count of the words inside in linear time.
    """
    best_start, best_score = 0, -1
    words = [text[s:e].lower() for s, e in spans]
    counts: dict[str, int] = {}
    lo = hi = 0
    for s, _ in spans:
        start = max(0, min(s - width // 8, len(text) - width))
        while hi < len(spans) and spans[hi][1] <= start + width:
            word = words[hi]
            counts[word] = counts.get(word, 0) + 1
            hi += 1
        while lo < hi and spans[lo][0] < start:
            word = words[lo]
            counts[word] -= 1
            if not counts[word]:
                del counts[word]
            lo += 1
        if len(counts) > best_score:
            best_start, best_score = start, len(counts)
    return best_start

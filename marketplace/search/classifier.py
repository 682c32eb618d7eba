"""Predict a listing's 技术领域 and IPC subclasses from its text (tf-idf nearest centroid).

Three heads over the same words: the technology field (one of TECHNOLOGY_FIELDS, or "" for a
text outside technology, e.g. economics), the IPC subclasses (H01M; a patent counts once for each
of its subclasses), and the discipline (学科, the CSL papers' label: finer than the field, used
only as a ranking feature, never shown). Words are the search analyzer's (jieba with the platform's dictionary, stop
words out, sub-words of long words kept); character pairs were tried and measured no better
(bench/README.md).

The model is plain data (word -> per-label weights), trained in seconds by `train()` and stored as
gzipped JSON (`save` / `load`); nothing is downloaded. Training data and the CLI are in
training.py; where the model is loaded and used is in inference.py.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from marketplace.search.analysis import default_analyzer

FORMAT = 2
# Words seen in fewer training texts than this are dropped (typos, numbers, one-off names).
MIN_DOCS = 1
# A word's weight in a centroid below this is dropped (it keeps the stored model small).
MIN_WEIGHT = 0.002
# Cosines are multiplied by this before the softmax: a label whose centroid is 0.1 closer than
# another's is e^(SHARPNESS / 10) times as likely.
SHARPNESS = 50.0
# The text read of a listing: the title and the opening of its description say what it is about.
MAX_CHARS = 600
# IPC subclasses (and disciplines) returned per prediction, and the least probability kept.
TOP_LABELS = 5
MIN_LABEL_PROB = 0.05
# Label of a training text outside technology (the field head may predict it; it is never shown).
NO_FIELD = ""


@dataclass(frozen=True)
class Example:
    """One training text and what it is known to be about (either label may be missing)."""

    text: str
    field: str | None = None
    ipc: tuple[str, ...] = ()
    subject: str | None = None  # a CSL discipline (学科), finer than the field


@dataclass(frozen=True)
class Prediction:
    """What a text is predicted to be about, with probabilities."""

    field: str | None  # None when the best guess is outside technology or unsure
    field_probs: dict[str, float] = field(default_factory=dict)
    ipc: dict[str, float] = field(default_factory=dict)  # best subclasses, most likely first
    subject: dict[str, float] = field(default_factory=dict)  # best disciplines (学科), ranking only


def features(text: str) -> Counter:
    """The words of a text the model reads (analyzer words and Chinese character pairs)."""
    text = (text or "")[:MAX_CHARS]
    words: Counter = Counter()
    if not text.strip():
        return words
    for token in default_analyzer()(text, mode="index"):
        if len(token.text) > 1 or token.text >= "\u4e00":
            words[token.text] += 1
    return words


class _Head:
    """One nearest-centroid classifier over tf-idf vectors (Rocchio), kept sparse.

    Each label's centroid is the normalised sum of its training texts' normalised tf-idf vectors;
    a text's score for a label is the cosine of its vector with the centroid. Measured against
    multinomial naive Bayes on the CSL papers (10-fold, abstract -> discipline): 0.491 against
    0.386 accuracy; naive Bayes' probabilities were also far too sure (0.99 for a wrong label).
    """

    def __init__(self, idf: dict[str, float], words: dict[str, dict], labels: list[str]):
        self.idf = idf  # word -> idf over the training texts
        self.words = words  # word -> {label: the word's weight in the label's centroid}
        self.labels = labels

    @classmethod
    def fit(cls, docs: Sequence[tuple[Counter, Sequence[str]]]) -> _Head:
        docs = [(words, labels) for words, labels in docs if labels]
        doc_freq: Counter = Counter()
        for words, _ in docs:
            doc_freq.update(words.keys())
        n = len(docs) or 1
        idf = {w: math.log(n / df) for w, df in doc_freq.items() if df >= MIN_DOCS and df < n}
        centroids: dict[str, Counter] = {}
        for words, labels in docs:
            vector = _vector(words, idf)
            for label in labels:
                centroids.setdefault(label, Counter()).update(vector)
        table: dict[str, dict] = {}
        for label, centroid in centroids.items():
            norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
            for word, value in centroid.items():
                if value / norm >= MIN_WEIGHT:
                    table.setdefault(word, {})[label] = round(value / norm, 5)
        return cls({w: round(v, 4) for w, v in idf.items() if w in table}, table, sorted(centroids))

    def probabilities(self, words: Counter) -> dict[str, float]:
        """A probability per label: the softmax of the cosines, sharpened (see SHARPNESS)."""
        vector = _vector(words, self.idf)
        if not vector:
            return {}
        scores = dict.fromkeys(self.labels, 0.0)
        for word, weight in vector.items():
            for label, value in self.words[word].items():
                scores[label] += weight * value
        top = max(scores.values())
        exp = {label: math.exp(SHARPNESS * (s - top)) for label, s in scores.items()}
        norm = sum(exp.values())
        return {label: v / norm for label, v in exp.items()}

    def to_json(self) -> dict:
        return {"idf": self.idf, "words": self.words, "labels": self.labels}

    @classmethod
    def from_json(cls, data: dict) -> _Head:
        return cls(data["idf"], data["words"], data["labels"])


def _vector(words: Counter, idf: dict[str, float]) -> dict[str, float]:
    """A text's normalised tf-idf vector over the known words."""
    vector = {w: (1.0 + math.log(n)) * idf[w] for w, n in words.items() if w in idf}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {w: v / norm for w, v in vector.items()} if norm else {}


class Model:
    """The two heads and what they were trained on."""

    def __init__(self, field_head: _Head, ipc_head: _Head, subject_head: _Head, info: dict | None = None):
        self.field_head = field_head
        self.ipc_head = ipc_head
        self.subject_head = subject_head
        self.info = info or {}

    def predict(self, text: str) -> Prediction:
        """Predict the field and the IPC subclasses of a text."""
        words = features(text)
        field_probs = self.field_head.probabilities(words)
        best = max(field_probs, key=field_probs.get) if field_probs else NO_FIELD
        return Prediction(
            best or None,
            {k: v for k, v in field_probs.items() if k},
            _best(self.ipc_head.probabilities(words)),
            _best(self.subject_head.probabilities(words)),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "format": FORMAT,
            "info": self.info,
            "field": self.field_head.to_json(),
            "ipc": self.ipc_head.to_json(),
            "subject": self.subject_head.to_json(),
        }
        tmp = path.with_suffix(".tmp")
        with gzip.open(tmp, "wt", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Model | None:
        """Read a stored model; None when it is missing or of another format."""
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return None
        if data.get("format") != FORMAT:
            return None
        heads = (_Head.from_json(data[name]) for name in ("field", "ipc", "subject"))
        return cls(*heads, data.get("info"))


def train(examples: Iterable[Example], info: dict | None = None) -> Model:
    """Fit both heads on labelled texts (a text may carry a field, IPC subclasses, or both)."""
    field_docs, ipc_docs, subject_docs = [], [], []
    for ex in examples:
        words = features(ex.text)
        if not words:
            continue
        if ex.field is not None:
            field_docs.append((words, (ex.field,)))
        if ex.ipc:
            ipc_docs.append((words, tuple(dict.fromkeys(ex.ipc))))
        if ex.subject:
            subject_docs.append((words, (ex.subject,)))
    info = dict(info or {}, field_texts=len(field_docs), ipc_texts=len(ipc_docs))
    return Model(_Head.fit(field_docs), _Head.fit(ipc_docs), _Head.fit(subject_docs), info)


def _best(probs: dict[str, float]) -> dict[str, float]:
    """The most likely labels (at most TOP_LABELS, each at least MIN_LABEL_PROB), best first."""
    ranked = sorted(((k, p) for k, p in probs.items() if p >= MIN_LABEL_PROB), key=lambda kv: -kv[1])
    return dict(ranked[:TOP_LABELS])

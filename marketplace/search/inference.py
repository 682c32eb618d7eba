"""The trained field / IPC model in the running app: loading it, predicting a listing, agreement.

The model (classifier.py) is stored at `<instance>/search-model.json.gz` by `flask search
train-model` and loaded lazily, once per process (again only when the file changes). Without it
nothing is predicted and matching, search and filters work as they did before the model.

Predictions travel with the index: a listing's document stores them (`inferred`, see
`encode`), so ranking reads a target's prediction with the stored fields it reads anyway, and a
demand's own from its document. The listing's `inferred_field` / `inferred_ipc` columns hold the
same for the SQL list pages and for reasons (see `inferred_columns`).
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app, has_app_context

from marketplace.search.classifier import Model, Prediction

MODEL_FILE = "search-model.json.gz"
# The most likely technical field is kept as a listing's inferred field at this probability or
# above (held out, technical texts: 82 % get one, 0.667 of them right; at 0.5: 60 %, 0.725).
MIN_FIELD_PROB = 0.35
# A predicted IPC subclass is kept on the listing (reasons) only at this probability or above.
MIN_IPC_PROB = 0.3
# Field probabilities below this are not stored in the index document.
MIN_STORED_PROB = 0.02

_lock = threading.Lock()
_loaded: dict[str, tuple[float, Model | None]] = {}


def model_path() -> Path:
    return Path(current_app.config["INSTANCE_DIR"]) / MODEL_FILE


def current_model() -> Model | None:
    """The stored model of this app, read once per process (None when there is none)."""
    if not has_app_context():
        return None
    path = model_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    key = str(path)
    found = _loaded.get(key)
    if found is None or found[0] != mtime:
        with _lock:
            found = _loaded.get(key)
            if found is None or found[0] != mtime:
                found = _loaded[key] = (mtime, Model.load(path))
    return found[1]


def forget_model() -> None:
    """Drop the loaded models (after training, and in tests)."""
    _loaded.clear()


def listing_text(title: str, keywords, *parts: str | None) -> str:
    """The text a listing is classified by: title, keywords, then its description."""
    return "\n".join(p for p in (title or "", " ".join(keywords or ()), *parts) if p)


def encode(pred: Prediction | None) -> str:
    """A prediction as the index stores it: "f:电子信息=0.83,农业=0.12;i:H01M=0.61"."""
    if pred is None:
        return ""
    fields = ",".join(f"{k}={v:.3f}" for k, v in pred.field_probs.items() if v >= MIN_STORED_PROB)
    ipc = ",".join(f"{k}={v:.3f}" for k, v in pred.ipc.items())
    subject = ",".join(f"{k}={v:.3f}" for k, v in pred.subject.items())
    return f"f:{fields};i:{ipc};s:{subject}"


def decode(text: str | None) -> Prediction | None:
    """Read a prediction stored by `encode` (None for an empty or unreadable one)."""
    if not text or not text.startswith("f:"):
        return None
    parts = dict(part.split(":", 1) for part in text.split(";") if ":" in part)

    def probs(raw: str) -> dict[str, float]:
        out = {}
        for item in filter(None, (raw or "").split(",")):
            label, _, value = item.rpartition("=")
            try:
                out[label] = float(value)
            except ValueError:
                continue
        return out

    field_probs = probs(parts.get("f", ""))
    best = max(field_probs, key=field_probs.get) if field_probs else None
    return Prediction(best, field_probs, probs(parts.get("i", "")), probs(parts.get("s", "")))


def field_agreement(a: Prediction | None, b: Prediction | None) -> float:
    """The chance that both texts are in the same 技术领域, by their predictions (0..1)."""
    if a is None or b is None:
        return 0.0
    return sum(p * b.field_probs.get(label, 0.0) for label, p in a.field_probs.items())


def subject_agreement(a: Prediction | None, b: Prediction | None) -> float:
    """The chance that both texts are in the same discipline (学科), by their predictions."""
    if a is None or b is None:
        return 0.0
    return sum(p * b.subject.get(label, 0.0) for label, p in a.subject.items())


def ipc_agreement(a: Prediction | None, b: Prediction | None, b_subclasses=()) -> float:
    """The chance that the first text shares an IPC subclass with the second (0..1): its known
    subclasses when it has them, else its predicted ones."""
    if a is None:
        return 0.0
    if b_subclasses:
        return min(sum(a.ipc.get(code, 0.0) for code in b_subclasses), 1.0)
    if b is None:
        return 0.0
    return min(sum(p * b.ipc.get(code, 0.0) for code, p in a.ipc.items()), 1.0)


def predict_text(text: str, model: Model | None = None) -> Prediction | None:
    """Predict a text with the given model or the app's (None without a model or text)."""
    model = model or current_model()
    if model is None or not (text or "").strip():
        return None
    return model.predict(text)


def inferred_columns(pred: Prediction | None, own_field: str | None) -> tuple[str | None, list[str]]:
    """What a listing stores as inferred: a field when it has none of its own and the model is
    sure enough, and its likely IPC subclasses."""
    if pred is None:
        return None, []
    field = None
    if not own_field and pred.field_probs:
        # Listings are technical: the best technical field, even when "outside technology" wins.
        best = max(pred.field_probs, key=pred.field_probs.get)
        field = best if pred.field_probs[best] >= MIN_FIELD_PROB else None
    return field, [code for code, p in pred.ipc.items() if p >= MIN_IPC_PROB]

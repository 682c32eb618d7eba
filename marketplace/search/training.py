"""Training data for the field / IPC model, the held-out measurement, and `train_and_store`.

Public data the repository carries (marketplace/demo/data, copies in bench/data; sources and
licences in its SOURCES.md):
- CSL papers (title, keywords, abstract) with their discipline (学科), mapped to a 技术领域 by
  the documented table `discipline_fields.json` (a discipline outside technology, e.g.
  economics, trains the "no field" label); the discipline itself trains the subject head;
- CNIPA patent titles with their IPC subclasses;
- the demo demands with their 技术领域;
and the platform's own listings that carry a field or IPC codes, as they accumulate (a listing
with the same text as a file row counts once).

Held-out split: rows are numbered in that order; the even-numbered ones train, the odd-numbered
ones are predicted and scored; then the model stored is fitted on all rows.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlalchemy import select

from marketplace.listings.models import Demand, Patent, ResearchResult
from marketplace.search.classifier import NO_FIELD, Example, Model, train
from marketplace.search.inference import forget_model, listing_text, model_path

DATA_DIR = Path(__file__).resolve().parent.parent / "demo" / "data"


def discipline_fields(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """CSL discipline -> 技术领域 ("" for a discipline outside technology)."""
    mapping = json.loads((data_dir / "discipline_fields.json").read_text(encoding="utf-8"))
    return {name: (row or {}).get("field") or NO_FIELD for name, row in mapping.items()}


def paper_examples(data_dir: Path = DATA_DIR) -> list[Example]:
    """The CSL papers as field examples (title, keywords and abstract)."""
    fields = discipline_fields(data_dir)
    out = []
    with (data_dir / "csl_dev.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                text = listing_text(row["title"], row.get("keywords"), row.get("abstract"))
                discipline = row.get("discipline")
                out.append(Example(text, fields.get(discipline, NO_FIELD), subject=discipline or None))
    return out


def patent_examples(data_dir: Path = DATA_DIR) -> list[Example]:
    """The patent titles as IPC examples."""
    with (data_dir / "patents_dev.csv").open(encoding="utf-8", newline="") as fh:
        return [
            Example(row["title"], None, tuple(s for s in row["ipc_subclasses"].split("|") if s))
            for row in csv.DictReader(fh)
        ]


def demand_examples(data_dir: Path = DATA_DIR) -> list[Example]:
    """The demo demands as field examples."""
    rows = json.loads((data_dir / "demands.json").read_text(encoding="utf-8"))
    return [
        Example(
            listing_text(
                row["title"], row.get("keywords"), row.get("description"), row.get("technical_indicators")
            ),
            row["technology_field"],
        )
        for row in rows
        if row.get("technology_field")
    ]


def platform_examples(session) -> list[Example]:
    """Listings on the platform that carry a 技术领域 or IPC codes (their own, never inferred)."""
    out = []
    for model in (ResearchResult, Demand):
        for obj in session.scalars(select(model).where(model.technology_field.is_not(None))):
            if isinstance(obj, ResearchResult):
                parts = (obj.abstract,)
            else:
                parts = (obj.description, obj.technical_indicators)
            out.append(Example(listing_text(obj.title, obj.keywords, *parts), obj.technology_field))
    for patent in session.scalars(select(Patent)):
        subclasses = tuple(dict.fromkeys(c.replace(" ", "")[:4].upper() for c in patent.ipc_codes or [] if c))
        if subclasses:
            out.append(Example(listing_text(patent.title, (), patent.abstract), None, subclasses))
    return out


def all_examples(session=None, data_dir: Path = DATA_DIR) -> list[Example]:
    """Every training row, files first, each text once."""
    rows = [*paper_examples(data_dir), *patent_examples(data_dir), *demand_examples(data_dir)]
    if session is not None:
        rows += platform_examples(session)
    # Compared by title and the end of the text, without white space: a demo listing is its paper
    # with the abstract trimmed and ten keywords, and a twin on both sides of the split would
    # inflate the held-out accuracy.
    seen: set[tuple[str, str]] = set()
    out = []
    for ex in rows:
        flat = "".join(ex.text.split())
        key = ("".join(ex.text.split("\n", 1)[0].split()), flat[-100:])
        if key not in seen:
            seen.add(key)
            out.append(ex)
    return out


def held_out_accuracy(model: Model, examples: Sequence[Example]) -> dict[str, float]:
    """Field accuracy (the "no field" label included), IPC top-1 and top-5 hit rates."""
    field_ok = field_n = top1 = top5 = ipc_n = 0
    for ex in examples:
        pred = model.predict(ex.text)
        if ex.field is not None:
            field_n += 1
            field_ok += (pred.field or NO_FIELD) == ex.field
        if ex.ipc:
            ipc_n += 1
            best = list(pred.ipc)
            top1 += bool(best[:1] and best[0] in ex.ipc)
            top5 += bool(set(best) & set(ex.ipc))
    return {
        "field_texts": field_n,
        "field_accuracy": field_ok / field_n if field_n else 0.0,
        "ipc_texts": ipc_n,
        "ipc_top1": top1 / ipc_n if ipc_n else 0.0,
        "ipc_top5": top5 / ipc_n if ipc_n else 0.0,
    }


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    """Even-numbered rows train, odd-numbered rows are held out."""
    rows = list(examples)
    return rows[0::2], rows[1::2]


def train_and_store(session, path: Path | None = None, data_dir: Path = DATA_DIR) -> dict:
    """Measure on the held-out split, then fit on every row and store the model; return figures."""
    examples = all_examples(session, data_dir)
    started = time.process_time()
    train_rows, held_rows = split(examples)
    figures = held_out_accuracy(train(train_rows), held_rows)
    model = train(examples, info={"rows": len(examples), **figures})
    path = path or model_path()
    model.save(path)
    forget_model()
    figures.update(rows=len(examples), cpu_seconds=time.process_time() - started, path=str(path))
    return figures

"""Why two listings match, in words people use; and which listings are the same one.

Reasons are built when a stored list is read, from the matched key terms stored with each match
and the two listings' own fields. A key term is shown only when it reads as a phrase: a word of
the jieba dictionary (or the platform's term list) of two or more characters, or one of the
listings' own keywords; bare numbers, units and single characters are not reasons, except a
model number both listings contain (e.g. "GB/T 2423", "UL94" is shown as written in the text).
Structured reasons: the same 技术领域, a shared IPC subclass, the result's maturity and the
price beside the demand's budget; a field or subclass the search model inferred from a listing's
text (search/inference.py) says so: "（推断）". Nothing here names an organisation or a district, so a
demand's hidden owner is never revealed through a reason.
"""

from __future__ import annotations

import functools
import re

from flask_babel import gettext

from marketplace.common.i18n import tr
from marketplace.common.money import format_wan
from marketplace.listings.models import Demand, Patent, ResearchResult
from marketplace.search.analysis import get_jieba, load_terms

MAX_WORDS = 6
# jieba dictionary frequency above which a word is everyday language, not a technical phrase.
COMMON_WORD_FREQ = 3000
# A model number: letters and digits together (UL94, 18650, GB2423), at least four characters.
_MODEL_RE = re.compile(r"^(?=.*[a-z])(?=.*\d)[a-z0-9\-/.]{4,}$")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_NUMBERISH_RE = re.compile(r"^[\d.,%+\-]+$")


@functools.cache
def _dictionary() -> tuple[dict, frozenset[str]]:
    """jieba's word frequencies and the packaged terms, read once per process."""
    terms = tuple(load_terms())
    return get_jieba(terms).FREQ, frozenset(terms)


def _keywords(obj) -> set[str]:
    return {k.strip().lower() for k in (getattr(obj, "keywords", None) or []) if k and k.strip()}


def _text(obj) -> str:
    parts = [obj.title or "", " ".join(getattr(obj, "keywords", None) or [])]
    if isinstance(obj, Demand):
        parts += [obj.description or "", obj.technical_indicators or ""]
    else:
        parts.append(getattr(obj, "abstract", "") or "")
    return "\n".join(parts)


def _as_written(term: str, *texts: str) -> str:
    """The term as the first text writes it (case kept), or the term itself."""
    for text in texts:
        at = text.lower().find(term)
        if at >= 0:
            return text[at : at + len(term)]
    return term


def is_phrase(term: str, keywords: set[str], freq=None, packaged=frozenset()) -> bool:
    """Whether a matched key term reads as a phrase (see the module's docstring)."""
    if term in keywords:
        return True
    if _NUMBERISH_RE.match(term):
        return False
    if _CJK_RE.search(term):
        if len(term) < 2:
            return False
        count = (freq or {}).get(term) or 0
        # Everyday words (管理, 技术, 系统) are in the dictionaries too but say nothing about a topic.
        if count > COMMON_WORD_FREQ:
            return False
        return term in packaged or count > 0
    return bool(_MODEL_RE.match(term))


def phrase_reasons(terms: list[str], source, target) -> list[str]:
    """The matched key terms to show, as the listings write them, longest phrases first."""
    freq, packaged = _dictionary()
    keywords = _keywords(source) | _keywords(target)
    source_text, target_text = _text(source), _text(target)
    kept: list[str] = []
    for term in terms:
        term = (term or "").lower()
        if not term or not is_phrase(term, keywords, freq, packaged):
            continue
        if not _CJK_RE.search(term) and term not in keywords:
            # A model number must be in both listings, not just look like one.
            if term not in source_text.lower() or term not in target_text.lower():
                continue
        kept.append(term)
    # A sub-word of a shown phrase ("电池" in "锂离子电池") says nothing more.
    kept = [t for t in kept if not any(t != o and t in o for o in kept)]
    return [_as_written(t, target_text, source_text) for t in kept[:MAX_WORDS]]


def _subclasses(obj, inferred: bool = False) -> set[str]:
    """A listing's IPC subclasses; with `inferred`, the model's when it has no codes of its own."""
    own = {c.replace(" ", "")[:4].upper() for c in (getattr(obj, "ipc_codes", None) or []) if c}
    if own or not inferred:
        return own
    return {c for c in (getattr(obj, "inferred_ipc", None) or []) if isinstance(c, str)}


def _field(obj) -> tuple[str | None, bool]:
    """A listing's 技术领域 and whether it is the model's inference (it has none of its own)."""
    own = getattr(obj, "technology_field", None)
    if own:
        return own, False
    inferred = getattr(obj, "inferred_field", None)
    return inferred, bool(inferred)


def structured_reasons(source, target) -> list[dict]:
    """Same field, shared IPC subclass, maturity, price against budget: [{"kind", "text"}]."""
    demand, supply = (source, target) if isinstance(source, Demand) else (target, source)
    out = []
    (field, field_inferred), (other, other_inferred) = _field(demand), _field(supply)
    if field and field == other:
        inferred = field_inferred or other_inferred
        text = gettext("同属技术领域“%(field)s”", field=tr(field)) + (gettext("（推断）") if inferred else "")
        out.append({"kind": "field", "text": text, "field": field, "inferred": inferred})
    shared = sorted(_subclasses(demand) & _subclasses(supply))
    if shared:
        text = gettext("同一 IPC 小类 %(codes)s", codes=gettext("、").join(shared))
        out.append({"kind": "ipc", "text": text, "subclasses": shared})
    else:
        # A demand rarely has IPC codes: the subclasses the model infers from its words.
        shared = sorted(_subclasses(demand, inferred=True) & _subclasses(supply, inferred=True))
        if shared:
            text = gettext("同一 IPC 小类 %(codes)s", codes=gettext("、").join(shared)) + gettext("（推断）")
            out.append({"kind": "ipc", "text": text, "subclasses": shared, "inferred": True})
    if isinstance(supply, ResearchResult) and supply.maturity_label:
        out.append(
            {"kind": "maturity", "text": gettext("成熟度：%(level)s", level=tr(supply.maturity_label))}
        )
    price = getattr(supply, "price_fen", None) if isinstance(supply, ResearchResult | Patent) else None
    budget = demand.budget_fen if isinstance(demand, Demand) else None
    if price is not None or budget is not None:
        text = gettext("价格 %(price)s", price=format_wan(price))
        if budget is not None:
            text += gettext("，需求预算 %(budget)s", budget=format_wan(budget))
            if price is not None:
                text += gettext("（在预算内）") if price <= budget else gettext("（高于预算）")
        out.append({"kind": "price", "text": text})
    return out


def identity(obj) -> tuple:
    """What makes two listings the same one (duplicates collapse to the first in a list).

    A patent: its application number, else its publication number without the kind code (the A
    and B publications of one Chinese application share the number). A result: its organisation
    and its title. Anything else is itself.
    """
    if isinstance(obj, Patent):
        if obj.application_number:
            return ("patent-app", re.sub(r"[\s.]", "", obj.application_number).upper())
        if obj.publication_number:
            number = re.sub(r"\s", "", obj.publication_number).upper()
            return ("patent-pub", re.sub(r"[A-Z]\d?$", "", number))
    if isinstance(obj, ResearchResult):
        return ("result", obj.organisation_id, re.sub(r"\s+", "", obj.title or ""))
    return (obj.kind, obj.id)

"""International Patent Classification (IPC) codes: validation, normal form and index terms.

Subclass titles are not included: no complete, authoritative, openly licensed Chinese table of
IPC subclass titles was found, and titles must never be invented. Only the eight section names
(from the Chinese edition of the IPC) are provided. Codes are normalised by the one normaliser
in listings/ipc.py, which the listing forms use as well.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from marketplace.common.i18n import N_
from marketplace.listings.ipc import normalise_ipc

SECTION_NAMES = {
    "A": N_("人类生活必需"),
    "B": N_("作业；运输"),
    "C": N_("化学；冶金"),
    "D": N_("纺织；造纸"),
    "E": N_("固定建筑物"),
    "F": N_("机械工程；照明；加热；武器；爆破"),
    "G": N_("物理"),
    "H": N_("电学"),
}

# Finds codes inside free text such as "G01D|G01F" or "H01M 10/0525; H01M 4/58".
_IPC_FIND_RE = re.compile(
    r"(?<![A-Za-z0-9])[A-H]\s?\d{2}\s?[A-Z](?:\s*\d{1,4}\s*/\s*\d{2,6})?(?![A-Za-z0-9])"
)


def is_valid_ipc(code: str) -> bool:
    """Tell whether a string is a valid IPC subclass, main group or subgroup."""
    try:
        normalise_ipc(code)
    except ValueError:
        return False
    return True


def split_ipc_codes(text: str) -> list[str]:
    """Find and normalise every IPC code in a free-text list, dropping duplicates."""
    if not text:
        return []
    folded = unicodedata.normalize("NFKC", text).upper()
    seen: dict[str, None] = {}
    for found in _IPC_FIND_RE.findall(folded):
        seen.setdefault(normalise_ipc(found), None)
    return list(seen)


def ipc_subclass(code: str) -> str:
    """Return the subclass ("H01M") of an IPC code."""
    return normalise_ipc(code)[:4]


def ipc_section(code: str) -> str:
    """Return the section letter ("H") of an IPC code."""
    return normalise_ipc(code)[0]


def section_name(code: str) -> str:
    """Return the Chinese name of a code's section."""
    return SECTION_NAMES[ipc_section(code)]


def ipc_index_terms(codes: Iterable[str]) -> list[str]:
    """Return the KEYWORD-field terms for codes: compact full code, subclass, class, section."""
    terms: dict[str, None] = {}
    for code in codes:
        norm = normalise_ipc(code)
        # The KEYWORD field splits on spaces, so full codes are indexed without one.
        for term in (norm.replace(" ", ""), norm[:4], norm[:3], norm[0]):
            terms.setdefault(term, None)
    return list(terms)


def ipc_keywords(codes: Iterable[str]) -> str:
    """Return the space-separated value for the schema's `ipc` KEYWORD field."""
    return " ".join(ipc_index_terms(codes))


def ipc_query_term(code: str) -> str:
    """Return the `ipc` field term that matches a code typed by a user (any level)."""
    return normalise_ipc(code).replace(" ", "")


def ipc_text(codes: Iterable[str]) -> str:
    """Return the Chinese section names of codes, for the `ipc_text` full-text field."""
    names: dict[str, None] = {}
    for code in codes:
        names.setdefault(section_name(code), None)
    return " ".join(names)

"""Regenerate marketplace/search/data/terms.txt, the jieba user dictionary of technical terms.

Sources: the `keywords` of bench/data/csl_dev.jsonl (CSL, Apache-2.0) and the hand-curated
marketplace/search/data/seed_terms.txt. Run from the repository root:

    .venv/bin/python bench/build_terms.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CSL_FILE = ROOT / "bench" / "data" / "csl_dev.jsonl"


def csl_keywords(path: Path = CSL_FILE) -> list[str]:
    """Return every keyword of the CSL sample, in file order."""
    keywords = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                keywords.extend(json.loads(line).get("keywords") or [])
    return keywords


def main() -> int:
    """Write terms.txt and print how many terms came from each source."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from marketplace.search.analysis import TERMS_FILE, build_user_dictionary, load_terms

    raw = csl_keywords()
    seeds = load_terms(TERMS_FILE.with_name("seed_terms.txt"))
    terms = build_user_dictionary([*raw, *seeds])
    TERMS_FILE.write_text("".join(f"{t}\n" for t in terms), encoding="utf-8")
    print(f"{len(raw)} CSL keywords + {len(seeds)} seed terms -> {len(terms)} terms in {TERMS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Chinese text analysis for the search index: jieba search-mode segmentation as a Whoosh analyzer.

Nothing here runs at import time: jieba is loaded the first time an analyzer tokenizes text.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from whoosh.analysis import Analyzer, LowercaseFilter, StopFilter, Token, Tokenizer

TERMS_FILE = Path(__file__).with_name("data") / "terms.txt"

# Longer tokens are pastes of base64, URLs or garbage; indexing them only bloats the term table.
MAX_TOKEN_CHARS = 40

# Whole words from patent and paper boilerplate. Each one was kept only if dropping it did not
# lower the quality figures of bench/search_quality.py (see the report of that script).
_BOILERPLATE = """
    一种 所述 本发明 本实用新型 实用新型 本申请 其特征 特征在于 其特征在于 涉及 公开 提供 包括 包含
    本文 研究 方法 进行 通过 基于 及其 分析 结果 表明 采用 提出 探讨 讨论 介绍 阐述 论述 综述 概述
    目的 结论 意义 问题 影响 作用 利用 具有 得到 实现 发现 显示 给出 建立 对比 比较 认为 指出
    文章 论文 笔者 作者 我们 本研究 本课题 该文 上述 相应 相关 有关 一定 主要 重要 不同 各种 一些
    其中 同时 以及 并且 而且 但是 因此 所以 如果 由于 对于 关于 根据 按照 为了 作为 可以 能够
    可 能 这种 这些 那些 一个 其他 其它 另外 此外 然后 最后 首先 其次 进一步 较为 比较 非常 很
    以上 以下 之间 之后 之前 方面 情况 过程 条件 一般 具体 特别 尤其 例如 如下 所示 所得 所用
"""
BOILERPLATE_STOP_WORDS = frozenset(_BOILERPLATE.split())

# Chinese function words and single characters that carry no topic.
_FUNCTION_WORDS = """
    的 了 和 与 及 或 在 是 为 对 中 将 把 被 从 由 以 于 等 上 下 也 都 就 而 并 但 又 个 之 其 这
    那 有 该 此 本 各 每 所 着 过 向 至 到 给 让 使 用 来 去 得 地 啊 吗 呢 吧 即 则 若 如 且 还 再
    已 已经 还是 就是 或者 以及 不仅 而是 不是 没有 一 二 三 第
    a an and are as at be by for from has have in is it its of on or that the this to was were
    which with we our can not
"""
FUNCTION_STOP_WORDS = frozenset(_FUNCTION_WORDS.split())

STOP_WORDS = BOILERPLATE_STOP_WORDS | FUNCTION_STOP_WORDS

# Fold full-width ASCII (ＡＢＣ１２３) to half width one character for one, so offsets stay valid.
_WIDTH_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

# jieba only matches dictionary words inside runs of these characters (its re_han_default).
_JIEBA_WORD_CHARS = re.compile(r"^[\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]+$")
_HAS_CJK = re.compile(r"[\u4e00-\u9fd5]")
# A keyword containing these is a phrase ("A和B", "X的Y"), not a term.
_PHRASE_CHARS = frozenset("的和与及或之、，,")

# Texts up to this long are cut once per tokenizer and remembered, at most this many: organisation
# names, IPC captions and search-box words repeat from document to document and query to query.
_CUT_CACHE_MAX_CHARS = 100
_CUT_CACHE_SIZE = 4096

_jieba_cache: dict[str, object] = {}
_jieba_lock = threading.Lock()


def _quiet_jieba() -> None:
    """Stop jieba from logging its dictionary loading to stderr."""
    logger = logging.getLogger("jieba")
    logger.setLevel(logging.WARNING)


def build_user_dictionary(terms: Iterable[str]) -> list[str]:
    """Clean raw keywords into sorted, unique user-dictionary entries for jieba."""
    out: set[str] = set()
    for raw in terms:
        term = unicodedata.normalize("NFKC", str(raw)).strip()
        if not 2 <= len(term) <= 12:
            continue
        # jieba cannot match a word containing characters outside its word runs.
        if not _JIEBA_WORD_CHARS.match(term) or not _HAS_CJK.search(term):
            continue
        if any(ch in _PHRASE_CHARS for ch in term):
            continue
        if term.lower() in STOP_WORDS:
            continue
        # Leading digits or dots come from list numbering or half-split chemical names.
        if term[0] in "0123456789.-%&#+_" or term[-1] in ".-&#+_":
            continue
        out.add(term)
    return sorted(out)


def load_terms(path: str | Path | None = None) -> list[str]:
    """Read a user dictionary file (one term per line, # comments) into a list."""
    text = Path(path or TERMS_FILE).read_text(encoding="utf-8")
    terms = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            terms.append(line.split()[0])
    return terms


def _dictionary_key(terms: tuple[str, ...]) -> str:
    """Return a fingerprint of a user dictionary."""
    return hashlib.sha1("\n".join(terms).encode("utf-8")).hexdigest()


def get_jieba(terms: tuple[str, ...] = ()):
    """Return a private, initialised jieba tokenizer for a user dictionary, made once per process."""
    key = _dictionary_key(terms)
    tok = _jieba_cache.get(key)
    if tok is not None:
        return tok
    with _jieba_lock:
        tok = _jieba_cache.get(key)
        if tok is None:
            import jieba

            _quiet_jieba()
            tok = jieba.Tokenizer()
            tok.initialize()
            for term in terms:
                tok.add_word(term)
            _jieba_cache[key] = tok
    return tok


def _is_word(text: str) -> bool:
    """Tell whether a jieba piece is a word rather than whitespace, punctuation or a symbol."""
    return any(ch.isalnum() for ch in text)


class JiebaTokenizer(Tokenizer):
    """Split text with jieba's search mode, keeping whole words and their dictionary sub-words."""

    def __init__(self, user_terms: Iterable[str] = (), stop_words: Iterable[str] = ()):
        """Keep the user dictionary and the whole words whose sub-words must not be emitted."""
        self.user_terms = tuple(user_terms)
        self.stop_words = frozenset(stop_words)

    def __getstate__(self):
        """Pickle only the settings; the jieba object is shared per process, not stored."""
        return {"user_terms": self.user_terms, "stop_words": self.stop_words}

    def __setstate__(self, state):
        """Restore the settings written by __getstate__."""
        self.__dict__.update(state)

    def __eq__(self, other):
        return (
            other is not None
            and self.__class__ is other.__class__
            and self.user_terms == other.user_terms
            and self.stop_words == other.stop_words
        )

    def __hash__(self):
        return hash((self.__class__, len(self.user_terms)))

    def __repr__(self):
        return f"JiebaTokenizer(user_terms=<{len(self.user_terms)} terms>)"

    def _jieba(self):
        """Return the shared jieba tokenizer of this dictionary, remembered on the instance.

        Fingerprinting thousands of dictionary terms on every call cost more than cutting a title.
        """
        tok = self.__dict__.get("_tok")
        if tok is None:
            tok = self.__dict__["_tok"] = get_jieba(self.user_terms)
        return tok

    def _cut(self, text: str) -> list[str]:
        """Return jieba's words of a text; short texts (names, IPC captions) are remembered."""
        if len(text) > _CUT_CACHE_MAX_CHARS:
            return list(self._jieba().cut(text))
        cache = self.__dict__.setdefault("_cut_cache", {})
        words = cache.get(text)
        if words is None:
            if len(cache) >= _CUT_CACHE_SIZE:
                cache.clear()
            words = cache[text] = list(self._jieba().cut(text))
        return words

    def words(self, text: str) -> Iterator[tuple[str, int, int, bool]]:
        """Yield (word, start, end, is_whole) in jieba search-mode order (as cut_for_search)."""
        freq = self._jieba().FREQ
        stops = self.stop_words
        start = 0
        # Same algorithm as jieba.Tokenizer.cut_for_search, with offsets and a whole-word flag.
        # Line by line: jieba never joins words across a line break, and short lines (a title,
        # a keywords line repeated at the top of the body) come from the cache.
        for n, line in enumerate(text.translate(_WIDTH_FOLD).split("\n")):
            if n:
                yield "\n", start, start + 1, True
                start += 1
            for word in self._cut(line):
                width = len(word)
                if width > 2 and word.lower() not in stops:
                    for i in range(width - 1):
                        gram = word[i : i + 2]
                        if freq.get(gram):
                            yield gram, start + i, start + i + 2, False
                    if width > 3:
                        for i in range(width - 2):
                            gram = word[i : i + 3]
                            if freq.get(gram):
                                yield gram, start + i, start + i + 3, False
                yield word, start, start + width, True
                start += width

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        """Yield one reused Token per word; sub-words share the position of their whole word."""
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        pos = start_pos
        for word, start, end, whole in self.words(value):
            if not _is_word(word):
                continue
            t.text = word
            # Filters keep extra attributes; ranking uses this to weigh sub-words less.
            t.whole = whole
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = word
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t
            if whole:
                pos += 1


def make_analyzer(user_dict_terms: Iterable[str] = (), stop_words: Iterable[str] | None = None) -> Analyzer:
    """Build the Chinese analyzer: jieba search mode, lowercase, stop words removed."""
    stops = STOP_WORDS if stop_words is None else frozenset(stop_words)
    return (
        JiebaTokenizer(user_dict_terms, stops)
        | LowercaseFilter()
        # renumber=False: sub-words share their whole word's position, so gaps are meaningful.
        | StopFilter(stoplist=stops, minsize=1, maxsize=MAX_TOKEN_CHARS, renumber=False)
    )


_default_analyzer: Analyzer | None = None
_default_lock = threading.Lock()


def default_analyzer() -> Analyzer:
    """Return the process-wide analyzer with the packaged user dictionary, built on first use."""
    global _default_analyzer
    if _default_analyzer is None:
        with _default_lock:
            if _default_analyzer is None:
                _default_analyzer = make_analyzer(load_terms())
    return _default_analyzer


def analyze(analyzer: Analyzer, text: str, mode: str = "query") -> list[str]:
    """Return the token texts of a string, for queries and tests."""
    if not text:
        return []
    return [t.text for t in analyzer(text, mode=mode)]

"""The fast scorer, snippets and segment merging behind search and matching."""

import pytest
from markupsafe import escape
from whoosh.filedb.filestore import RamStorage
from whoosh.query import Or, Term

from marketplace.search import engine
from marketplace.search.analysis import load_terms, make_analyzer
from marketplace.search.ranking import build_match_query, rank_matches
from marketplace.search.schema import build_document, make_schema
from marketplace.search.snippets import _snippet_spans, snippet
from tests.search.conftest import real_papers
from tests.search.factories import make_result


@pytest.fixture(scope="module")
def analyzer():
    return make_analyzer(load_terms())


@pytest.fixture(scope="module")
def paper_index(analyzer):
    """40 real papers in two segments, one document deleted: the awkward case for the scorer."""
    ix = RamStorage().create_index(make_schema(analyzer))
    papers = real_papers(40)
    for start in (0, 20):
        with ix.writer() as writer:
            for i in range(start, start + 20):
                p = papers[i]
                writer.add_document(
                    **build_document(
                        "result", i, title=p["title"], body_parts=[p["abstract"]], keywords=p["keywords"]
                    )
                )
    with ix.writer() as writer:
        writer.delete_by_term("doc_id", "result:3")
    return ix, papers


def test_engine_scores_equal_whoosh_bm25f_across_segments_and_deletions(paper_index, analyzer):
    ix, papers = paper_index
    with ix.searcher() as searcher:
        assert len(engine.leaves(searcher)) == 2
        words = [t.text for t in analyzer(papers[3]["title"] + papers[25]["abstract"][:80], mode="query")]
        clauses = [
            engine.Clause(f, w, b) for w in dict.fromkeys(words) for f, b in (("title", 2.0), ("body", 1.0))
        ]
        scores, masks = engine.score(searcher, clauses, track=True)
        expected = {
            h.docnum: h.score
            for h in searcher.search(Or([Term(c.field, c.text, boost=c.boost) for c in clauses]), limit=None)
        }
        assert expected and set(scores) == set(expected)
        assert all(abs(scores[d] - expected[d]) < 1e-6 * max(1.0, expected[d]) for d in expected)
        deleted = searcher.document_number(doc_id="result:3")
        assert deleted is None and all(masks[d] for d in scores)


def test_postings_cache_keeps_to_its_budget_and_changes_no_score(paper_index, analyzer, monkeypatch):
    ix, papers = paper_index
    words = [t.text for t in analyzer(papers[5]["abstract"], mode="query")]
    clauses = [engine.Clause("body", w, 1.0) for w in dict.fromkeys(words)]
    monkeypatch.setattr(engine, "_postings_cache", engine.OrderedDict())
    monkeypatch.setattr(engine, "_postings_held", 0)
    monkeypatch.setattr(engine, "POSTINGS_CACHE_SIZE", 0)
    with ix.searcher() as searcher:
        uncached = engine.score(searcher, clauses)[0]
    assert uncached and not engine._postings_cache
    monkeypatch.setattr(engine, "POSTINGS_CACHE_SIZE", 60)
    with ix.searcher() as searcher:
        first = engine.score(searcher, clauses)[0]
    with ix.searcher() as searcher:
        second = engine.score(searcher, clauses)[0]
    # Least recently used lists were dropped to stay within 60 postings; scores never change.
    assert 0 < engine._postings_held <= 60 and len(engine._postings_cache) < 2 * len(clauses)
    assert first == second == uncached


def test_match_ranking_explains_where_terms_are_and_honours_restrictions(paper_index, analyzer):
    ix, papers = paper_index
    with ix.searcher() as searcher:
        target = searcher.document_number(doc_id="result:7")
        mq = build_match_query(searcher, analyzer, title=papers[7]["title"], body=papers[7]["abstract"])
        ranked = rank_matches(searcher, mq, 5, analyzer=analyzer)
        assert ranked[0].docnum == target
        title_terms = [t for t, fields in ranked[0].matched if "title" in fields]
        assert title_terms and all(t in papers[7]["title"].lower() for t in title_terms)
        without = rank_matches(searcher, mq, 5, analyzer=analyzer, without=(frozenset({target}),))
        assert target not in [r.docnum for r in without]
        within = rank_matches(searcher, mq, 5, analyzer=analyzer, within=frozenset({target}))
        assert [r.docnum for r in within] == [target]


def test_snippet_window_marks_the_same_whole_words_as_segmenting_everything(analyzer):
    text = "背景介绍，" * 60 + "本装置用于锂离子电池极片涂布，涂布均匀。" + "其他内容；" * 60
    terms = {"涂布", "锂离子电池"}
    marked = str(snippet(text, terms, 160, analyzer))
    assert "<mark>锂离子电池</mark>极片<mark>涂布</mark>，<mark>涂布</mark>均匀" in marked
    # Every word marked in the excerpt is one that segmenting the whole text marks.
    whole = {text[s:e] for s, e in _snippet_spans(text, terms, analyzer)}
    shown = {part.split("</mark>")[0] for part in marked.split("<mark>")[1:]}
    assert shown and shown <= whole
    assert str(snippet("<b>涂布</b>", {"涂布"}, 160, analyzer)) == "&lt;b&gt;<mark>涂布</mark>&lt;/b&gt;"


def test_snippet_escapes_every_character_markupsafe_escapes(analyzer):
    hostile = "<script>alert('x') & \"y\"</script>"
    marked = str(snippet(f"{hostile}涂布{hostile}", {"涂布"}, 160, analyzer))
    assert marked == f"{escape(hostile)}<mark>涂布</mark>{escape(hostile)}"
    assert "<script" not in marked and "'" not in marked and '"' not in marked


def test_single_updates_leave_segments_that_the_drain_merges(app_ctx):
    from marketplace.search.pipeline import MERGE_AT_SEGMENTS
    from marketplace.search.store import open_index

    for n in range(MERGE_AT_SEGMENTS + 2):
        make_result(title=f"分段合并测试{n}", abstract="每次发布单独提交。")
    ix = open_index()
    # Each publication was searchable at once (its own commit); the drain then merged.
    assert len(ix._segments()) < MERGE_AT_SEGMENTS
    from tests.search.helpers import found

    assert len(found("分段合并测试")) == MERGE_AT_SEGMENTS + 2

"""The field / IPC model: trained from labelled texts, used for ranking, filters and reasons."""

import math

import pytest
from flask_login import AnonymousUserMixin
from werkzeug.datastructures import MultiDict

from marketplace.extensions import db
from marketplace.search import inference
from marketplace.search.classifier import Example, Model, train
from marketplace.search.facets import facet_counts
from marketplace.search.ranking import (
    CALIBRATION,
    CALIBRATION_INFERRED,
    KeyTerm,
    MatchQuery,
    RankedMatch,
    calibrated,
    match_features,
)
from marketplace.search.reasons import structured_reasons
from marketplace.search.services import parse_search_args, search
from tests.factories import make_org
from tests.search.factories import make_demand, make_patent, make_result

ENERGY, BIO, FARM = "新能源与高效节能", "生物、医药和医疗器械", "农业"

# A tiny corpus: two texts per field, patents with IPC subclasses, one text outside technology.
CORPUS = [
    Example("锂离子电池正极材料的制备与电池容量", ENERGY, subject="电气工程"),
    Example("光伏组件与锂电池储能系统的能量管理", ENERGY, subject="电气工程"),
    Example("抗肿瘤药物的药代动力学与临床疗效", BIO, subject="药学"),
    Example("中药提取物对肿瘤细胞的抑制作用", BIO, subject="药学"),
    Example("小麦品种的抗旱性与产量田间试验", FARM, subject="作物学"),
    Example("玉米种植密度与施肥对产量的影响", FARM, subject="作物学"),
    Example("区域经济增长与财政政策分析", ""),
    Example("一种锂离子电池正极片及其制备方法", None, ("H01M",)),
    Example("一种电池模组的散热结构", None, ("H01M",)),
    Example("一种抗肿瘤化合物及其药物组合物", None, ("A61K", "A61P")),
    Example("一种小麦播种装置", None, ("A01C",)),
]


def tiny_model() -> Model:
    return train(CORPUS)


@pytest.fixture
def with_model(app_ctx):
    """The tiny model stored where the app loads it."""
    tiny_model().save(inference.model_path())
    inference.forget_model()
    yield
    inference.model_path().unlink(missing_ok=True)
    inference.forget_model()


def test_a_model_trained_on_a_tiny_corpus_predicts_the_obvious_field_and_subclass(tmp_path):
    model = tiny_model()
    pred = model.predict("新型锂离子电池正极材料，提高电池容量")
    assert pred.field == ENERGY
    assert next(iter(pred.ipc)) == "H01M"
    assert model.predict("抗肿瘤药物组合物").field == BIO
    # A text outside technology gets no field.
    assert model.predict("财政政策与区域经济").field is None
    # Stored and read back, it predicts the same.
    model.save(tmp_path / "m.json.gz")
    again = Model.load(tmp_path / "m.json.gz")
    assert again.predict("小麦抗旱品种").field == FARM
    assert Model.load(tmp_path / "missing.json.gz") is None


def test_without_a_model_nothing_is_predicted_and_matching_works(app_ctx):
    assert inference.current_model() is None
    patent = make_patent(title="一种锂离子电池正极片")
    assert patent.inferred_field is None and patent.inferred_ipc is None
    params = parse_search_args(MultiDict({"q": "锂离子电池"}))
    assert search(params, AnonymousUserMixin()).page.total == 1
    from marketplace.search.matching import compute
    from marketplace.search.store import open_searcher, query_analyzer

    demand = make_demand(title="寻求锂离子电池正极材料技术", description="锂离子电池正极片容量提升")
    with open_searcher() as searcher:
        mq_matches = compute(searcher, query_analyzer(searcher), demand)
    assert [(m.kind, m.obj_id) for m in mq_matches] == [("patent", patent.id)]


def _hit(stored: dict) -> RankedMatch:
    return RankedMatch(1, 5.0, (("电池", ("body",)),), stored)


def test_ranking_reads_the_predictions_of_both_sides():
    model = tiny_model()
    mq = MatchQuery((), (KeyTerm("电池", 1.0, ("body",)),), inferred=model.predict("锂离子电池储能"))
    agrees = _hit({"inferred": inference.encode(model.predict("锂电池正极材料")), "ipc": "H01M"})
    differs = _hit({"inferred": inference.encode(model.predict("小麦播种")), "ipc": "A01C"})
    with_agreement = match_features(mq, agrees, 5.0)
    without = match_features(mq, differs, 5.0)
    # The seven BM25 figures, then field, IPC subclass and discipline agreement (log scale).
    assert len(with_agreement) == len(CALIBRATION_INFERRED["result"]) == len(CALIBRATION["result"]) + 3
    assert with_agreement[:7] == without[:7]
    assert all(a > b for a, b in zip(with_agreement[7:], without[7:], strict=True))
    assert with_agreement[8] > math.log(0.5)  # the target's own subclass H01M is the predicted one
    for model_name in ("result", "patent"):
        assert calibrated(model_name, with_agreement) > calibrated(model_name, without)
    # Without a prediction of the source, the figures and the calibration are as before.
    plain = MatchQuery(mq.clauses, mq.terms)
    assert len(match_features(plain, agrees, 5.0)) == len(CALIBRATION["result"])


def test_a_patent_without_a_field_is_found_by_its_inferred_field(app, client, with_model):
    patent = make_patent(title="一种锂离子电池正极片及电池容量提升方法", ipc_codes=["H01M 4/13"])
    make_patent(title="一种小麦播种装置", ipc_codes=["A01C 7/00"])
    make_result(title="锂电池储能管理", technology_field=ENERGY)
    db.session.refresh(patent)
    assert patent.inferred_field == ENERGY
    # Listing pages: the field filter and its count include it, marked 推断.
    page = client.get("/patents", query_string={"field": ENERGY}).get_data(as_text=True)
    assert "一种锂离子电池正极片" in page and "推断" in page
    assert "一种小麦播种装置" not in page
    listing = client.get("/patents").get_data(as_text=True)
    assert f"{ENERGY}" in listing and "农业" in listing  # offered because patents hold them
    # Search: the filter finds it, the facet counts it with the result that has its own field.
    params = parse_search_args(MultiDict({"field": ENERGY}))
    found = search(params, AnonymousUserMixin()).page
    assert found.total == 2
    views = {v.facet.param: v for v in facet_counts(parse_search_args(MultiDict({})), AnonymousUserMixin())}
    assert {o.value: o.count for o in views["field"].options}[ENERGY] == 2
    page = client.get("/search", query_string={"field": ENERGY, "type": "patent"}, follow_redirects=True)
    page = page.get_data(as_text=True)
    assert "一种锂离子电池正极片" in page and "推断" in page


def test_a_listing_with_its_own_field_keeps_it(app_ctx, with_model):
    result = make_result(title="抗肿瘤药物的临床疗效", technology_field=ENERGY)
    db.session.refresh(result)
    assert result.technology_field == ENERGY and result.inferred_field is None


def test_reasons_say_when_a_field_or_subclass_is_inferred(app_ctx, with_model):
    hidden = make_org("enterprise", name="保密电池企业", district="130108")
    demand = make_demand(
        hidden, title="寻求锂离子电池正极材料", description="提高锂离子电池正极片的容量", hide_name=True
    )
    patent = make_patent(title="一种锂离子电池正极片", ipc_codes=["H01M 4/13"])
    db.session.refresh(demand)
    db.session.refresh(patent)
    assert demand.technology_field is None and demand.inferred_field == ENERGY
    assert "H01M" in demand.inferred_ipc
    texts = [r["text"] for r in structured_reasons(demand, patent)]
    assert f"同属技术领域“{ENERGY}”（推断）" in texts
    assert "同一 IPC 小类 H01M（推断）" in texts
    assert "保密电池企业" not in " ".join(texts) and "区" not in " ".join(texts)


def test_train_model_stores_a_model_and_reports_held_out_accuracy(app, runner):
    with app.app_context():
        path = inference.model_path()
    result = runner.invoke(args=["search", "train-model"])
    assert result.exit_code == 0, result.output
    assert "held-out (odd-numbered rows): field accuracy 0." in result.output
    assert path.exists()
    with app.app_context():
        inference.forget_model()
        assert inference.current_model().predict("小麦品种的抗旱性与产量田间试验").field == FARM
        path.unlink()
        inference.forget_model()
        assert inference.current_model() is None

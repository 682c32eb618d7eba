"""The public search: Chinese queries, filters, tabs, sorting, visibility and hostile input."""

from datetime import timedelta

from marketplace.common.timeutil import beijing_today
from marketplace.extensions import db
from marketplace.search.services import parse_search_args, search
from tests.factories import make_org
from tests.search.factories import make_demand, make_patent, make_result
from tests.search.helpers import found


def test_dictionary_term_ranks_the_listing_that_has_it_whole(corpus):
    # Without the user dictionary jieba cuts 三角模糊数 into 三角/模糊/数.
    whole = make_result(title="基于三角模糊数的供应商评价", abstract="用三角模糊数描述专家打分的不确定性。")
    pieces = make_result(title="三角洲地区的模糊控制灌溉", abstract="在三角洲地区试验模糊控制的灌溉系统。")
    hits = found("三角模糊数")
    assert hits[0] == ("result", whole.id)
    assert ("result", pieces.id) in hits[1:] or ("result", pieces.id) not in hits


def test_chinese_queries_find_titles_abstracts_keywords_and_organisations(corpus):
    org = make_org("university", name="石家庄铁道大学")
    by_title = make_result(org, title="钙钛矿太阳能电池封装工艺", abstract="提高组件在湿热环境下的寿命。")
    by_abstract = make_patent(
        title="一种清洗装置", abstract="用于光伏电站的无水清洗，减少灰尘遮挡造成的发电损失。"
    )
    by_keyword = make_result(title="城市供水管网", abstract="管网运行调度。", keywords=["漏损检测"])
    assert ("result", by_title.id) in found("钙钛矿")
    assert ("patent", by_abstract.id) in found("光伏电站 灰尘")
    assert ("result", by_keyword.id) in found("漏损检测")
    assert ("result", by_title.id) in found("石家庄铁道大学")
    assert found("完全无关的词语组合火星探测器") == [] or all(
        k != "result" or i != by_title.id for k, i in found("火星探测器")
    )


def test_page_has_tabs_with_counts_and_marks_whole_words(client, corpus):
    with client.application.app_context():
        make_result(title="高速涂布工艺", abstract="改善涂布的均匀性。")
        make_patent(title="一种极片涂布装置")
        make_demand(title="寻求涂布烘干节能技术")
    html = client.get("/search/?q=涂布").get_data(as_text=True)
    assert '全部 <span class="badge text-bg-light">3</span>' in html
    assert '专利 <span class="badge text-bg-light">1</span>' in html
    assert "极片<mark>涂布</mark>装置" in html
    html = client.get("/search/?q=涂布&type=patent").get_data(as_text=True)
    assert "极片<mark>涂布</mark>" in html and "烘干节能" not in html


def test_filters_sort_and_pagination(client, corpus):
    with client.application.app_context():
        cheap = make_patent(title="低成本传感器封装", price_fen=50_000_000, patent_type="utility_model")
        dear = make_patent(title="高端传感器封装", price_fen=900_000_000, patent_type="invention")
        free = make_patent(title="传感器封装测试夹具", price_fen=None, legal_status="pending")
        result = make_result(
            title="传感器封装材料", technology_field="新材料及其应用", maturity=6, price_fen=200_000_000
        )
    assert found("传感器封装", patent_type="utility_model") == [("patent", cheap.id)]
    assert found("传感器封装", legal_status="pending") == [("patent", free.id)]
    assert found("传感器封装", field="新材料及其应用") == [("result", result.id)]
    assert found("传感器封装", maturity="6") == [("result", result.id)]
    assert found("传感器封装", ipc="H") and ("result", result.id) not in found("传感器封装", ipc="H")
    assert set(found("传感器封装", price_min="100", price_max="1000")) == {
        ("patent", dear.id),
        ("result", result.id),
    }
    ordered = found("传感器封装", sort="price_asc")
    assert ordered[:3] == [("patent", cheap.id), ("result", result.id), ("patent", dear.id)]
    assert ordered[-1] == ("patent", free.id)  # 面议 last
    assert found("传感器封装", sort="price_desc")[0] == ("patent", dear.id)
    page1 = client.get("/search/?q=传感器封装&per_page=2").get_data(as_text=True)
    assert "第 1/2 页" in page1
    assert "第 2/2 页" in client.get("/search/?q=传感器封装&per_page=2&page=2").get_data(as_text=True)


def test_empty_query_lists_newest_and_empty_state_helps(client, corpus):
    response = client.get("/search/")
    assert response.status_code == 200 and "河北示例大学" in response.get_data(as_text=True)
    html = client.get("/search/?q=火星车着陆缓冲&field=农业").get_data(as_text=True)
    assert "没有找到与“火星车着陆缓冲”相关的信息" in html and "清除全部筛选" in html


def test_only_published_current_listings_are_public(client, corpus, monkeypatch):
    with client.application.app_context():
        make_result(title="水凝胶敷料草稿", status="draft")
        make_result(title="水凝胶敷料撤回", status="withdrawn")
        make_patent(title="水凝胶敷料下架", status="taken_down")
        make_demand(title="水凝胶敷料过期", deadline=beijing_today() - timedelta(days=1))
        later = make_demand(title="水凝胶敷料明天过期", deadline=beijing_today() + timedelta(days=1))
        shown = make_result(title="水凝胶敷料已发布")
        assert found("水凝胶敷料") == [("result", shown.id)] or set(found("水凝胶敷料")) == {
            ("result", shown.id),
            ("demand", later.id),
        }
        # Expiry needs no change to the row: the search masks past deadlines at query time.
        later_day = beijing_today() + timedelta(days=2)
        monkeypatch.setattr("marketplace.search.documents.beijing_today", lambda: later_day)
        monkeypatch.setattr("marketplace.listings.models.beijing_today", lambda: later_day)
        assert found("水凝胶敷料") == [("result", shown.id)]
        assert search(parse_search_args({"q": "水凝胶敷料"}), None).counts["demand"] == 0
        # Withdrawing a published listing removes it.
        shown.status = "withdrawn"
        db.session.commit()
        assert found("水凝胶敷料") == []
    html = client.get("/search/?q=水凝胶敷料").get_data(as_text=True)
    api = client.get("/api/v1/search?q=水凝胶敷料").json
    for word in ("草稿", "撤回", "下架", "过期", "已发布"):
        assert word not in html
    assert api["total"] == 0 and api["items"] == [], api


def test_hidden_demand_owner_never_leaks_through_search(client, corpus):
    with client.application.app_context():
        secret = make_org("enterprise", name="保密机械制造有限公司")
        demand = make_demand(secret, title="寻求齿轮箱降噪方案", hide_name=True)
        demand_id = demand.id
        assert found("保密机械制造") == []
    html = client.get("/search/?q=齿轮箱降噪").get_data(as_text=True)
    assert "方案" in html and "保密机械" not in html and "某企业" in html
    api = client.get("/api/v1/search?q=齿轮箱降噪").json
    item = next(i for i in api["items"] if i["type"] == "demand")
    assert item["id"] == demand_id and item["organisation"] == {"id": None, "name": "某企业"}
    assert "保密机械" not in str(api)


def test_renaming_an_organisation_reindexes_its_listings(app_ctx):
    org = make_org("university", name="燕赵光学研究所")
    result = make_result(org, title="风电叶片无损检测")
    assert found("燕赵光学研究所") == [("result", result.id)]
    org.name = "北辰精密仪器公司"
    db.session.commit()
    assert found("北辰精密仪器公司") == [("result", result.id)]
    assert found("燕赵光学研究所") == []


def test_api_search_by_type_and_documented(client, corpus):
    with client.application.app_context():
        patent = make_patent(title="一种涂布烘箱")
        make_result(title="涂布烘箱节能改造")
        patent_id = patent.id
    data = client.get("/api/v1/search?q=涂布烘箱&type=patent").json
    assert data["total"] == 1 and data["items"][0]["id"] == patent_id
    assert data["items"][0]["publication_number"] == patent.publication_number
    assert "<mark>" in data["items"][0]["snippet"] or data["items"][0]["snippet"] == ""
    assert client.get("/api/v1/search?q=涂布烘箱").json["total"] == 2
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/search" in spec["paths"] and "SearchItem" in spec["components"]["schemas"]


def test_api_items_carry_a_marked_snippet_and_matched_terms_for_title_only_patents(client, corpus):
    with client.application.app_context():
        patent = make_patent(title="一种储能锂电池箱")
        patent.abstract = ""  # bibliographic imports often have a title only
        db.session.commit()
        patent_id = patent.id
    item = client.get("/api/v1/search?q=锂电池&type=patent").json["items"][0]
    assert item["id"] == patent_id
    assert "<mark>" in item["snippet"] and "锂电池" in item["snippet"]
    assert {"term": "锂电池", "fields": ["title"]} in item["matched_terms"]

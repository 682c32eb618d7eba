"""Consistency checks on the demo data files in marketplace/demo/data (no app, standard library only)."""

import csv
import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "marketplace" / "demo" / "data"

TECHNOLOGY_FIELDS = {
    "电子信息",
    "航空航天",
    "先进制造",
    "生物、医药和医疗器械",
    "新材料及其应用",
    "新能源与高效节能",
    "环境保护与资源综合利用",
    "核应用",
    "农业",
    "现代交通",
    "城市建设与社会发展",
}
INDUSTRIES = {"生物医药", "装备制造", "石化/循环化工", "电子信息", "新材料", "现代物流/商贸金融"}
ORG_TYPES = {"university", "institute", "enterprise", "broker", "bureau"}
ZONES = {None, "高新区", "循环化工园区", "综合保税区"}
SOLUTION_MODES = {"independent", "commissioned", "cooperative", "other"}
SHIJIAZHUANG_DISTRICTS = {
    "130100",
    "130102",
    "130104",
    "130105",
    "130107",
    "130108",
    "130109",
    "130110",
    "130111",
    "130121",
    "130123",
    "130125",
    "130126",
    "130127",
    "130128",
    "130129",
    "130130",
    "130131",
    "130132",
    "130133",
    "130181",
    "130183",
    "130184",
}
REGIONS = SHIJIAZHUANG_DISTRICTS | {"130000", "110000", "120000"}
NATURE_BY_TYPE = {
    "university": {"022"},
    "institute": {"021"},
    "enterprise": {"110", "120", "130", "140", "150", "160", "170", "190"},
    "broker": {"150", "160", "170", "900"},
    "bureau": {"010"},
}

# GB 32100: 统一社会信用代码
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc_is_valid(code: str) -> bool:
    if len(code) != 18 or any(ch not in USCC_CHARS for ch in code):
        return False
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(code[:17], USCC_WEIGHTS, strict=True))
    check = 31 - total % 31
    return USCC_CHARS[0 if check == 31 else check] == code[17]


def load_json(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def papers():
    with (DATA / "csl_dev.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def disciplines(papers):
    return {p["discipline"] for p in papers}


@pytest.fixture(scope="module")
def fields():
    return load_json("discipline_fields.json")


@pytest.fixture(scope="module")
def orgs():
    return load_json("organisations.json")


@pytest.fixture(scope="module")
def demands():
    return load_json("demands.json")


def test_check_character_implementation():
    assert uscc_is_valid("91350100M000100Y43")  # the standard's worked example
    assert not uscc_is_valid("91350100M000100Y44")
    assert not uscc_is_valid("91350100M000100Y4")


def test_real_sample_files_are_present_and_complete(papers):
    assert len(papers) == 1000
    assert all({"title", "abstract", "keywords", "discipline", "category"} <= p.keys() for p in papers)
    with (DATA / "patents_dev.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4873
    assert {"publication_number", "title", "ipc_subclasses"} <= rows[0].keys()
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for needle in (
        "ydli-ai/CSL",
        "Apache-2.0",
        "COLING 2022",
        "lxingy3/chinese-patent-ipc-classifier",
        "MIT",
        "CNIPA",
        "organisations.json",
        "demands.json",
        "fictional",
    ):
        assert needle in sources


def test_every_discipline_maps_to_a_valid_field_or_null(fields, disciplines):
    assert len(disciplines) == 67
    assert disciplines <= fields.keys()
    assert fields.keys() <= disciplines, "mapping names a discipline that is not in csl_dev.jsonl"
    for name, entry in fields.items():
        assert set(entry) == {"field", "industry"}, name
        assert entry["field"] is None or entry["field"] in TECHNOLOGY_FIELDS, name
        assert entry["industry"] is None or entry["industry"] in INDUSTRIES, name
        if entry["field"] is None:
            assert entry["industry"] is None, name
    for name, field in {
        "计算机科学与技术": "电子信息",
        "材料科学与工程": "新材料及其应用",
        "药学": "生物、医药和医疗器械",
        "作物学": "农业",
        "交通运输工程": "现代交通",
        "土木工程": "城市建设与社会发展",
        "环境科学与工程": "环境保护与资源综合利用",
        "航空宇航科学与技术": "航空航天",
        "核科学与技术": "核应用",
        "电气工程": "新能源与高效节能",
        "机械工程": "先进制造",
    }.items():
        assert fields[name]["field"] == field
    for name in (
        "法学",
        "哲学",
        "历史学",
        "艺术学",
        "中国语言文学",
        "教育学",
        "应用经济学",
        "政治学",
        "社会学",
    ):
        assert fields[name]["field"] is None


def test_credit_codes_are_valid_and_unique(orgs):
    codes = [o["credit_code"] for o in orgs]
    assert len(set(codes)) == len(codes)
    for org in orgs:
        code = org["credit_code"]
        assert uscc_is_valid(code), (org["key"], code)
        if org["district"] in SHIJIAZHUANG_DISTRICTS:
            assert code[2:8] == org["district"], org["key"]
        elif org["district"] in {"110000", "120000"}:
            assert code[2:4] == org["district"][:2], org["key"]
        expected_prefix = {"university": "12", "institute": "12", "enterprise": "91", "bureau": "11"}
        if org["type"] in expected_prefix:
            assert code.startswith(expected_prefix[org["type"]]), org["key"]


def test_organisations_are_well_formed(orgs):
    keys = [o["key"] for o in orgs]
    names = [o["name"] for o in orgs]
    assert len(set(keys)) == len(keys) and len(set(names)) == len(names)
    counts = Counter(o["type"] for o in orgs)
    assert counts["university"] == 6 and counts["institute"] == 4
    assert 14 <= counts["enterprise"] <= 20
    assert counts["broker"] == 2 and counts["bureau"] == 1
    for org in orgs:
        assert re.fullmatch(r"[a-z][a-z0-9_-]{1,19}", org["key"]), org["key"]
        assert org["type"] in ORG_TYPES
        assert org["district"] in REGIONS, org["key"]
        assert org["zone"] in ZONES, org["key"]
        assert org["nature_code"] in NATURE_BY_TYPE[org["type"]], org["key"]
        assert org["contact_name"] and re.fullmatch(r"0\d{2,3}-\d{8}", org["contact_phone"]), org["key"]
        assert org["description"].endswith("（示例数据）"), org["key"]
        assert isinstance(org["patent_share"], int | float) and org["patent_share"] >= 0
        if org["type"] in ("university", "enterprise"):
            assert org["patent_share"] > 0, org["key"]
        if org["type"] not in ("university", "institute"):
            assert not org.get("disciplines"), org["key"]
    enterprise_regions = {o["district"] for o in orgs if o["type"] == "enterprise"}
    assert {"110000", "120000"} <= enterprise_regions
    bureau = next(o for o in orgs if o["type"] == "bureau")
    assert bureau["name"] == "石家庄市科学技术局" and "演示" in bureau["description"]


def test_each_technical_discipline_is_owned_exactly_once(orgs, fields, disciplines):
    technical = {d for d in disciplines if fields[d]["field"] is not None}
    owned = Counter()
    for org in orgs:
        if org["type"] in ("university", "institute"):
            assert org["disciplines"], org["key"]
            for name in org["disciplines"]:
                assert name in disciplines, (org["key"], name)
                assert fields[name]["field"] is not None, (org["key"], name)
            owned.update(org["disciplines"])
    assert set(owned) == technical
    assert all(n == 1 for n in owned.values()), [d for d, n in owned.items() if n > 1]


def test_demands_are_valid(demands, orgs):
    by_key = {o["key"]: o for o in orgs}
    assert len(demands) >= 40
    titles = [d["title"] for d in demands]
    assert len(set(titles)) == len(titles)
    expected_keys = {
        "org_key",
        "title",
        "description",
        "technical_indicators",
        "expected_outcome",
        "keywords",
        "technology_field",
        "industry",
        "budget_wan",
        "start_date",
        "deadline",
        "solution_mode",
        "hide_name",
    }
    past = 0
    for d in demands:
        assert set(d) == expected_keys, d["title"]
        assert d["org_key"] in by_key, d["org_key"]
        assert by_key[d["org_key"]]["type"] in ("enterprise", "institute"), d["org_key"]
        assert 0 < len(d["title"]) <= 40, d["title"]
        assert 80 <= len(d["description"]) <= 300, d["title"]
        assert re.search(r"\d", d["technical_indicators"]), d["title"]
        assert 0 < len(d["technical_indicators"]) <= 500 and 0 < len(d["expected_outcome"]) <= 500, d["title"]
        assert 1 <= len(d["keywords"]) <= 5 and all(isinstance(k, str) and k.strip() for k in d["keywords"])
        assert d["technology_field"] in TECHNOLOGY_FIELDS, d["title"]
        assert d["industry"] is None or d["industry"] in INDUSTRIES, d["title"]
        assert d["budget_wan"] is None or re.fullmatch(r"\d+(\.\d{1,2})?", d["budget_wan"]), d["title"]
        assert d["solution_mode"] in SOLUTION_MODES, d["title"]
        assert isinstance(d["hide_name"], bool)
        start, deadline = date.fromisoformat(d["start_date"]), date.fromisoformat(d["deadline"])
        assert start < deadline, d["title"]
        if deadline < date(2026, 12, 1):
            past += 1
        else:
            assert deadline <= date(2028, 6, 30), d["title"]
    assert past >= 3
    hidden = sum(d["hide_name"] for d in demands)
    assert len(demands) / 5 <= hidden <= len(demands) / 2
    assert {d["technology_field"] for d in demands} >= {
        "电子信息",
        "先进制造",
        "生物、医药和医疗器械",
        "新材料及其应用",
    }
    assert {d["industry"] for d in demands} >= {"生物医药", "装备制造", "石化/循环化工", "电子信息", "新材料"}

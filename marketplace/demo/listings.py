"""Demo listings: real CSL papers as research results, real CNIPA patents, written demands.

Real records keep only what the data has: no prices, dates or applicants are invented for them.
A patent's type and coarse legal status are read from its publication's kind code (B, U, S: a
grant was published; A: only the application) and the page says the status was derived so. Owners are the fictional demo organisations (see data/SOURCES.md). Rows are inserted in
bulk and the load is idempotent: a record already present for its organisation is skipped.
"""

import csv
import json
import zlib
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import insert, select, update

from marketplace.common.money import parse_amount
from marketplace.common.roles import Role
from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.listings import services
from marketplace.listings.fields import patent_type_from_publication_number
from marketplace.listings.models import Demand, Patent, ResearchResult

# Which IPC sections fit which technology field or industry, to give patents plausible owners.
FIELD_SECTIONS = {
    "电子信息": "GH",
    "航空航天": "BFG",
    "先进制造": "BFG",
    "生物、医药和医疗器械": "AC",
    "新材料及其应用": "CB",
    "新能源与高效节能": "HF",
    "环境保护与资源综合利用": "CBE",
    "核应用": "GH",
    "农业": "A",
    "现代交通": "BGE",
    "城市建设与社会发展": "E",
}
INDUSTRY_SECTIONS = {
    "生物医药": "AC",
    "装备制造": "BF",
    "石化/循环化工": "CB",
    "电子信息": "GH",
    "新材料": "CBD",
    "现代物流/商贸金融": "BG",
}
# Share of patents of each kind that go to enterprises (most utility models are theirs).
ENTERPRISE_SHARE = {"utility_model": 0.85, "invention": 0.3, "design": 0.9}
CHUNK = 1000


def _hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _spread_time(key: str, days: int):
    """A deterministic moment in the past `days` days, so that a re-run gives the same data."""
    return utcnow() - timedelta(days=_hash(key) % days, minutes=_hash(key[::-1]) % 1440)


def _pick(candidates: list[tuple], key: str):
    """Pick one of (org, weight) deterministically by weight."""
    total = sum(weight for _org, weight in candidates)
    point = _hash(key) % total
    for org, weight in candidates:
        if point < weight:
            return org
        point -= weight
    return candidates[-1][0]  # pragma: no cover


def _insert(model, rows: list[dict]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        ids += list(
            db.session.scalars(
                insert(model).returning(model.id, sort_by_parameter_order=True), rows[start : start + CHUNK]
            )
        )
    return ids


def _base_row(org, when, status: str = "published") -> dict:
    return {
        "organisation_id": org.id,
        "created_by_id": None,
        "status": status,
        "takedown_reason": "",
        "private_details": "",
        "transfer_modes": [],
        "created_at": when,
        "updated_at": when,
        "published_at": when if status in ("published", "expired") else None,
    }


def enterprise_industries(demands: list[dict]) -> dict[str, str]:
    """An enterprise's industry: the one most of its demands are in."""
    by_org: dict[str, Counter] = {}
    for demand in demands:
        if demand.get("industry"):
            by_org.setdefault(demand["org_key"], Counter())[demand["industry"]] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in by_org.items()}


def seed_results(data_dir, records: list[dict], orgs: dict) -> int:
    """Research results from the CSL papers, owned by the university or institute of their discipline."""
    mapping = json.loads((data_dir / "discipline_fields.json").read_text(encoding="utf-8"))
    owners: dict[str, list] = {}
    for record in records:
        for discipline in record.get("disciplines") or []:
            owners.setdefault(discipline, []).append((orgs[record["key"]], 1))
    existing = set(db.session.execute(select(ResearchResult.organisation_id, ResearchResult.title)).all())
    rows = []
    with (data_dir / "csl_dev.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            paper = json.loads(line)
            target = mapping.get(paper["discipline"]) or {}
            if not target.get("field") or paper["discipline"] not in owners:
                continue  # non-technical disciplines are left out
            org = _pick(owners[paper["discipline"]], paper["title"])
            title = paper["title"][:200]
            if (org.id, title) in existing:
                continue
            existing.add((org.id, title))
            row = _base_row(org, _spread_time(title, 420))
            row.update(
                title=title,
                abstract=paper.get("abstract") or "",
                keywords=[k for k in paper.get("keywords") or [] if k][:10],
                technology_field=target["field"],
                industry=target.get("industry"),
                form=None,
                maturity=None,
                technical_level="",
                completers=[],
                contact_name="",
                contact_phone="",
                price_fen=None,
            )
            rows.append(row)
    ids = _insert(ResearchResult, rows)
    services.after_bulk_import("result", ids)
    return len(ids)


def seed_patents(data_dir, records: list[dict], orgs: dict, industries: dict[str, str]) -> int:
    """Patents from the CNIPA sample, spread over universities, institutes and enterprises."""
    mapping = json.loads((data_dir / "discipline_fields.json").read_text(encoding="utf-8"))
    academic, enterprise = [], []
    for record in records:
        share = record.get("patent_share") or 0
        if not share:
            continue
        org = orgs[record["key"]]
        if record["type"] in (Role.UNIVERSITY, Role.INSTITUTE):
            sections = {
                s
                for d in record.get("disciplines") or []
                for s in FIELD_SECTIONS.get((mapping.get(d) or {}).get("field") or "", "")
            }
            academic.append((org, share, sections))
        elif record["type"] == Role.ENTERPRISE:
            sections = set(INDUSTRY_SECTIONS.get(industries.get(record["key"], ""), "BG"))
            enterprise.append((org, share, sections))
    existing = set(db.session.execute(select(Patent.organisation_id, Patent.publication_number)).all())
    rows = []
    with (data_dir / "patents_dev.csv").open(encoding="utf-8", newline="") as handle:
        for patent in csv.DictReader(handle):
            number = patent["publication_number"].strip()
            ptype = patent_type_from_publication_number(number)
            subclasses = [s.strip() for s in patent["ipc_subclasses"].split("|") if s.strip()]
            section = subclasses[0][0] if subclasses else ""
            to_enterprise = (_hash(number + "e") % 100) < ENTERPRISE_SHARE.get(ptype or "", 0.5) * 100
            pool = enterprise if to_enterprise else academic
            fitting = [(org, share) for org, share, sections in pool if section in sections]
            org = _pick(fitting or [(org, share) for org, share, _s in pool], number)
            if (org.id, number) in existing:
                continue
            existing.add((org.id, number))
            row = _base_row(org, _spread_time(number, 480))
            row.update(
                title=patent["title"].strip()[:200],
                application_number=None,
                publication_number=number,
                patent_type=ptype,
                abstract="",
                ipc_codes=subclasses,
                applicants=[],
                inventors=[],
                filing_date=None,
                grant_date=None,
                **derived_legal_status(number),
                price_fen=None,
            )
            rows.append(row)
    ids = _insert(Patent, rows)
    services.after_bulk_import("patent", ids)
    return len(ids)


GRANT_NOTE = "据公告号类型（B/U/S 为授权公告）推定；年费缴纳情况未核实，以国家知识产权局登记为准"
APPLICATION_NOTE = "据公告号类型（A 为申请公布）推定；之后可能已授权或驳回，以国家知识产权局登记为准"


def derived_legal_status(publication_number: str) -> dict:
    """The status a publication's kind code shows, marked as derived (the data has no status)."""
    kind = publication_number.rstrip("0123456789")[-1:]
    if kind in ("B", "C", "U", "Y", "S"):
        return {"legal_status": "valid", "legal_status_detail": "授权", "legal_status_note": GRANT_NOTE}
    if kind == "A":
        return {
            "legal_status": "pending",
            "legal_status_detail": "公布",
            "legal_status_note": APPLICATION_NOTE,
        }
    return {"legal_status": None, "legal_status_detail": "", "legal_status_note": ""}


def backfill_patent_status(data_dir) -> int:
    """Give demo patents seeded before statuses were derived the derived status (idempotent)."""
    with (data_dir / "patents_dev.csv").open(encoding="utf-8", newline="") as handle:
        numbers = {row["publication_number"].strip() for row in csv.DictReader(handle)}
    rows = [
        {"id": pid, **derived_legal_status(number)}
        for pid, number in db.session.execute(
            select(Patent.id, Patent.publication_number).where(
                Patent.legal_status.is_(None), Patent.application_number.is_(None)
            )
        )
        if number in numbers
    ]
    if rows:
        db.session.execute(update(Patent), rows)
        services.after_bulk_import("patent", [r["id"] for r in rows])
    return len(rows)


def seed_demands(demands: list[dict], orgs: dict) -> int:
    """The written sample demands of the demo enterprises (marked as samples in SOURCES.md)."""
    existing = set(db.session.execute(select(Demand.organisation_id, Demand.title)).all())
    today = beijing_today()
    rows = []
    for demand in demands:
        org = orgs[demand["org_key"]]
        if (org.id, demand["title"]) in existing:
            continue
        deadline = date.fromisoformat(demand["deadline"])
        status = "expired" if deadline < today else "published"
        row = _base_row(org, _spread_time(demand["title"], 90), status)
        budget = demand.get("budget_wan")
        row.update(
            title=demand["title"],
            description=demand.get("description") or "",
            technical_indicators=demand.get("technical_indicators") or "",
            expected_outcome=demand.get("expected_outcome") or "",
            keywords=demand.get("keywords") or [],
            technology_field=demand.get("technology_field"),
            industry=demand.get("industry"),
            budget_fen=parse_amount(str(budget), "wan") if budget not in (None, "") else None,
            start_date=date.fromisoformat(demand["start_date"]) if demand.get("start_date") else None,
            deadline=deadline,
            solution_mode=demand.get("solution_mode"),
            partner_preference="",
            hide_name=bool(demand.get("hide_name")),
        )
        rows.append(row)
    ids = _insert(Demand, rows)
    services.after_bulk_import("demand", ids)
    return len(ids)


def seed_listings(data_dir, records: list[dict], orgs: dict, progress=print) -> None:
    demands = json.loads((data_dir / "demands.json").read_text(encoding="utf-8"))
    results = seed_results(data_dir, records, orgs)
    patents = seed_patents(data_dir, records, orgs, enterprise_industries(demands))
    backfill_patent_status(data_dir)
    new_demands = seed_demands(demands, orgs)
    db.session.flush()
    progress(f"新增科技成果 {results} 条、专利 {patents} 条、技术需求 {new_demands} 条")

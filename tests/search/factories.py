"""Listings for search tests, made through the ORM so the outbox events see them."""

import itertools
from datetime import timedelta

from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent, ResearchResult
from tests.factories import make_org

_seq = itertools.count(1)


def _org(org, org_type):
    return org if org is not None else make_org(org_type)


def make_result(
    org=None, *, title="锂离子电池低温电解液", abstract="", status="published", commit=True, **kw
):
    result = ResearchResult(
        organisation=_org(org, "university"),
        title=title,
        abstract=abstract or f"{title}的研制与应用，改善低温环境下的容量保持率。",
        keywords=kw.pop("keywords", []),
        status=status,
        published_at=utcnow() if status == "published" else None,
        **kw,
    )
    db.session.add(result)
    if commit:
        db.session.commit()
    return result


def make_patent(
    org=None, *, title="一种光伏组件清洗机器人", abstract="", status="published", commit=True, **kw
):
    n = next(_seq)
    patent = Patent(
        organisation=_org(org, "university"),
        title=title,
        abstract=abstract or f"{title}，包括行走机构和清洗刷。",
        application_number=kw.pop("application_number", f"CN2023{n:07d}"),
        publication_number=kw.pop("publication_number", f"CN{n:09d}A"),
        patent_type=kw.pop("patent_type", "invention"),
        legal_status=kw.pop("legal_status", "valid"),
        ipc_codes=kw.pop("ipc_codes", ["H02S 40/10"]),
        status=status,
        published_at=utcnow() if status == "published" else None,
        **kw,
    )
    db.session.add(patent)
    if commit:
        db.session.commit()
    return patent


def make_demand(
    org=None, *, title="寻求锂电池低温性能提升技术", description="", status="published", commit=True, **kw
):
    demand = Demand(
        organisation=_org(org, "enterprise"),
        title=title,
        description=description or "我公司生产的锂离子电池在零下二十度时容量衰减严重，希望改进电解液配方。",
        keywords=kw.pop("keywords", []),
        deadline=kw.pop("deadline", beijing_today() + timedelta(days=60)),
        status=status,
        published_at=utcnow() if status == "published" else None,
        **kw,
    )
    db.session.add(demand)
    if commit:
        db.session.commit()
    return demand

"""Listings for search tests, made through the ORM so the outbox events see them."""

import itertools
from datetime import timedelta

from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.listings.models import Demand, Patent, ResearchResult
from tests.factories import add_listing, make_org

_seq = itertools.count(1)


def _org(org, org_type):
    return org if org is not None else make_org(org_type)


def _published_at(status):
    return utcnow() if status == "published" else None


def make_result(
    org=None, *, title="锂离子电池低温电解液", abstract="", status="published", commit=True, **kw
):
    defaults = {
        "organisation": _org(org, "university"),
        "title": title,
        "abstract": abstract or f"{title}的研制与应用，改善低温环境下的容量保持率。",
        "keywords": [],
        "status": status,
        "published_at": _published_at(status),
    }
    return add_listing(ResearchResult, defaults, kw, commit=commit)


def make_patent(
    org=None, *, title="一种光伏组件清洗机器人", abstract="", status="published", commit=True, **kw
):
    n = next(_seq)
    defaults = {
        "organisation": _org(org, "university"),
        "title": title,
        "abstract": abstract or f"{title}，包括行走机构和清洗刷。",
        "application_number": f"CN2023{n:07d}",
        "publication_number": f"CN{n:09d}A",
        "patent_type": "invention",
        "legal_status": "valid",
        "ipc_codes": ["H02S 40/10"],
        "status": status,
        "published_at": _published_at(status),
    }
    return add_listing(Patent, defaults, kw, commit=commit)


def make_demand(
    org=None, *, title="寻求锂电池低温性能提升技术", description="", status="published", commit=True, **kw
):
    defaults = {
        "organisation": _org(org, "enterprise"),
        "title": title,
        "description": description
        or "我公司生产的锂离子电池在零下二十度时容量衰减严重，希望改进电解液配方。",
        "keywords": [],
        "deadline": beijing_today() + timedelta(days=60),
        "status": status,
        "published_at": _published_at(status),
    }
    return add_listing(Demand, defaults, kw, commit=commit)

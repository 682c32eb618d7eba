"""Factories for listings tests."""

from datetime import date, timedelta

from marketplace.common.timeutil import beijing_today
from marketplace.listings.models import Demand, Patent, ResearchResult
from tests.factories import add_listing


def make_patent(org, *, status="published", **kw) -> Patent:
    defaults = {
        "organisation_id": org.id,
        "title": "一种测试用的锂电池正极材料",
        "status": status,
        "application_number": "201710601862.3",
        "patent_type": "invention",
        "ipc_codes": ["H01M 4/36"],
    }
    return add_listing(Patent, defaults, kw)


def make_result(org, *, status="published", **kw) -> ResearchResult:
    defaults = {
        "organisation_id": org.id,
        "title": "高强韧钛合金短流程制备技术",
        "status": status,
        "technology_field": "新材料及其应用",
    }
    return add_listing(ResearchResult, defaults, kw)


def make_demand(org, *, status="published", **kw) -> Demand:
    defaults = {
        "organisation_id": org.id,
        "title": "高速压片机在线检测系统开发",
        "status": status,
        "deadline": beijing_today() + timedelta(days=90),
        "technology_field": "先进制造",
    }
    return add_listing(Demand, defaults, kw)


PAST = date(2020, 1, 1)

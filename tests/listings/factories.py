"""Factories for listings tests."""

from datetime import date, timedelta

from marketplace.common.timeutil import beijing_today
from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent, ResearchResult


def make_patent(org, *, status="published", **kw) -> Patent:
    patent = Patent(
        organisation_id=org.id,
        title=kw.pop("title", "一种测试用的锂电池正极材料"),
        status=status,
        application_number=kw.pop("application_number", "201710601862.3"),
        patent_type=kw.pop("patent_type", "invention"),
        ipc_codes=kw.pop("ipc_codes", ["H01M 4/36"]),
        **kw,
    )
    db.session.add(patent)
    db.session.commit()
    return patent


def make_result(org, *, status="published", **kw) -> ResearchResult:
    result = ResearchResult(
        organisation_id=org.id,
        title=kw.pop("title", "高强韧钛合金短流程制备技术"),
        status=status,
        technology_field=kw.pop("technology_field", "新材料及其应用"),
        **kw,
    )
    db.session.add(result)
    db.session.commit()
    return result


def make_demand(org, *, status="published", **kw) -> Demand:
    demand = Demand(
        organisation_id=org.id,
        title=kw.pop("title", "高速压片机在线检测系统开发"),
        status=status,
        deadline=kw.pop("deadline", beijing_today() + timedelta(days=90)),
        technology_field=kw.pop("technology_field", "先进制造"),
        **kw,
    )
    db.session.add(demand)
    db.session.commit()
    return demand


PAST = date(2020, 1, 1)

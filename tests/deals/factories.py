"""Published listings and inquiries for the deals tests, built with the ORM directly."""

import itertools
from datetime import date, timedelta

from marketplace.common.timeutil import utcnow
from marketplace.deals import services
from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent, ResearchResult
from tests.factories import add_listing

_seq = itertools.count(1)


def _org_id(owner) -> int:
    # Accept a user or an organisation.
    return getattr(owner, "organisation_id", None) or owner.id


def make_patent(owner, **kw) -> Patent:
    n = next(_seq)
    defaults = {
        "title": f"一种测试装置{n}",
        "organisation_id": _org_id(owner),
        "status": "published",
        "abstract": "公开摘要",
        "private_details": f"专利私密资料{n}",
        "published_at": utcnow(),
    }
    return add_listing(Patent, defaults, kw)


def make_result(owner, **kw) -> ResearchResult:
    n = next(_seq)
    defaults = {
        "title": f"测试成果{n}",
        "organisation_id": _org_id(owner),
        "status": "published",
        "technology_field": "新材料及其应用",
        "private_details": f"成果私密资料{n}",
        "contact_name": f"成果联系人{n}",
        "contact_phone": f"1380000{n:04d}",
        "published_at": utcnow(),
    }
    return add_listing(ResearchResult, defaults, kw)


def make_demand(owner, **kw) -> Demand:
    n = next(_seq)
    defaults = {
        "title": f"测试需求{n}",
        "organisation_id": _org_id(owner),
        "status": "published",
        "deadline": date.today() + timedelta(days=90),
        "technology_field": "先进制造",
        "private_details": f"需求私密资料{n}",
        "hide_name": False,
        "published_at": utcnow(),
    }
    return add_listing(Demand, defaults, kw)


def send(user, listing, **kw):
    """Send an inquiry about a patent/result through the service and commit."""
    inquiry = services.send_inquiry(
        user,
        listing_kind=listing.kind,
        listing_id=listing.id,
        purpose=kw.pop("purpose", "license"),
        message=kw.pop("message", "希望了解许可条件"),
        wants_private_details=kw.pop("wants_private_details", True),
        **kw,
    )
    db.session.commit()
    return inquiry


def offer(user, result, demand, **kw):
    inquiry = services.offer_result(
        user,
        demand_id=demand.id,
        result_id=result.id,
        purpose=kw.pop("purpose", "cooperation"),
        message=kw.pop("message", "我校成果可解决该问题"),
        wants_private_details=kw.pop("wants_private_details", True),
    )
    db.session.commit()
    return inquiry


def accept(user, inquiry):
    deal = services.accept_inquiry(user, inquiry)
    db.session.commit()
    return deal

"""Broker profiles and help requests for the brokers tests, built through the ORM or the services."""

import itertools
from datetime import date

from marketplace.brokers.models import BrokerField, BrokerProfile, BrokerRegion, BrokerRequest
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db

_seq = itertools.count(1)


def make_profile(user, *, status: str = "verified", level: str = "intermediate", **kw) -> BrokerProfile:
    """A profile for the user at their organisation, verified unless told otherwise."""
    n = next(_seq)
    fields = kw.pop("fields", None) or ["先进制造"]
    regions = kw.pop("regions", None) or ["130104"]
    profile = BrokerProfile(
        user_id=user.id,
        organisation_id=user.organisation_id,
        name=kw.pop("name", f"经纪人{n}"),
        level=level,
        certificate_number=kw.pop("certificate_number", f"JJR{n:06d}"),
        certificate_issuer=kw.pop("certificate_issuer", "河北省技术市场协会"),
        certificate_date=kw.pop("certificate_date", date(2024, 5, 1)),
        evidence_path=kw.pop("evidence_path", None),
        evidence_filename=kw.pop("evidence_filename", None),
        evidence_mimetype=kw.pop("evidence_mimetype", None),
        introduction=kw.pop("introduction", "测试简介"),
        status=status,
        reviewed_at=utcnow() if status == "verified" else None,
        **kw,
    )
    profile.field_rows = [BrokerField(field=f) for f in fields]
    profile.region_rows = [BrokerRegion(region_code=c) for c in regions]
    db.session.add(profile)
    db.session.flush()
    return profile


def make_request(profile, enterprise_user, demand, *, status: str = "pending") -> BrokerRequest:
    request = BrokerRequest(
        profile_id=profile.id,
        demand_id=demand.id,
        requester_org_id=enterprise_user.organisation_id,
        requested_by_id=enterprise_user.id,
        message="请协助对接",
        status=status,
        open_key=f"{profile.id}:{demand.id}" if status in ("pending", "accepted") else None,
    )
    db.session.add(request)
    db.session.flush()
    return request

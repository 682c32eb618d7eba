"""The listing lifecycle: drafts, publishing, withdrawal, confirmation, take-down, expiry, audit."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.common.audit import AuditLog
from marketplace.common.errors import Conflict, PermissionDenied, ValidationError
from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.listings import services
from marketplace.listings.models import Demand
from tests.listings.factories import make_demand, make_patent


def _values(kind, **raw):
    return services.clean_or_raise(kind, raw)


def _actions(obj) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditLog.action)
            .where(AuditLog.object_type == obj.__tablename__, AuditLog.object_id == obj.id)
            .order_by(AuditLog.id)
        )
    )


def test_lifecycle_is_audited(people):
    user = people["enterprise"]
    demand = services.create_listing(user, "demand", _values("demand", title="需求", deadline="2099-01-01"))
    assert demand.status == "draft"
    services.publish_listing(user, demand)
    assert demand.status == "published" and demand.published_at
    services.update_listing(people["colleague"], demand, {"title": "改过的需求"})
    services.withdraw_listing(user, demand)
    assert demand.status == "withdrawn"
    services.publish_listing(user, demand)
    db.session.commit()
    assert _actions(demand) == [
        "demand.create",
        "demand.publish",
        "demand.update",
        "demand.withdraw",
        "demand.publish",
    ]
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "demand.update"))
    assert entry.before_data == {"title": "需求"} and entry.after_data == {"title": "改过的需求"}


def test_unverified_organisation_keeps_drafts_but_cannot_publish(people):
    user = people["unverified"]
    demand = services.create_listing(user, "demand", _values("demand", title="需求", deadline="2099-01-01"))
    with pytest.raises(PermissionDenied, match="认证"):
        services.publish_listing(user, demand)
    assert demand.status == "draft"


@pytest.mark.parametrize(
    ("role", "kind", "allowed"),
    [
        ("university", "patent", True),
        ("university", "result", True),
        ("university", "demand", False),
        ("institute", "demand", True),
        ("institute", "result", True),
        ("enterprise", "patent", True),
        ("enterprise", "result", False),
        ("enterprise", "demand", True),
        ("broker", "patent", False),
        ("bureau", "demand", False),
    ],
)
def test_who_posts_what(people, role, kind, allowed):
    raw = {"title": "标题", "deadline": "2099-01-01"} if kind == "demand" else {"title": "标题"}
    if allowed:
        assert services.create_listing(people[role], kind, _values(kind, **raw)).id
    else:
        with pytest.raises(PermissionDenied):
            services.create_listing(people[role], kind, _values(kind, **raw))


def test_other_organisations_cannot_change_a_listing(people):
    demand = make_demand(people["enterprise"].organisation)
    for action in (services.withdraw_listing, services.publish_listing, services.confirm_listing):
        with pytest.raises(PermissionDenied):
            action(people["rival"], demand)
    with pytest.raises(PermissionDenied):
        services.update_listing(people["rival"], demand, {"title": "x"})
    assert demand.status == "published" and demand.title != "x"


def test_bureau_takes_down_with_a_reason_and_owner_cannot_republish(people):
    patent = make_patent(people["university"].organisation)
    with pytest.raises(PermissionDenied):
        services.take_down_listing(people["broker"], patent, "不实")
    with pytest.raises(ValidationError):
        services.take_down_listing(people["bureau"], patent, "  ")
    services.take_down_listing(people["bureau"], patent, "专利已失效，信息不实")
    db.session.commit()
    assert patent.status == "taken_down" and patent.takedown_reason == "专利已失效，信息不实"
    with pytest.raises(Conflict, match="专利已失效"):
        services.publish_listing(people["university"], patent)
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "patent.take_down"))
    assert entry.actor_id == people["bureau"].id and "专利已失效" in entry.summary


def test_demands_expire_after_their_deadline(people):
    org = people["enterprise"].organisation
    old = make_demand(org, deadline=beijing_today() - timedelta(days=1))
    today = make_demand(org, deadline=beijing_today(), title="今天截止")
    assert old.effective_status == "expired" and old.status_label == "已过期"
    assert today.effective_status == "published"
    assert services.expire_demands() == 1
    db.session.commit()
    assert db.session.get(Demand, old.id).status == "expired"
    assert db.session.get(Demand, today.id).status == "published"
    assert _actions(old) == ["demand.expire"]


def test_publishing_a_demand_past_its_deadline_is_refused(people):
    demand = make_demand(
        people["enterprise"].organisation, status="draft", deadline=beijing_today() - timedelta(days=3)
    )
    with pytest.raises(ValidationError, match="截止日期"):
        services.publish_listing(people["enterprise"], demand)


def test_stale_listings_and_confirmation(people):
    org = people["university"].organisation
    old = utcnow() - timedelta(days=400)
    patent = make_patent(org, updated_at=old, created_at=old)
    fresh = make_patent(org, title="新专利", application_number=None)
    assert patent.is_stale and not fresh.is_stale
    assert services.stale_listings(org.id) == [patent]
    services.confirm_listing(people["university"], patent)
    db.session.commit()
    assert not patent.is_stale and services.stale_listings(org.id) == []


def test_result_links_only_own_patents(people):
    own = make_patent(people["university"].organisation)
    other = make_patent(people["enterprise"].organisation, application_number=None)
    user = people["university"]
    result = services.create_listing(user, "result", _values("result", title="成果", patent_ids=[own.id]))
    assert [p.id for p in result.patents] == [own.id]
    with pytest.raises(ValidationError, match=str(other.id)):
        services.update_listing(user, result, {"patent_ids": [own.id, other.id]})

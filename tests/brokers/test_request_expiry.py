"""Help requests a broker leaves unanswered for 30 days close by themselves, and both sides are told."""

from datetime import timedelta

from flask_babel import force_locale

from marketplace.brokers.requests import expire_requests
from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.notices.models import Notice
from tests.brokers.factories import make_profile, make_request
from tests.deals.factories import make_demand


def test_an_unanswered_request_older_than_30_days_is_closed_with_a_notice(cast):
    profile = make_profile(cast.broker)
    stale = make_request(profile, cast.enterprise, cast.demand)
    stale.created_at = utcnow() - timedelta(days=31)
    other_demand = make_demand(cast.enterprise, title="另一项需求")
    fresh = make_request(profile, cast.enterprise, other_demand)
    fresh.created_at = utcnow() - timedelta(days=29)
    third_demand = make_demand(cast.enterprise, title="第三项需求")
    accepted = make_request(profile, cast.enterprise, third_demand, status="accepted")
    accepted.created_at = utcnow() - timedelta(days=90)
    db.session.commit()

    assert expire_requests(beijing_today()) == 1
    db.session.commit()
    assert (stale.status, stale.open_key) == ("ended", None) and stale.ended_at is not None
    assert fresh.status == "pending" and accepted.status == "accepted"
    told = db.session.scalar(
        db.select(Notice).where(Notice.organisation_id == cast.enterprise.organisation_id)
    )
    assert told.title == f"您请{profile.name}协助对接《高强度齿轮热处理工艺》的请求 30 天未获答复，已自动关闭"
    broker_notice = db.session.scalar(
        db.select(Notice).where(Notice.organisation_id == profile.organisation_id)
    )
    assert broker_notice.title == "关于《高强度齿轮热处理工艺》的协助请求 30 天未答复，已自动关闭"
    with force_locale("en"):
        assert "no reply in 30 days" in told.shown_title
    assert expire_requests(beijing_today()) == 0  # nothing left to close, nobody told twice
    assert expire_requests(beijing_today() + timedelta(days=2)) == 1  # the fresh one, two days on

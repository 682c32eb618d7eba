"""The daily match digest: one notice per user, new pairs only, preferences respected."""

from datetime import timedelta

from sqlalchemy import select, update

from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.notices.models import Notice
from marketplace.search.digest import send_digests
from marketplace.search.models import MatchDigestPreference, MatchDismissal, SearchMatch
from tests.factories import login, make_user
from tests.search.test_matching import _world


def _digests(user):
    return db.session.scalars(select(Notice).where(Notice.user_id == user.id, Notice.kind == "match")).all()


def test_a_user_gets_one_digest_of_new_matches_once(app, corpus):
    owner, uni, demand, result, patent = _world()
    # No notice at the moment a match is found any more: they wait for the digest.
    assert _digests(uni) == [] and _digests(owner) == []
    report = send_digests(beijing_today())
    (notice,) = _digests(uni)
    assert "今日新匹配" in notice.title and demand.title in notice.body and result.title in notice.body
    assert owner.organisation.name not in notice.body  # the demand hides its owner
    (mine,) = _digests(owner)
    assert result.title in mine.body or patent.title in mine.body
    assert "match digest: 2 user(s)" in report
    # The next day nothing new: no second digest.
    assert send_digests(beijing_today() + timedelta(days=1)) == "match digest: 0 user(s), 0 match(es)"
    assert len(_digests(uni)) == 1


def test_listings_published_long_ago_are_not_news(app, corpus):
    owner, uni, demand, result, patent = _world()
    # Listings loaded long ago (as the demo data is) are not news.
    for model in LISTING_MODELS.values():
        db.session.execute(update(model).values(published_at=utcnow() - timedelta(days=5)))
    db.session.commit()
    send_digests(beijing_today())
    assert _digests(uni) == [] and _digests(owner) == []


def test_dismissed_pairs_and_preferences_are_respected(app, corpus):
    owner2, uni2, demand2, result2, patent2 = _world()
    db.session.add(MatchDigestPreference(user_id=uni2.id, digest=False, email=False))
    db.session.add(
        MatchDismissal(
            organisation_id=owner2.organisation.id,
            source_kind="demand",
            source_id=demand2.id,
            target_kind="result",
            target_id=result2.id,
        )
    )
    db.session.add(MatchDigestPreference(user_id=owner2.id, digest=True, email=False, min_score=0))
    db.session.commit()
    send_digests(beijing_today())
    assert _digests(uni2) == []
    (notice,) = _digests(owner2)
    lines = notice.body.splitlines()
    assert any(patent2.title in line for line in lines)
    assert not any(f"成果「{result2.title}」" in line for line in lines)  # marked 不相关


def test_preferences_are_saved_from_the_profile_page(app_ctx, client):
    user = make_user("enterprise")
    login(client, user)
    page = client.get("/account/profile").get_data(as_text=True)
    assert "匹配提醒" in page and "最低匹配度" in page
    response = client.post("/search/digest", data={"email": "y", "min_score": "70"}, follow_redirects=True)
    assert "匹配提醒设置已保存" in response.get_data(as_text=True)
    pref = db.session.get(MatchDigestPreference, user.id)
    assert (pref.digest, pref.email, pref.min_score) == (False, True, 70)
    response = client.post("/search/digest", data={"digest": "y", "min_score": "170"}, follow_redirects=True)
    assert "0 至 100" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MatchDigestPreference, user.id).min_score == 70


def test_stored_matches_stay_when_digest_runs(app, corpus):
    owner, uni, demand, result, patent = _world()
    before = db.session.scalar(select(db.func.count(SearchMatch.id)))
    send_digests(beijing_today())
    assert db.session.scalar(select(db.func.count(SearchMatch.id))) == before

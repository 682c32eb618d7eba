"""The daily match digest: at 08:00 Beijing time, one notice per user listing the new matches of
their organisation's listings (in-site, and by e-mail for users who opt in).

New: a stored match shown on the listing's page (above the cut-off or the user's own minimum
score, not marked 不相关, both listings still public), not yet reported to this user, whose newer
listing was published since the user's last digest (the day before, for a first one). Matches
among listings loaded as demo data are older than that and never reported; a pair no longer in
the stored list is not reported because only the current lists are read.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.common.i18n import N_
from marketplace.common.kinds import KIND_LABELS
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.notices.services import notify
from marketplace.search.match_lists import display_cutoff
from marketplace.search.models import (
    MatchDigestPreference,
    MatchDigestSent,
    MatchDismissal,
    SearchMatch,
)
from marketplace.search.urls import listing_url

DIGEST_HOUR = 8  # Beijing time
MAX_LINES = 20


def preference(user_id: int) -> MatchDigestPreference:
    """A user's digest preference (defaults when none is stored; not added to the session)."""
    found = db.session.get(MatchDigestPreference, user_id)
    return found or MatchDigestPreference(user_id=user_id, digest=True, email=False, min_score=None)


def save_preference(user, *, digest: bool, email: bool, min_score: int | None) -> MatchDigestPreference:
    pref = db.session.get(MatchDigestPreference, user.id)
    if pref is None:
        pref = MatchDigestPreference(user_id=user.id)
        db.session.add(pref)
    pref.digest, pref.email, pref.min_score = digest, email, min_score
    db.session.flush()
    return pref


def _org_listings(org_id: int) -> dict[str, dict[int, object]]:
    out = {}
    for kind, model in LISTING_MODELS.items():
        rows = db.session.scalars(
            select(model).where(model.organisation_id == org_id, model.status == "published")
        ).all()
        out[kind] = {r.id: r for r in rows}
    return out


def new_matches(user, since, pref: MatchDigestPreference) -> list[tuple]:
    """(source, target, score) pairs to report to a user (see the module's docstring)."""
    own = _org_listings(user.organisation_id)
    sent = {
        (r.source_kind, r.source_id, r.target_kind, r.target_id)
        for r in db.session.scalars(select(MatchDigestSent).where(MatchDigestSent.user_id == user.id))
    }
    dismissed = {
        (r.source_kind, r.source_id, r.target_kind, r.target_id)
        for r in db.session.scalars(
            select(MatchDismissal).where(MatchDismissal.organisation_id == user.organisation_id)
        )
    }
    out = []
    for kind, listings in own.items():
        if not listings:
            continue
        rows = db.session.execute(
            select(
                SearchMatch.source_id, SearchMatch.target_kind, SearchMatch.target_id, SearchMatch.score
            ).where(SearchMatch.source_kind == kind, SearchMatch.source_id.in_(list(listings)))
        ).all()
        for source_id, target_kind, target_id, score in rows:
            key = (kind, source_id, target_kind, target_id)
            floor = display_cutoff(kind, target_kind) if pref.min_score is None else pref.min_score / 100
            if score < floor or key in sent or key in dismissed:
                continue
            source = listings[source_id]
            target = db.session.get(LISTING_MODELS[target_kind], target_id)
            if target is None or not target.is_public or target.organisation_id == user.organisation_id:
                continue
            newest = max(d for d in (source.published_at, target.published_at) if d is not None)
            if newest < since:
                continue
            out.append((source, target, score))
    out.sort(key=lambda p: -p[2])
    return out


def send_digests(today: date) -> str:
    """The daily job: one digest notice per user with new matches; returns a short report."""
    now = utcnow()
    users = db.session.scalars(
        select(User).where(
            User.organisation_id.is_not(None), User.is_disabled.is_(False), User.membership == "active"
        )
    ).all()
    sent_users = pairs = 0
    for user in users:
        pref = preference(user.id)
        if not pref.digest:
            continue
        since = pref.last_sent_at or now - timedelta(days=1)
        found = new_matches(user, since, pref)
        stored = db.session.get(MatchDigestPreference, user.id)
        if stored is None:
            stored = MatchDigestPreference(user_id=user.id, digest=True, email=False)
            db.session.add(stored)
        if not found:
            stored.last_sent_at = now
            continue
        lines = [
            # A demand is named by its title only: a hidden owner never appears in a digest.
            (
                N_("· 您的%(kind_label)s「%(source)s」— %(target_label)s「%(target)s」匹配度 %(percent)s"),
                {
                    "kind_label": KIND_LABELS[source.kind],
                    "source": source.title,
                    "target_label": KIND_LABELS[target.kind],
                    "target": target.title,
                    "percent": round(score * 100),
                },
            )
            for source, target, score in found[:MAX_LINES]
        ]
        more = len(found) - MAX_LINES
        if more > 0:
            lines.append((N_("另有 %(n)s 条，请到各条目的匹配列表查看。"), {"n": more}))
        first = found[0][0]
        notice = notify(
            user.organisation_id,
            "match",
            N_("今日新匹配 %(n)s 条"),
            params={"n": len(found)},
            lines=lines,
            url=listing_url(first.kind, first.id),
            subject_key=f"match-digest:{today.isoformat()}",
            email=pref.email,
            user_id=user.id,
        )
        if notice is None:
            continue  # today's digest was already made: these pairs wait for tomorrow's
        stored.last_sent_at = now
        db.session.add_all(
            MatchDigestSent(
                user_id=user.id,
                source_kind=source.kind,
                source_id=source.id,
                target_kind=target.kind,
                target_id=target.id,
            )
            for source, target, _ in found
        )
        sent_users += 1
        pairs += len(found)
    return f"match digest: {sent_users} user(s), {pairs} match(es)"

"""A listing's stored matches as pages show them: above the cut-off, duplicates collapsed,
without the ones the viewer's organisation marked 不相关, with reasons in words; and whether a
listing's list is still being computed."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext
from sqlalchemy import and_, func, or_, select

from marketplace.common.errors import DomainError, NotFound
from marketplace.common.i18n import tr
from marketplace.extensions import db
from marketplace.search.models import MatchDismissal, SearchMatch, SearchMatchRefresh, SearchOutbox
from marketplace.search.ranking import cutoff
from marketplace.search.reasons import phrase_reasons, structured_reasons
from marketplace.search.services import FIELD_LABELS, build_items, require_matches_access

# Stored matches read beyond the limit, for those no longer public, duplicates and dismissals.
SPARE = 10
# Listings whose matches the background stage stores per second on a quiet site (for the
# 匹配计算中 estimate; bench/search_perf.py measures it).
MATCHES_PER_SECOND = 20


def display_cutoff(source_kind: str, target_kind: str) -> float:
    """The score from which a pair is shown (MATCH_THRESHOLD overrides the calibrated cut-off)."""
    configured = current_app.config.get("MATCH_THRESHOLD")
    return float(configured) if configured is not None else cutoff(source_kind, target_kind)


def above_cutoff(source_kind: str):
    """SQL: the stored match is at or above its target kind's cut-off (MATCH_THRESHOLD overrides)."""
    configured = current_app.config.get("MATCH_THRESHOLD")
    if configured is not None:
        return SearchMatch.score >= float(configured)
    return or_(
        *(
            and_(SearchMatch.target_kind == kind, SearchMatch.score >= cutoff(source_kind, kind))
            for kind in ("result", "patent", "demand")
        )
    )


def _dismissed(obj, user) -> set[tuple[str, int]]:
    org = getattr(user, "org", None) if getattr(user, "is_authenticated", False) else None
    if org is None:
        return set()
    rows = db.session.execute(
        select(MatchDismissal.target_kind, MatchDismissal.target_id).where(
            MatchDismissal.organisation_id == org.id,
            MatchDismissal.source_kind == obj.kind,
            MatchDismissal.source_id == obj.id,
        )
    ).all()
    return {(k, i) for k, i in rows}


def stored_matches(obj, user, *, limit: int = 10, snippets: bool = True, check: bool = True) -> list[dict]:
    """Read a listing's stored matches above the cut-off for a user who may see them."""
    if check:
        require_matches_access(user, obj)
    return read_matches(obj, user, limit=limit, snippets=snippets)


def read_matches(obj, user, *, limit: int = 10, snippets: bool = True) -> list[dict]:
    """The stored matches a page shows, best first (see the module's docstring)."""
    limit = max(1, min(limit, 50))
    rows = db.session.execute(
        select(
            SearchMatch.target_kind,
            SearchMatch.target_id,
            SearchMatch.score,
            SearchMatch.matched,
            SearchMatch.snippet,
        )
        .where(
            SearchMatch.source_kind == obj.kind,
            SearchMatch.source_id == obj.id,
            above_cutoff(obj.kind),
        )
        .order_by(SearchMatch.rank)
        .limit(limit + SPARE)
    ).all()
    hidden = _dismissed(obj, user)
    rows = [r for r in rows if (r[0], r[1]) not in hidden]
    items = build_items(
        [(r[0], r[1]) for r in rows],
        user,
        scores=[round(r[2], 3) for r in rows],
        matched=[r[3] or [] for r in rows],
        snippets=snippets,
        stored_snippets=[r[4] for r in rows],
    )
    out = []
    for item in items:  # build_items has collapsed duplicates
        item["percent"] = int(round(item["score"] * 100))
        words = phrase_reasons([m["term"] for m in item["matched_terms"]], obj, item["obj"])
        item["reasons"] = structured_reasons(obj, item["obj"])
        item["words"] = words
        where = {m["term"]: m.get("fields", []) for m in item["matched_terms"]}
        item["why"] = [
            {"term": w, "where": [tr(FIELD_LABELS.get(f, f)) for f in where.get(w.lower(), [])]}
            for w in words
        ]
        out.append(item)
        if len(out) >= limit:
            break
    return out


def matches_pending(obj) -> dict | None:
    """{"eta_s": seconds} while the listing's matches wait to be computed, else None."""
    queued = db.session.scalar(
        select(SearchOutbox.id)
        .where(
            SearchOutbox.kind == obj.kind, SearchOutbox.obj_id == obj.id, SearchOutbox.matched_at.is_(None)
        )
        .limit(1)
    )
    refresh = None
    if queued is None:
        refresh = db.session.scalar(
            select(SearchMatchRefresh.queued_at).where(
                SearchMatchRefresh.kind == obj.kind, SearchMatchRefresh.obj_id == obj.id
            )
        )
        if refresh is None:
            return None
        ahead = db.session.scalar(
            select(func.count())
            .select_from(SearchMatchRefresh)
            .where(SearchMatchRefresh.queued_at <= refresh)
        )
    else:
        ahead = db.session.scalar(
            select(func.count())
            .select_from(SearchOutbox)
            .where(SearchOutbox.id <= queued, SearchOutbox.matched_at.is_(None))
        )
    return {"eta_s": max(5, int((ahead or 0) / MATCHES_PER_SECOND) + 5)}


def dismiss(obj, user, target_kind: str, target_id: int) -> MatchDismissal:
    """Mark a stored match 不相关 for the user's organisation (idempotent)."""
    org = getattr(user, "org", None)
    if org is None:
        raise DomainError(gettext("只有机构用户可以标记不相关"))
    row = db.session.execute(
        select(SearchMatch.score).where(
            SearchMatch.source_kind == obj.kind,
            SearchMatch.source_id == obj.id,
            SearchMatch.target_kind == target_kind,
            SearchMatch.target_id == target_id,
        )
    ).first()
    if row is None:
        raise NotFound(gettext("该匹配不存在或已更新"))
    existing = db.session.scalar(
        select(MatchDismissal).where(
            MatchDismissal.organisation_id == org.id,
            MatchDismissal.source_kind == obj.kind,
            MatchDismissal.source_id == obj.id,
            MatchDismissal.target_kind == target_kind,
            MatchDismissal.target_id == target_id,
        )
    )
    if existing is not None:
        return existing
    dismissal = MatchDismissal(
        organisation_id=org.id,
        user_id=user.id,
        source_kind=obj.kind,
        source_id=obj.id,
        target_kind=target_kind,
        target_id=target_id,
        score=row[0],
    )
    db.session.add(dismissal)
    db.session.flush()
    return dismissal

"""Search tables: the index outbox, stored matches and the bureau's extra dictionary terms."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.common.timeutil import utcnow
from marketplace.extensions import db


class SearchOutbox(db.Model):
    """A listing changed: reindex it, then recompute its matches.

    Rows are written in the same transaction as the change, so a crash after commit loses
    nothing. `indexed_at` is set once the index has the change; the row is deleted once its
    matches are stored.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    obj_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    indexed_at: Mapped[datetime | None] = mapped_column(index=True)


class SearchMatchRefresh(db.Model):
    """A listing whose stored list may now miss (or wrongly hold) a changed listing of the other side.

    A changed listing's own matches are computed at once; the other side's lists it enters or
    leaves are recomputed later, one row per listing however many changes touched it (the key is
    the primary key), so a burst of new patents recomputes each demand once, not once per patent.
    """

    __tablename__ = "search_match_refresh"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    obj_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SearchMatch(db.Model):
    """One stored match: a demand's result/patent, or a result's/patent's demand."""

    __tablename__ = "search_matches"
    __table_args__ = (
        UniqueConstraint("source_kind", "source_id", "target_kind", "target_id", name="uq_search_match"),
        Index("ix_search_matches_source", "source_kind", "source_id", "rank"),
        Index("ix_search_matches_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_kind: Mapped[str] = mapped_column(String(10))
    source_id: Mapped[int]
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int]
    rank: Mapped[int]
    # 0..1: the calibrated chance that the target is on the source's subject (ranking.CALIBRATION);
    # lists are ordered by it (rank) and pages show it 0-100.
    score: Mapped[float]
    # [{"term": "锂离子电池", "fields": ["title", "body"]}, ...]
    matched: Mapped[list] = mapped_column(JSON, default=list)
    # Escaped excerpt of the target with <mark> around matched words, made when computed, so a
    # page reads it instead of running jieba over ten abstracts.
    snippet: Mapped[str] = mapped_column(Text, default="")
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchTerm(db.Model):
    """A technical term the bureau added to the user dictionary (beside data/terms.txt)."""

    __tablename__ = "search_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class MatchDismissal(db.Model):
    """A user marked a stored match 不相关: it is no longer shown to their organisation.

    Kept (not a flag on search_matches) because stored lists are recomputed; counted by
    bench/search_quality.py's report as the platform's own relevance judgements.
    """

    __tablename__ = "search_match_dismissals"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id",
            "source_kind",
            "source_id",
            "target_kind",
            "target_id",
            name="uq_match_dismissal",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source_kind: Mapped[str] = mapped_column(String(10))
    source_id: Mapped[int]
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int]
    # The score shown when it was dismissed, for the calibration report.
    score: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MatchDigestPreference(db.Model):
    """A user's choice about the daily match digest (no row: digest on, no e-mail, the cut-off)."""

    __tablename__ = "match_digest_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    digest: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=False)
    # 0-100 as pages show scores; None: the calibrated cut-off of each kind.
    min_score: Mapped[int | None]
    # When this user's last digest was made: the next one reports listings published since.
    last_sent_at: Mapped[datetime | None]


class MatchDigestSent(db.Model):
    """A pair already reported to a user in a digest, so it is never reported twice."""

    __tablename__ = "match_digest_sent"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "source_kind", "source_id", "target_kind", "target_id", name="uq_digest_sent"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source_kind: Mapped[str] = mapped_column(String(10))
    source_id: Mapped[int]
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

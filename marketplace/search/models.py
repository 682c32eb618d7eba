"""Search tables: the change log (outbox), host cursors, stored matches and extra dictionary terms."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.common.timeutil import utcnow
from marketplace.extensions import db


class SearchOutbox(db.Model):
    """One entry of the search log: a listing changed, every host reindexes it, one stores its matches.

    Entries are written in the transaction of the change, in commit order (see outbox.py), so a
    crash after commit loses nothing and a host's cursor (SearchHost) is one id. `indexed_at` is
    when some host first made the change searchable, `matched_at` when its matches were stored;
    an entry is pruned once it is matched and every live host's cursor has passed it (log.py).
    Ids are never reused (AUTOINCREMENT on SQLite), or a pruned log would hand out ids below a cursor.
    """

    __tablename__ = "search_outbox"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    obj_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    indexed_at: Mapped[datetime | None] = mapped_column(index=True)
    matched_at: Mapped[datetime | None] = mapped_column(index=True)


class SearchHost(db.Model):
    """A web host's own index and how far along the log it is (SEARCH_HOST_NAME)."""

    __tablename__ = "search_hosts"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    # The id of the last log entry this host's index holds.
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    # Any drain or worker round of the host: a host silent past SEARCH_HOST_TIMEOUT holds nothing back.
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None]
    worker_seen_at: Mapped[datetime | None]
    rebuilt_at: Mapped[datetime | None]


class SearchLease(db.Model):
    """Work that one host at a time does for all (storing matches), held until `expires_at`."""

    __tablename__ = "search_leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100), default="")
    expires_at: Mapped[datetime] = mapped_column(default=utcnow)


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

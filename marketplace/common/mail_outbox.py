"""The mail outbox: e-mail is queued in the database with the change it reports, and sent later.

A decision (an approval, an answer, a password reset request) writes its messages as rows in the
same transaction, so a rolled-back decision mails no one, and a committed one cannot lose its mail
to a crash. The messages leave after the commit, outside the request and its row locks: a web
process starts a background drain when it commits (`MAIL_AUTO_DRAIN`), and the background worker
(`flask search sync --watch`) drains whatever is left every round, so a slow or dead mail server
never delays or fails the decision. A message that cannot be sent stays queued and is retried
with a growing delay (`MAIL_RETRY_SECONDS`, doubled each time, at most six hours) until
`MAIL_MAX_ATTEMPTS`; each attempt and its error are recorded on the row.

Several drains may run at once (web threads, workers on several hosts): each message is claimed
with a conditional UPDATE that moves its next attempt into the future before it is sent, so only
one of them sends it. A drain that dies while sending leaves the message to be retried after that
lease, so a message may, rarely, be sent twice, but is never lost.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import Index, String, Text, delete, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from marketplace.common.i18n import N_
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db

PENDING_KEY = "mail_outbox_pending"
MAIL_STATUSES = {"queued": N_("待发送"), "sent": N_("已发送"), "failed": N_("发送失败")}
MAX_BACKOFF = timedelta(hours=6)
# Sent messages are kept this long for the record, then pruned by the drain.
KEEP_SENT = timedelta(days=30)
_installed = False


class OutgoingMail(db.Model):
    """One e-mail waiting to be sent (or sent, or given up on), with its delivery attempts."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    @property
    def status_label(self) -> str:
        return MAIL_STATUSES.get(self.status, self.status)


def queue_mail(to: str, subject: str, body: str) -> OutgoingMail:
    """Queue a plain-text message in the current transaction; it is sent after the commit."""
    install()
    now = utcnow()
    mail = OutgoingMail(
        to_address=to[:200],
        subject=subject[:300],
        body=body,
        status="queued",
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(mail)
    db.session.info[PENDING_KEY] = True
    return mail


def _backoff(attempts: int) -> timedelta:
    base = int(current_app.config.get("MAIL_RETRY_SECONDS", 60))
    return min(timedelta(seconds=base * 2 ** max(0, attempts - 1)), MAX_BACKOFF)


def _lease() -> timedelta:
    # Longer than one SMTP exchange may take, so a live sender is never overtaken.
    return timedelta(seconds=int(current_app.config.get("MAIL_TIMEOUT", 15)) * 4 + 60)


def _claim(mail_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == mail_id,
            OutgoingMail.status == "queued",
            OutgoingMail.next_attempt_at <= now,
        )
        .values(attempts=OutgoingMail.attempts + 1, next_attempt_at=now + _lease()),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return claimed.rowcount == 1


def drain_mail(limit: int = 50) -> dict[str, int]:
    """Send due messages, one transaction per message and none held while talking to the server.

    Stops at the first failure: a server that is down or hanging is tried again on a later round
    instead of once per queued message now.
    """
    from marketplace.common.mail import send_mail

    done = {"sent": 0, "failed": 0}
    now = utcnow()
    due = db.session.scalars(
        select(OutgoingMail.id)
        .where(OutgoingMail.status == "queued", OutgoingMail.next_attempt_at <= now)
        .order_by(OutgoingMail.id)
        .limit(limit)
    ).all()
    db.session.commit()  # end the read, so no transaction stays open during the SMTP exchange
    max_attempts = int(current_app.config.get("MAIL_MAX_ATTEMPTS", 10))
    for mail_id in due:
        if not _claim(mail_id, now):
            continue  # another drain has it
        mail = db.session.get(OutgoingMail, mail_id, populate_existing=True)
        db.session.commit()
        try:
            send_mail(mail.to_address, mail.subject, mail.body)
        except Exception as error:  # noqa: BLE001 - any transport error keeps the message queued
            db.session.rollback()
            given_up = mail.attempts >= max_attempts
            db.session.execute(
                update(OutgoingMail)
                .where(OutgoingMail.id == mail_id)
                .values(
                    status="failed" if given_up else "queued",
                    next_attempt_at=utcnow() + _backoff(mail.attempts),
                    last_error=f"{type(error).__name__}: {error}"[:500],
                ),
                execution_options={"synchronize_session": False},
            )
            db.session.commit()
            current_app.logger.warning(
                "Mail %s to %s failed (attempt %s): %s", mail_id, mail.to_address, mail.attempts, error
            )
            done["failed"] += 1
            break
        db.session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == mail_id)
            .values(status="sent", sent_at=utcnow(), last_error=""),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
        done["sent"] += 1
    db.session.expire_all()  # the rows changed behind the loaded objects' backs
    if done["sent"]:
        db.session.execute(
            delete(OutgoingMail).where(OutgoingMail.status == "sent", OutgoingMail.sent_at < now - KEEP_SENT),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
    return done


def mail_backlog() -> int:
    """How many messages are waiting to be sent."""
    from sqlalchemy import func

    return db.session.scalar(select(func.count(OutgoingMail.id)).where(OutgoingMail.status == "queued")) or 0


def drain_mail_round(echo=print) -> None:
    """One round of the background worker: send what is due; an error waits for the next round."""
    try:
        done = drain_mail()
    except Exception:  # noqa: BLE001 - the worker must outlive a database or mail server outage
        with contextlib.suppress(Exception):  # the connection may be gone as well
            db.session.rollback()
        current_app.logger.exception("mail outbox round failed; retrying")
        return
    finally:
        with contextlib.suppress(Exception):
            db.session.remove()
    if done["sent"] or done["failed"]:
        echo(f"mail: sent {done['sent']}, not sent {done['failed']} (kept queued for a retry)")


def _after_rollback(session: Session, previous) -> None:
    # A savepoint rolled back inside the transaction leaves the rest of it (and its mail) alive.
    if not previous.nested:
        session.info.pop(PENDING_KEY, None)


def _after_commit(session: Session) -> None:
    if not session.info.pop(PENDING_KEY, False) or not has_app_context():
        return
    app = current_app._get_current_object()
    if app.config.get("MAIL_AUTO_DRAIN", True):
        from marketplace.common.tasks import run_in_background

        run_in_background(drain_mail, app=app)


def install() -> None:
    """Listen to every session once per process, to start a drain after a commit that queued mail."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_soft_rollback", _after_rollback)
    event.listen(Session, "after_commit", _after_commit)
    _installed = True

"""Notify organisations or single users in the site (and by e-mail when SMTP is configured).

A notice is a row written in the caller's transaction, and its e-mails are queued in the mail
outbox in the same transaction: when the decision being announced rolls back, nobody is told.
"""

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, or_, select, update

from marketplace.accounts.models import User
from marketplace.common.errors import NotFound
from marketplace.common.mail_outbox import queue_mail
from marketplace.common.permissions import can
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db
from marketplace.notices.models import Notice, addressed_to


def notify(
    organisation_id: int | None,
    kind: str,
    title: str,
    *,
    body: str = "",
    url: str = "",
    subject_key: str | None = None,
    email: bool = False,
    user_id: int | None = None,
    params: dict | None = None,
    lines: list[tuple[str, dict]] | None = None,
) -> Notice | None:
    """Add a notice for an organisation, or with `user_id` for that one user.

    `title` and `body` are message ids: Chinese text marked with `N_`, with `%(name)s` placeholders
    filled from `params` (what users wrote goes in `params`, never in the id). The notice stores the
    Chinese text and the ids, so each reader and each e-mail gets their own language. A body of
    several lines is given as `lines`, each a message id with its own values (it replaces `body`).
    Values named `*_label` are code labels (Chinese, marked with N_), translated for each reader.

    With a subject_key, a repeat of the same event to the same addressee is skipped. E-mail goes to
    the organisation's active members, or to the one user.
    """
    if organisation_id is None and user_id is None:
        raise ValueError("a notice needs an organisation or a user")
    if subject_key is not None:
        addressee = (
            Notice.user_id == user_id
            if user_id is not None
            else (Notice.organisation_id == organisation_id) & Notice.user_id.is_(None)
        )
        exists = db.session.scalar(select(Notice.id).where(addressee, Notice.subject_key == subject_key))
        if exists:
            return None
    params = params or {}
    lines = [(line, values) for line, values in lines or []]
    if lines:
        body = "\n".join(_filled(line, values) for line, values in lines)
    message = {"title": title, "body": "" if lines else body, "params": params} if params or lines else None
    if message is not None and lines:
        message["lines"] = [[line, values] for line, values in lines]
    notice = Notice(
        organisation_id=organisation_id,
        user_id=user_id,
        kind=kind,
        title=_filled(title, params)[:200],
        body=_filled(body, params),
        url=url[:300],
        subject_key=subject_key,
        message=message,
    )
    db.session.add(notice)
    if email and current_app.config.get("MAIL_SERVER"):
        _mail_recipients(organisation_id, user_id, notice, url)
    return notice


def _filled(message_id: str, params: dict) -> str:
    return message_id % params if params and message_id else message_id


def _mail_recipients(organisation_id: int | None, user_id: int | None, notice: Notice, url: str) -> None:
    site = current_app.config["SITE_URL"].rstrip("/")
    who = User.id == user_id if user_id is not None else User.organisation_id == organisation_id
    members = db.session.scalars(
        select(User).where(who, User.membership == "active", User.is_disabled.is_(False))
    )
    for member in members:
        # Sent after the commit by the outbox: a mail server outage never fails or slows the action.
        # Written in the member's language, whoever's request caused it.
        with force_locale(member.language or "zh_CN"):
            subject = gettext("【科技成果转化服务广场】%(title)s", title=notice.shown_title)
            text = notice.shown_body
        queue_mail(member.email, subject, f"{text}\n\n{site}{url}")


def unread_count(organisation_id: int | None, user_id: int | None = None) -> int:
    """Unread notices of an organisation, plus those addressed to `user_id` when given."""
    org_notices = (Notice.organisation_id == organisation_id) & Notice.user_id.is_(None)
    where = org_notices if user_id is None else or_(org_notices, Notice.user_id == user_id)
    return db.session.scalar(select(func.count(Notice.id)).where(where, Notice.read_at.is_(None))) or 0


def mark_read(user, notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None or not can(user, "view", notice):
        raise NotFound(gettext("通知不存在"))
    if notice.read_at is None:
        notice.read_at = utcnow()
        notice.read_by_id = user.id
    return notice


def mark_all_read(user) -> int:
    result = db.session.execute(
        update(Notice)
        .where(addressed_to(user), Notice.read_at.is_(None))
        .values(read_at=utcnow(), read_by_id=user.id)
    )
    return result.rowcount or 0

"""Outgoing e-mail: SMTP when configured, otherwise an .eml file a person can open.

Code that reports a decision never calls send_mail() itself: it queues the message with
`mail_outbox.queue_mail()` in the decision's transaction, and the outbox's drain calls send_mail()
after the commit, outside the request.
"""

import smtplib
import uuid
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

from marketplace.common.timeutil import utcnow


def send_mail(to: str, subject: str, body: str) -> Path | None:
    """Deliver a plain-text message now; on the embedded default write it under instance/mail/."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT", 15)
        ) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        return None
    folder = Path(config["MAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{utcnow():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    return path

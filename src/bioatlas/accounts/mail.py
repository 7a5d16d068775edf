"""Account e-mails through the configured SMTP server (or the log when none is configured)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from bioatlas.core.config import Settings

log = logging.getLogger("bioatlas.mail")


class MailError(RuntimeError):
    """The SMTP server refused or could not be reached; the message names it."""


def send_mail(settings: Settings, to: str, subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="bioatlas")
    msg.set_content(body)
    if not settings.smtp_host:
        log.warning("no SMTP server configured (BIOATLAS_SMTP_HOST): e-mail to %s not sent: %s", to, subject)
        return
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"SMTP server {settings.smtp_host}:{settings.smtp_port}: {exc}") from exc

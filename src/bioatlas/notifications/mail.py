"""SMTP sending (or the log when no server is configured). Used by the outbox only: every e-mail
of the platform is a row of `notification_outbox` first, so a failed send is retried, not lost."""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bioatlas.core.config import Settings

log = logging.getLogger("bioatlas.mail")


class MailError(RuntimeError):
    """The SMTP server refused or could not be reached; the message names it."""


_BREAKS = re.compile(r"[^\S\u00a0\u2007\u202f]+")  # white space but the no-break spaces


def one_line(text: str) -> str:
    """A header value on one line (no header injection through a subject). The no-break spaces stay:
    `str.split()` also took French typography's U+202F ("Résultats U+202F: …") for a break."""
    return _BREAKS.sub(" ", text).strip()


def send_mail(settings: Settings, *, to: str, subject: str, body: str,
              headers: Mapping[str, str] | None = None) -> bool:
    """Send one message; True when handed to an SMTP server, False when only logged (no server
    configured). Raises MailError when the server refuses or cannot be reached."""
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = one_line(subject)
    msg["Message-ID"] = make_msgid(domain="bioatlas")
    msg["Date"] = formatdate(usegmt=True)  # RFC 5322 requires it; some servers reject or flag mail without
    for name, value in (headers or {}).items():
        msg[name] = one_line(value)
    msg.set_content(body)
    if not settings.smtp_host:
        log.warning("no SMTP server configured (BIOATLAS_SMTP_HOST): e-mail to %s not sent: %s", to, subject)
        return False
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"SMTP server {settings.smtp_host}:{settings.smtp_port}: {exc}") from exc
    return True

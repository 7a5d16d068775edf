"""The notifications service: tell a user something (in the page, and by e-mail as they chose),
send transactional mail, deliver the outbox with retries, send daily digests, read and mark
notifications, preferences and signed unsubscribe links. Keyword-only arguments throughout.

Every e-mail is a row of the outbox first, written in the caller's transaction: a mail goes out
only for a committed change, and a failed send is kept (attempts, error, next attempt with
back-off), then `failed` after `MAX_ATTEMPTS`, never dropped."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, cast

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.core.config import Settings
from bioatlas.core.elision import elide
from bioatlas.core.fields import FieldError
from bioatlas.core.i18n import Translator
from bioatlas.core.moments import written
from bioatlas.core.plugins import NotificationKind, by_name, plugin_manager
from bioatlas.notifications.kinds import LANGUAGES
from bioatlas.notifications.kinds import notice_kind as notice_kind  # re-exported: how rooms declare their kinds
from bioatlas.notifications.mail import MailError, one_line, send_mail
from bioatlas.notifications.models import DELIVERIES, Notification, OutboxMail, Preference

MAX_ATTEMPTS = 6                       # then the mail stays `failed`, with its last error
BACKOFF = timedelta(minutes=1)         # 1, 2, 4, 8, 16 minutes between attempts...
BACKOFF_CAP = timedelta(hours=6)
UNSUBSCRIBE_MAX_AGE = timedelta(days=90)
UNSUBSCRIBE_SALT = "bioatlas.notifications.unsubscribe"
DIGEST_KIND = "notifications.digest"

_jinja = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_jinja.globals["elide"] = elide  # French templates: {{ elide('de', actor) }} is "d'Agence X" or "de Biocorp"


class NotificationError(FieldError):
    """Bad input, naming the field at fault: `NotificationError(field, message id, params={...})`, a
    `core.fields.FieldError` (a page shows it in the reader's language)."""


def _now(now: datetime | None = None) -> datetime:
    return now or datetime.now(timezone.utc)


# --- kinds and rendering ---------------------------------------------------------------------------


def kinds() -> dict[str, NotificationKind]:
    """Every kind features declare (hook `bioatlas_notification_kinds`), by name."""
    return by_name("bioatlas_notification_kinds")


def kind_of(name: str) -> NotificationKind:
    found = kinds().get(name)
    if found is None:
        raise NotificationError("kind", "unknown notification kind {kind!r}", params={"kind": name})
    return found


def render(*, kind: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Subject and body of a kind in a language (French when the language has no template). A
    `core.moments.Moment` of the context is written in that language's style ("mardi 5 janvier
    2027", "Tuesday 5 January 2027"), the time in the zone the room gave it."""
    spec = kind_of(kind)
    subject, body = spec.templates.get(language) or spec.templates.get("fr") or next(iter(spec.templates.values()))
    context = written(context, language if language in spec.templates else "fr")
    return (one_line(_jinja.from_string(subject).render(context)),
            _jinja.from_string(body).render(context).strip())


def _language(value: str | None) -> str:
    return value if value in LANGUAGES else "fr"


# --- preferences -----------------------------------------------------------------------------------


def delivery_for(session: Session, *, user_id: int, kind: str) -> str:
    """The user's choice for a kind, or the kind's default."""
    spec = kind_of(kind)
    if spec.transactional:
        return "immediate"
    chosen = session.get(Preference, (user_id, kind))
    return chosen.delivery if chosen is not None else spec.default


def optional_kinds() -> list[NotificationKind]:
    """The kinds a user may choose the delivery of (not transactional mail), by name."""
    return sorted((k for k in kinds().values() if not k.transactional), key=lambda k: k.name)


def preferences(session: Session, *, user_id: int) -> list[tuple[NotificationKind, str]]:
    return [(k, delivery_for(session, user_id=user_id, kind=k.name)) for k in optional_kinds()]


def set_preference(session: Session, *, user_id: int, kind: str, delivery: str) -> None:
    spec = kind_of(kind)
    if spec.transactional:
        raise NotificationError("kind", "{kind!r} is always sent (account e-mails): no preference", params={"kind": kind})
    if delivery not in DELIVERIES:
        raise NotificationError(kind, "delivery must be one of {choices}, not {delivery!r}",
                                    params={"choices": ", ".join(DELIVERIES), "delivery": delivery})
    row = session.get(Preference, (user_id, kind))
    if row is None:
        session.add(Preference(user_id=user_id, kind=kind, delivery=delivery))
    else:
        row.delivery = delivery
    session.flush()


def set_preferences(session: Session, *, user_id: int, choices: Mapping[str, str]) -> None:
    """Several kinds at once (the preferences form); every choice is checked before any is kept."""
    for kind, delivery in choices.items():
        kind_of(kind)
        if delivery not in DELIVERIES:
            raise NotificationError(kind, "delivery must be one of {choices}, not {delivery!r}",
                                    params={"choices": ", ".join(DELIVERIES), "delivery": delivery})
    for kind, delivery in choices.items():
        set_preference(session, user_id=user_id, kind=kind, delivery=delivery)


# --- telling users ---------------------------------------------------------------------------------


def recipient(session: Session, *, user_id: int) -> Mapping[str, str] | None:
    """{"email", "name", "language", "time_zone"} of a user (hook `bioatlas_recipient`, answered by
    accounts; the time zone the times of its notifications are written in)."""
    return plugin_manager().hook.bioatlas_recipient(session=session, user_id=user_id)


def _queue(session: Session, *, to: str, kind: str, language: str, subject: str, body: str,
           user_id: int | None = None, link: str | None = None) -> OutboxMail:
    mail = OutboxMail(to_address=to, user_id=user_id, kind=kind, language=language, subject=subject[:300],
                      body=body, link=link, status="pending", attempts=0, next_attempt_at=_now(),
                      created_at=_now())
    session.add(mail)
    session.flush()
    return mail


def notify(session: Session, *, user_id: int, kind: str, context: Mapping[str, Any],
           link: str | None = None) -> Notification | None:
    """Tell a user: a notification in the page (rendered in their language) and, as they chose for
    this kind, an e-mail queued now (immediate), in tomorrow's digest (digest) or none (off).
    None when the user does not exist (any more). The caller commits."""
    if link is not None and not (link.startswith("/") and not link.startswith("//")):
        raise NotificationError("link", "a local path starting with /")
    to = recipient(session, user_id=user_id)
    if to is None:
        return None
    language = _language(to.get("language"))
    subject, body = render(kind=kind, language=language, context=context)
    delivery = delivery_for(session, user_id=user_id, kind=kind)
    note = Notification(user_id=user_id, kind=kind, delivery=delivery, subject=subject[:300], body=body,
                        link=link, created_at=_now())
    if delivery == "immediate":
        _queue(session, to=to["email"], kind=kind, language=language, subject=subject, body=body,
               user_id=user_id, link=link)
        note.emailed_at = _now()
    session.add(note)
    session.flush()
    return note


def send_now(session: Session, *, to: str, kind: str, context: Mapping[str, Any], language: str) -> int:
    """Transactional mail (address confirmation, password reset): queued in the caller's
    transaction, whatever the preferences; the caller commits, then delivers it at once with
    `deliver_outbox(..., ids=[id])`. Returns the outbox id."""
    language = _language(language)
    subject, body = render(kind=kind, language=language, context=context)
    return _queue(session, to=to, kind=kind, language=language, subject=subject, body=body).id


# --- the outbox ------------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after `attempts` failures: 1, 2, 4, ... minutes, at most 6 h."""
    return min(BACKOFF * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(*, secret: str, user_id: int, kind: str) -> str:
    return _serializer(secret).dumps({"u": user_id, "k": kind})


def read_unsubscribe_token(*, secret: str, token: str,
                           max_age: timedelta = UNSUBSCRIBE_MAX_AGE) -> tuple[int, str]:
    """(user_id, kind) of a genuine, unexpired token; NotificationError naming `token` otherwise."""
    try:
        data = _serializer(secret).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise NotificationError("token", "this unsubscribe link has expired: change your preferences from your "
                                "account") from None
    except BadSignature:
        raise NotificationError("token", "this unsubscribe link is not valid") from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("k"), str):
        raise NotificationError("token", "this unsubscribe link is not valid")
    return data["u"], data["k"]


def unsubscribe(session: Session, *, secret: str, token: str) -> str:
    """Turn off the e-mails of the token's kind for its user, without login; returns the kind."""
    user_id, kind = read_unsubscribe_token(secret=secret, token=token)
    if recipient(session, user_id=user_id) is None or kind not in kinds():
        raise NotificationError("token", "this unsubscribe link is not valid any more")
    set_preference(session, user_id=user_id, kind=kind, delivery="off")
    return kind


def _compose(mail: OutboxMail, settings: Settings) -> tuple[str, dict[str, str]]:
    """The body with the link and, for optional kinds, the unsubscribe footer; the headers
    (one-click `List-Unsubscribe`, RFC 8058)."""
    body, headers = mail.body, {}
    t = Translator(_language(mail.language))
    if mail.link:
        body += "\n\n" + t("See: {url}", url=settings.public_url + mail.link)
    spec = kinds().get(mail.kind)
    if mail.user_id is not None and spec is not None and not spec.transactional:
        url = f"{settings.public_url}/notifications/unsubscribe/" + unsubscribe_token(
            secret=settings.secret_key, user_id=mail.user_id, kind=mail.kind)
        body += "\n\n-- \n" + t("Stop these e-mails: {url}", url=url) + "\n" + t(
            "Choose which e-mails you get: {url}", url=f"{settings.public_url}/notifications/preferences")
        headers = {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return body, headers


def deliver_outbox(session_factory: sessionmaker[Session], *, settings: Settings, now: datetime | None = None,
                   ids: list[int] | None = None, limit: int = 500) -> dict[str, int]:
    """Send the pending mails that are due (only `ids` when given), one transaction per mail (the
    row is locked while it is sent, so two workers never send it twice on PostgreSQL). A failure
    keeps the mail with its attempts, error and a backed-off next attempt; after MAX_ATTEMPTS it
    stays `failed`. Returns {"sent", "retry", "failed"} counts."""
    at = _now(now)
    due = select(OutboxMail.id).where(OutboxMail.status == "pending", OutboxMail.next_attempt_at <= at)
    if ids is not None:
        due = due.where(OutboxMail.id.in_(ids))
    with session_factory() as session:
        todo = list(session.scalars(due.order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit)))
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for mail_id in todo:
        with session_factory() as session:
            mail = session.scalar(select(OutboxMail).where(
                OutboxMail.id == mail_id, OutboxMail.status == "pending").with_for_update(skip_locked=True))
            if mail is None:
                continue  # sent meanwhile by another worker
            body, headers = _compose(mail, settings)
            mail.attempts += 1
            try:
                handed = send_mail(settings, to=mail.to_address, subject=mail.subject, body=body, headers=headers)
            except MailError as exc:
                mail.last_error = str(exc)[:2000]
                if mail.attempts >= MAX_ATTEMPTS:
                    mail.status = "failed"
                    counts["failed"] += 1
                else:
                    mail.next_attempt_at = at + backoff(mail.attempts)
                    counts["retry"] += 1
            else:
                mail.status, mail.sent_at = "sent", _now()
                mail.last_error = None if handed else "no SMTP server configured: only logged"
                counts["sent"] += 1
            session.commit()
    return counts


def retry_failed(session: Session, *, ids: list[int] | None = None) -> int:
    """Put failed mails back in the queue (an operator fixed the server); the count."""
    stmt = update(OutboxMail).where(OutboxMail.status == "failed")
    if ids is not None:
        stmt = stmt.where(OutboxMail.id.in_(ids))
    result = cast(CursorResult, session.execute(stmt.values(status="pending", attempts=0, next_attempt_at=_now())))
    return result.rowcount or 0


def outbox_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(OutboxMail.status, func.count()).group_by(OutboxMail.status))
    return {status: n for status, n in rows}


# --- digests ---------------------------------------------------------------------------------------


def send_digests(session_factory: sessionmaker[Session], *, now: datetime | None = None) -> int:
    """Queue one digest mail per user of their unread notifications to be e-mailed in a digest
    (kinds whose delivery is still `digest`); the number of digests queued. Deliver them with
    `deliver_outbox`. Notifications read meanwhile are left out (already seen)."""
    at = _now(now)
    queued = 0
    with session_factory() as session:
        rows = session.scalars(select(Notification).where(
            Notification.delivery == "digest", Notification.emailed_at.is_(None), Notification.read_at.is_(None),
            Notification.created_at <= at).order_by(Notification.user_id, Notification.id)).all()
        by_user: dict[int, list[Notification]] = {}
        for note in rows:
            by_user.setdefault(note.user_id, []).append(note)
        for user_id, notes in by_user.items():
            to = recipient(session, user_id=user_id)
            keep = [n for n in notes if n.kind in kinds()
                    and delivery_for(session, user_id=user_id, kind=n.kind) == "digest"]
            for n in notes:
                n.emailed_at = at  # handled: mailed now, or its kind was turned off meanwhile
            if to is None or not keep or delivery_for(session, user_id=user_id, kind=DIGEST_KIND) == "off":
                continue
            language = _language(to.get("language"))
            items = [{"subject": n.subject, "body": n.body, "link": n.link} for n in keep]
            subject, body = render(kind=DIGEST_KIND, language=language, context={"items": items, "count": len(items)})
            _queue(session, to=to["email"], kind=DIGEST_KIND, language=language, subject=subject, body=body,
                   user_id=user_id, link="/notifications")
            queued += 1
        session.commit()
    return queued


# --- reading ---------------------------------------------------------------------------------------


def unread_count(session: Session, *, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def latest(session: Session, *, user_id: int, limit: int = 50, offset: int = 0) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user_id)
                                .order_by(Notification.id.desc()).limit(limit).offset(offset)))


def mark_read(session: Session, *, user_id: int, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read (LookupError when it is not theirs: the caller
    answers 404, another user's notification is not revealed), or all of them; the count."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        owner = session.scalar(select(Notification.user_id).where(Notification.id == notification_id))
        if owner != user_id:
            raise LookupError(f"no notification {notification_id}")
        stmt = stmt.where(Notification.id == notification_id)
    return cast(CursorResult, session.execute(stmt.values(read_at=_now()))).rowcount or 0


def redact(session: Session, *, needles: Iterable[str], replacement: str, kinds: Sequence[str]) -> int:
    """Replace each of `needles` in the subject and body of the notifications and e-mails of these
    kinds (another user's name or words quoted in someone's notification, when that user erases
    their account: messaging); the number of rows changed. The caller commits."""
    found = sorted({n for n in needles if n}, key=len, reverse=True)
    if not found or not kinds:
        return 0
    rows: list[Notification | OutboxMail] = []
    for model in (Notification, OutboxMail):
        match = or_(*(column.contains(n, autoescape=True) for n in found for column in (model.subject, model.body)))
        rows.extend(session.scalars(select(model).where(model.kind.in_(kinds), match)))
    for row in rows:
        subject, body = row.subject, row.body
        for n in found:
            subject, body = subject.replace(n, replacement), body.replace(n, replacement)
        row.subject, row.body = subject[:300], body
    session.flush()
    return len(rows)

"""Messaging's limits, its error (`MessagingError`), what a thread is about (`Context`), the
checks of a message body and a context, and the small helpers every use case shares (times,
display names)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.core.fields import FieldError
from bioatlas.core.text import unsafe_found

MAX_BODY = 4000            # characters of one message
MAX_REASON = 1000          # characters of a report's reason
MAX_NOTE = 2000            # characters of a moderator's resolution note
MAX_MEMBERS = 50           # users in one thread (a company and the members of a partner organisation)
MAX_PENDING_REQUESTS = 20  # unanswered message requests one user may have open at once
NOTIFY_AFTER = timedelta(minutes=10)  # unread this long: tell the member (a live chat needs no e-mail)
EXCERPT = 300              # characters of each message quoted in a notification
ERASED = "message supprimé"
REDACT_MIN = 6             # lines of an erased message shorter than this ("ok", "merci") are not hunted in notifications
KIND = "messaging.unread"
CONTEXT_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class MessagingError(FieldError):
    """Bad input or a refused step: `MessagingError(field, message id, status, params={...})`, a
    `FieldError` (its `.message` the English text, `refusal_text` the reader's language; `status`
    the HTTP answer, 422 unless said)."""


@dataclass(frozen=True)
class Context:
    """What a thread is about, given by the room that opens it: `kind` ("event", "interest",
    "case"), `id` (the room's own id), a `label` shown with the thread and a local `url`."""

    kind: str
    id: str | int
    label: str = ""
    url: str | None = None


def _now(now: datetime | None = None) -> datetime:
    return now or datetime.now(timezone.utc)


def _utc(value: datetime) -> datetime:
    """SQLite gives back naive datetimes (stored in UTC): make them comparable."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)


def _name(names: Mapping[int, str], user_id: int | None, missing: str = "?") -> str:
    return names.get(user_id, missing) if user_id is not None else missing


# --- validation ------------------------------------------------------------------------------------


def check_body(body: Any, *, name: str = "body", limit: int = MAX_BODY) -> str:
    if not isinstance(body, str) or not body.strip():
        raise MessagingError(name, "write a message")
    body = body.strip()
    if len(body) > limit:
        raise MessagingError(name, "at most {max} characters ({length} given)", 413,
                             params={"max": limit, "length": len(body)})
    if (bad := unsafe_found(body)) is not None:
        raise MessagingError(name, bad[0], params=bad[1])
    return body


def check_context(context: Context | Mapping[str, Any] | None) -> Context | None:
    if context is None:
        return None
    if isinstance(context, Mapping):
        try:
            context = Context(**context)
        except TypeError:
            raise MessagingError("context", "only kind, id, label and url (kind and id required)") from None
    if not isinstance(context.kind, str) or not CONTEXT_KIND.match(context.kind):
        raise MessagingError("context.kind", "lower-case letters, digits and _ (at most {max})", params={"max": 40})
    if not str(context.id) or len(str(context.id)) > 64:
        raise MessagingError("context.id", "1 to {max} characters", params={"max": 64})
    if len(context.label or "") > 200:
        raise MessagingError("context.label", "at most {max} characters", params={"max": 200})
    if (bad := unsafe_found(context.label or "")) is not None:
        raise MessagingError("context.label", bad[0], params=bad[1])
    url = context.url
    if url is not None and (not url.startswith("/") or url.startswith("//") or "\\" in url or len(url) > 500):
        raise MessagingError("context.url", "a local path starting with /")
    return context


def _existing_users(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    return accounts.display_names(session, user_ids={u for u in user_ids if u is not None})


def display_names(session: Session, *, user_ids: Iterable[int]) -> dict[int, str]:
    """The display names of these users (those that exist)."""
    return _existing_users(session, user_ids)



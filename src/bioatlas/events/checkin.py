"""Badges and check-in: a registered participant's badge carries a QR code (made with `segno`)
of a check-in token signed with the application's secret (`itsdangerous`), so a badge cannot be
forged or moved to another event; organisers check participants in by scanning or typing it.
Checking in twice changes nothing (the first time stays); every attempt is in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import segno
from itsdangerous import BadSignature, Signer
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.accounts import service as accounts
from bioatlas.core.fields import Word
from bioatlas.events.errors import Conflict, FieldError
from bioatlas.events.models import Event, Participant

SALT = "bioatlas.events.badge"
MAX_TOKEN = 200


def _signer(secret: str) -> Signer:
    return Signer(secret, salt=SALT)


def badge_token(*, secret: str, participant: Participant) -> str:
    """"<event>.<participant>.<signature>": short enough to type from the badge."""
    return _signer(secret).sign(f"{participant.event_id}.{participant.id}").decode()


def read_token(*, secret: str, token: str) -> tuple[int, int]:
    """(event id, participant id) of a genuine token; a forged, altered or malformed one is
    refused naming the field."""
    raw = token.strip()
    if not raw:
        raise FieldError("token", "required")
    if len(raw) > MAX_TOKEN:
        raise FieldError("token", "not a badge token (too long)")
    try:
        value = _signer(secret).unsign(raw).decode()
        event_id, participant_id = (int(x) for x in value.split("."))
    except (BadSignature, ValueError):
        raise FieldError("token", "not a valid badge token (altered, or of another platform)") from None
    return event_id, participant_id


def qr_svg(token: str) -> str:
    """The token's QR code as an inline SVG element (no script, no style attribute)."""
    return segno.make(token, error="m").svg_inline(scale=4, title=token)


@dataclass(frozen=True)
class Badge:
    participant: Participant
    token: str
    qr: str


def badges(*, secret: str, people: list[Participant]) -> list[Badge]:
    out = []
    for p in people:
        if p.status != "registered":
            raise Conflict("", "{name} is not registered ({status}): no badge", params={"name": p.display_name, "status": Word(p.status, "registration status")})
        token = badge_token(secret=secret, participant=p)
        out.append(Badge(participant=p, token=token, qr=qr_svg(token)))
    return out


@dataclass(frozen=True)
class CheckIn:
    participant: Participant
    at: datetime
    already: bool


def check_in(session: Session, *, event: Event, token: str, secret: str, by_user_id: int | None,
             ip: str | None = None) -> CheckIn:
    """Check the badge's participant in (idempotent); audited, refusals included."""
    try:
        event_id, participant_id = read_token(secret=secret, token=token)
        if event_id != event.id:
            raise FieldError("token", "this badge is for another event (number {event_id})", params={"event_id": event_id})
        participant = session.get(Participant, participant_id)
        if participant is None or participant.event_id != event.id:
            raise FieldError("token", "no such participant in this event")
        if participant.status != "registered":
            raise Conflict("", "{name} is not registered ({status})",
                           params={"name": participant.display_name, "status": Word(participant.status, "registration status")})
    except (FieldError, Conflict) as exc:
        accounts.record_audit_now(sessionmaker(bind=session.get_bind()), event="events.checkin_refused", user_id=by_user_id, ip=ip,
                                  target=f"event:{event.id}", detail={"reason": str(exc)[:300]})
        raise
    already = participant.checked_in_at is not None
    if not already:
        participant.checked_in_at = datetime.now(timezone.utc)
    accounts.record_audit(session, event="events.checkin", user_id=by_user_id, ip=ip,
                          target=f"event_participant:{participant.id}",
                          detail={"event_id": event.id, "already": already})
    session.flush()
    return CheckIn(participant=participant, at=participant.checked_in_at, already=already)

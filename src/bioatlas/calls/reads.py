"""What the rest of calls builds on: the refusal (`CallError`), the policy's objects (call,
application, review seat), time helpers, the audit line, and the reads of calls and
applications (their panel and review item, form and rules, openness, local deadline)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.calls.forms import Field, parse_form
from bioatlas.core.fields import FieldError, Moment
from bioatlas.calls.models import Application, Attachment, Call, CallManager
from bioatlas.review import service as review

CONTEXT = "call"
SUBJECT = "application"


class CallError(FieldError):
    """A refused operation: a `core.fields.FieldError` naming what is wrong (`CallError(field,
    message id, status, params={...})`, the handler answers 409 or 422; the pages show it in the
    reader's language, the API its English "field: message"). `refusal` is the FieldError it
    wraps (`CallError.of`, a form's or the review engine's), else itself."""

    def __init__(self, field: str, message: str, status: int = 422, *,
                 params: dict | None = None, refusal: FieldError | None = None):
        super().__init__(field, message, status, params=params)
        self.refusal = refusal or self

    @classmethod
    def of(cls, err: FieldError, *, field: str | None = None) -> CallError:
        """A lower refusal (the form's, the eligibility rules', the review engine's) as the calls
        room's, naming `field` when given; 422 as before."""
        return cls(field or err.field, err.msgid, params=err.params, refusal=err.as_field(field) if field else err)


@dataclass(frozen=True)
class CallScope:
    """What the policy needs about a call: its region (its editors manage it), named managers,
    whether it is published."""

    call_id: int | None
    region: str | None = None
    managers: frozenset[int] = frozenset()
    published: bool = False


@dataclass(frozen=True)
class ApplicationScope:
    owner_id: int | None
    call: CallScope


@dataclass(frozen=True)
class ReviewSeat:
    """Who is assigned to review an application (the review screen's policy object)."""

    application_id: int
    reviewers: frozenset[int] = frozenset()


def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def audit(session: Session, event: str, *, user_id: int | None, target: str, **detail) -> None:
    accounts.record_audit(session, event=event, user_id=user_id, target=target, detail=detail or None)


# --- reads ---------------------------------------------------------------------------------------


def get_call(session: Session, *, call_id: int) -> Call | None:
    return session.get(Call, call_id)


def get_application(session: Session, *, application_id: int) -> Application | None:
    return session.get(Application, application_id)


def get_attachment(session: Session, *, application_id: int, attachment_id: int) -> Attachment | None:
    a = session.get(Attachment, attachment_id)
    return a if a is not None and a.application_id == application_id else None


def managers_of(session: Session, *, call_id: int) -> frozenset[int]:
    return frozenset(session.scalars(select(CallManager.user_id).where(CallManager.call_id == call_id)))


def call_scope(session: Session, *, call: Call) -> CallScope:
    return CallScope(call.id, call.region, managers_of(session, call_id=call.id), call.status != "draft")


def application_scope(session: Session, *, application: Application) -> ApplicationScope:
    call = session.get(Call, application.call_id)
    assert call is not None
    return ApplicationScope(application.owner_id, call_scope(session, call=call))


def panel_of(session: Session, *, call: Call) -> review.ReviewPanel:
    panel = review.panel_for(session, context_kind=CONTEXT, context_id=call.id)
    assert panel is not None, "every call has its panel"
    return panel


def item_of(session: Session, *, application: Application) -> review.ReviewItem | None:
    call = session.get(Call, application.call_id)
    assert call is not None
    return review.item_for(session, panel_id=panel_of(session, call=call).id, subject_kind=SUBJECT,
                           subject_id=application.id)


def review_seat(session: Session, *, application: Application) -> ReviewSeat:
    item = item_of(session, application=application)
    reviewers = frozenset(r["reviewer_id"] for r in review.scores_of(session, item_id=item.id)) if item else frozenset()
    return ReviewSeat(application.id, reviewers)


def form_fields(call: Call) -> list[Field]:
    return parse_form(json.loads(call.form or "{}"))


def rules_of(call: Call) -> dict:
    return json.loads(call.eligibility or "{}")


def is_open(call: Call, *, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return call.status == "published" and aware(call.opens_at) <= now <= aware(call.closes_at)  # type: ignore[operator]


def local_deadline(call: Call) -> str:
    """The deadline in the call's time zone, with the zone named (shown on every page)."""
    local = aware(call.closes_at).astimezone(ZoneInfo(call.timezone))  # type: ignore[union-attr]
    return f"{local:%Y-%m-%d %H:%M} ({call.timezone}, UTC{local:%z})"


def deadline_moment(call: Call) -> Moment:
    """The deadline as a refusal's param: `local_deadline`'s text in English (the API), on pages
    and in notifications the reader's style of date and zone ("6 décembre 2026 à 18:00 (heure de
    Paris)", "6 December 2026 at 18:00 (Paris time)")."""
    local = aware(call.closes_at).astimezone(ZoneInfo(call.timezone))  # type: ignore[union-attr]
    return Moment(local_deadline(call), local, zone=call.timezone)


def list_calls(session: Session, *, include_drafts: bool = False) -> list[Call]:
    stmt = select(Call).order_by(Call.closes_at.desc(), Call.id)
    if not include_drafts:
        stmt = stmt.where(Call.status != "draft")
    return list(session.scalars(stmt))


def applications_of_call(session: Session, *, call_id: int, submitted_only: bool = True) -> list[Application]:
    stmt = select(Application).where(Application.call_id == call_id)
    if submitted_only:
        stmt = stmt.where(Application.status == "submitted")
    return list(session.scalars(stmt.order_by(Application.id)))


def applications_of_user(session: Session, *, user_id: int) -> list[Application]:
    return list(session.scalars(select(Application).where(Application.owner_id == user_id).order_by(Application.id)))

"""Start-up pitches: an event's call for pitches, applications by start-ups, the jury's review and
the selection shown in the event. The review is `review.service`, exactly as calls use it (one
panel per pitch call, one item per application, the applicant actor on the item so that the
conflict-of-interest checks of `review.conflicts` apply: own submission, same actor, atlas
parents and partners, declared conflicts); nothing here scores or excludes on its own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.events.catalogue import get_event
from bioatlas.events.errors import Conflict, FieldError, NotFound
from bioatlas.events.models import ProgrammeSession, Speaker
from bioatlas.events.pitch_models import PitchApplication, PitchCall
from bioatlas.events.pitch_slots import placed, tell_changes
from bioatlas.notifications import service as notifications
from bioatlas.review import service as review

CONTEXT = "event_pitch_call"
SUBJECT = "event_pitch"
CRITERIA = (  # the default jury grid: weighted, 0-5
    {"code": "innovation", "label_fr": "Innovation", "label_en": "Innovation", "weight": 2},
    {"code": "team", "label_fr": "Équipe", "label_en": "Team", "weight": 1},
    {"code": "fit", "label_fr": "Intérêt pour la bioproduction", "label_en": "Relevance to bioproduction",
     "weight": 1},
)
MAX_SUMMARY = 2000


def _review_error(exc: review.ReviewError) -> FieldError:
    """The review engine's refusal as the events room's FieldError (same message id and params:
    the page shows it in the reader's language)."""
    return exc.as_field(exc.field)


def call_of(session: Session, *, event_id: int) -> PitchCall | None:
    return session.scalar(select(PitchCall).where(PitchCall.event_id == event_id))


def _call_or_404(session: Session, event_id: int) -> PitchCall:
    call = call_of(session, event_id=event_id)
    if call is None:
        raise NotFound("this event has no call for pitches")
    return call


def panel_of(session: Session, *, call: PitchCall) -> review.ReviewPanel:
    panel = review.panel_for(session, context_kind=CONTEXT, context_id=call.id)
    assert panel is not None  # created with the call
    return panel


def open_call(session: Session, *, event_id: int, title: str, description: str = "", seats: int = 6,
              criteria: Iterable[Mapping] = CRITERIA, reviewers_per_item: int = 2) -> PitchCall:
    """The event's call for pitches and its review panel (blind, weighted criteria)."""
    get_event(session, event_id=event_id)
    if call_of(session, event_id=event_id) is not None:
        raise Conflict("", "this event already has a call for pitches")
    title = (title or "").strip()
    if not 3 <= len(title) <= 200:
        raise FieldError("title", "between 3 and 200 characters")
    if not 1 <= seats <= 100:
        raise FieldError("seats", "between 1 and 100 pitches")
    call = PitchCall(event_id=event_id, title=title, description=(description or "").strip()[:5000], seats=seats)
    session.add(call)
    session.flush()
    try:
        review.create_panel(session, context_kind=CONTEXT, context_id=call.id, criteria=list(criteria),
                            reviewers_per_item=reviewers_per_item)
    except review.ReviewError as exc:
        raise _review_error(exc) from None
    return call


def close_call(session: Session, *, event_id: int) -> None:
    _call_or_404(session, event_id).is_open = False


def apply(session: Session, *, event_id: int, user_id: int | None, actor_id: int, title: str,
          summary: str) -> PitchApplication:
    """A start-up's application, by a member of the actor it pitches for; registered as a review
    item with that actor as the applicant. `user_id` None: a synthetic application of the demo."""
    call = _call_or_404(session, event_id)
    if not call.is_open:
        raise Conflict("", "the call for pitches is closed")
    if user_id is not None and actor_id not in accounts.member_actor_ids(session, user_id=user_id):
        raise FieldError("actor", "you can only pitch for an actor you are a member of")
    title, summary = (title or "").strip(), (summary or "").strip()
    if not 3 <= len(title) <= 200:
        raise FieldError("title", "between 3 and 200 characters")
    if not 20 <= len(summary) <= MAX_SUMMARY:
        raise FieldError("summary", "between 20 and {max} characters", params={"max": MAX_SUMMARY})
    if session.scalar(select(PitchApplication.id).where(PitchApplication.call_id == call.id,
                                                        PitchApplication.actor_id == actor_id)):
        raise FieldError("actor", "this actor already applied")
    application = PitchApplication(call_id=call.id, user_id=user_id, actor_id=actor_id, title=title,
                                   summary=summary)
    session.add(application)
    session.flush()
    review.register_item(session, panel_id=panel_of(session, call=call).id, subject_kind=SUBJECT,
                         subject_id=application.id, owner_user_id=user_id, actor_ids=[actor_id])
    return application


def applications(session: Session, *, event_id: int) -> list[PitchApplication]:
    call = call_of(session, event_id=event_id)
    if call is None:
        return []
    return list(session.scalars(select(PitchApplication).where(PitchApplication.call_id == call.id)
                                .order_by(PitchApplication.id)))


def _application(session: Session, event_id: int, application_id: int) -> tuple[PitchCall, PitchApplication]:
    call = _call_or_404(session, event_id)
    application = session.get(PitchApplication, application_id)
    if application is None or application.call_id != call.id:
        raise NotFound("no such pitch application")
    return call, application


def _item(session: Session, call: PitchCall, application: PitchApplication) -> review.ReviewItem:
    item = review.item_for(session, panel_id=panel_of(session, call=call).id, subject_kind=SUBJECT,
                           subject_id=application.id)
    if item is None:
        raise NotFound("this application is not under review")
    return item


def jury_by_emails(session: Session, *, event_id: int, emails: Iterable[str]) -> list[int]:
    """Jury members named by e-mail (verified accounts only; field `emails` names an unknown one)."""
    ids = []
    for email in (e.strip() for e in emails):
        if not email:
            continue
        uid = accounts.verified_user_by_email(session, email=email)
        if uid is None:
            raise FieldError("emails", "no verified account with the e-mail {email}", params={"email": email})
        ids.append(uid)
    if not ids:
        raise FieldError("emails", "at least one e-mail")
    return add_jury(session, event_id=event_id, user_ids=ids)


def jury_of(session: Session, *, event_id: int) -> list[int]:
    call = call_of(session, event_id=event_id)
    return review.pool(session, panel_id=panel_of(session, call=call).id) if call is not None else []


def criteria_of(session: Session, *, event_id: int) -> list[review.ReviewCriterion]:
    call = _call_or_404(session, event_id)
    return list(panel_of(session, call=call).criteria)


def add_jury(session: Session, *, event_id: int, user_ids: Iterable[int]) -> list[int]:
    """Jury members (review pool); an applicant cannot be one (field `reviewer`)."""
    call = _call_or_404(session, event_id)
    try:
        return review.add_reviewers(session, panel_id=panel_of(session, call=call).id, user_ids=list(user_ids))
    except review.ReviewError as exc:
        raise _review_error(exc) from None


def assign_jury(session: Session, *, event_id: int) -> review.AssignReport:
    """Each application gets its jury members, least-loaded first, every one in conflict of
    interest skipped and recorded with the reason (`review.assign`)."""
    call = _call_or_404(session, event_id)
    return review.assign(session, panel_id=panel_of(session, call=call).id)


def open_review(session: Session, *, event_id: int, application_id: int,
                reviewer_id: int) -> review.ReviewAssignment:
    """The jury member's assignment; `review.ConflictOfInterest` / `review.NotAssigned` otherwise."""
    call, application = _application(session, event_id, application_id)
    return review.open_item(session, item_id=_item(session, call, application).id, reviewer_id=reviewer_id)


def score(session: Session, *, event_id: int, application_id: int, reviewer_id: int, scores: Mapping[str, object],
          comment: str | None = None) -> review.ReviewAssignment:
    assignment = open_review(session, event_id=event_id, application_id=application_id, reviewer_id=reviewer_id)
    try:
        return review.record_scores(session, assignment_id=assignment.id, reviewer_id=reviewer_id, scores=scores,
                                    comment_jury=comment)
    except review.NotAssigned:
        raise
    except review.ReviewError as exc:
        raise _review_error(exc) from None


@dataclass(frozen=True)
class PitchResult:
    application: PitchApplication
    result: review.ItemResult | None


def results(session: Session, *, event_id: int) -> list[PitchResult]:
    """Applications with their review results (weighted total of the medians), best first."""
    call = call_of(session, event_id=event_id)
    if call is None:
        return []
    by_subject = {r.subject_id: r for r in review.results(session, panel_id=panel_of(session, call=call).id)}
    rows = [PitchResult(a, by_subject.get(a.id)) for a in applications(session, event_id=event_id)]
    rows.sort(key=lambda r: (r.result is None or r.result.total is None,
                             -((r.result.total or 0.0) if r.result else 0.0), r.application.id))
    return rows


def decide(session: Session, *, event_id: int, application_id: int, decision: str, rationale: str,
           by_user_id: int | None) -> PitchApplication:
    """The jury's decision (selected, rejected, waitlisted) with its rationale, through `review.decide`;
    no more selected pitches than the call's seats."""
    call, application = _application(session, event_id, application_id)
    if decision == "selected" and application.status != "selected":
        taken = sum(1 for a in applications(session, event_id=event_id) if a.status == "selected")
        if taken >= call.seats:
            raise Conflict("", "all {seats} pitch seats are taken", params={"seats": call.seats})
    try:
        review.decide(session, item_id=_item(session, call, application).id, decision=decision,
                      rationale=rationale, by_user_id=by_user_id)
    except review.ReviewError as exc:
        raise _review_error(exc) from None
    before, application.status = application.status, decision
    event = get_event(session, event_id=event_id)
    if decision != "selected":  # it leaves the programme; the pitches after it move up (told their rank)
        places = placed(session, event_id=event_id)
        leave_programme(session, event_id=event_id, application=application)
        tell_changes(session, event=event, before=places, after=placed(session, event_id=event_id),
                     skip={application.id})
    if before != decision and application.user_id is not None:
        notifications.notify(session, user_id=application.user_id, kind="events.pitch",
                             context={"event": event.title, "status": decision, "title": application.title},
                             link=f"/events/{event_id}/pitches")
    return application


def leave_programme(session: Session, *, event_id: int, application: PitchApplication) -> None:
    """A pitch no longer selected leaves the pitch sessions (its entries, whatever their name now:
    see `pitch_programme`)."""
    for sp in session.scalars(select(Speaker).join(ProgrammeSession, ProgrammeSession.id == Speaker.session_id)
                              .where(ProgrammeSession.event_id == event_id,
                                     Speaker.pitch_application_id == application.id)):
        session.delete(sp)
    session.flush()


def selected(session: Session, *, event_id: int) -> list[PitchApplication]:
    """The selected pitches, shown in the event."""
    return [a for a in applications(session, event_id=event_id) if a.status == "selected"]


def export_user(session: Session, *, user_id: int) -> list[dict]:
    return [{"event_id": call.event_id, "actor_id": a.actor_id, "title": a.title, "summary": a.summary,
             "status": a.status, "created_at": a.created_at.isoformat()}
            for a, call in session.execute(select(PitchApplication, PitchCall).join(
                PitchCall, PitchCall.id == PitchApplication.call_id).where(PitchApplication.user_id == user_id))]


def erase_user(session: Session, *, user_id: int) -> None:
    """The person's applications leave with them; the start-up's pitch stays if selected (an
    event's public programme), without the account."""
    for application in list(session.scalars(select(PitchApplication).where(PitchApplication.user_id == user_id))):
        if application.status == "selected":
            application.user_id = None
            continue
        call = session.get(PitchCall, application.call_id)
        item = review.item_for(session, panel_id=panel_of(session, call=call).id, subject_kind=SUBJECT,
                               subject_id=application.id) if call is not None else None
        if item is not None:
            review.withdraw_item(session, item_id=item.id)
        session.delete(application)
    session.flush()

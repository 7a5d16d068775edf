"""HTML pages of the start-up pitches: the call and the selected pitches (public), applying (a
verified member of the start-up), the organisers' jury page (jury, assignment, results with the
weighted totals, decisions), and a jury member's scoring form (only when assigned and free of
conflicts of interest: `review.service` decides)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from bioatlas.accounts import service as accounts
from bioatlas.accounts.policy import Principal, can, require
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.events import forms, pitch_programme, pitches, service
from bioatlas.events.pages import Form, Id, attempt, event_or_404, guarded_event, page
from bioatlas.review import service as review
from bioatlas.core.fields import FieldError
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(include_in_schema=False)
Organiser = Annotated[Principal, Depends(require("events.organise"))]
Verified = Annotated[Principal, Depends(require("events.register"))]


def _pitches_page(request, session, t, event, p: Principal | None, *, error=None, status=200):
    scope = service.event_scope(session, event_id=event.id)
    call = pitches.call_of(session, event_id=event.id)
    names = service.actor_names(session, actor_ids=[a.actor_id for a in pitches.applications(session, event_id=event.id)])
    return page(request, t, "events/pitches.html", status=status, event=event, call=call, error=error,
                selected=pitches.selected(session, event_id=event.id), names=dict(names),
                may_organise=bool(p and can(p, "events.organise", scope)),
                may_apply=bool(p and call and call.is_open and can(p, "events.register", scope)),
                my_actors=service.actor_names(session, actor_ids=p.member_of) if p else [])


@router.get("/events/{event_id}/pitches", response_class=HTMLResponse)
def pitches_page(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep):
    event = event_or_404(session, t, event_id)
    return _pitches_page(request, session, t, event, getattr(request.state, "principal", None))


@router.post("/events/{event_id}/pitches/call", response_class=HTMLResponse)
def open_call(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Organiser):
    event = guarded_event(request, session, t, p, "events.organise", event_id)
    return attempt(session, lambda: pitches.open_call(session, event_id=event_id, title=forms.text(form, "title", 300),
                                                      description=forms.text(form, "description", 5000),
                                                      seats=forms.whole(form, "seats")),
                   done=f"/events/{event_id}/pitches",
                   failed=lambda **e: _pitches_page(request, session, t, event, p, **e))


@router.post("/events/{event_id}/pitches/apply", response_class=HTMLResponse)
def apply(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Verified):
    event = guarded_event(request, session, t, p, "events.register", event_id)
    return attempt(session, lambda: pitches.apply(session, event_id=event_id, user_id=p.user_id,
                                                  actor_id=forms.whole(form, "actor_id"),
                                                  title=forms.text(form, "title", 300),
                                                  summary=forms.text(form, "summary", pitches.MAX_SUMMARY + 100)),
                   done=f"/events/{event_id}/pitches",
                   failed=lambda **e: _pitches_page(request, session, t, event, p, **e),
                   missing=not_found("event_id", "This event has no call for pitches."))


def _jury_page(request, session, t, event, *, error=None, status=200):
    jury = pitches.jury_of(session, event_id=event.id)
    rows = pitches.results(session, event_id=event.id)
    placed = pitch_programme.placed(session, event_id=event.id)
    chosen = sorted((r.application for r in rows if r.application.status == "selected"),
                    key=lambda a: placed.get(a.id, (0, 1_000 + a.id))[1])
    return page(request, t, "events/pitch_jury.html", status=status, event=event, error=error, rows=rows,
                call=pitches.call_of(session, event_id=event.id), chosen=chosen, placed=placed,
                pitch_sessions=pitch_programme.pitch_sessions(session, event_id=event.id),
                jury=accounts.display_names(session, user_ids=jury),
                names=dict(service.actor_names(session, actor_ids=[r.application.actor_id for r in rows])))


@router.get("/events/{event_id}/pitches/jury", response_class=HTMLResponse)
def jury_page(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, p: Organiser):
    event = guarded_event(request, session, t, p, "events.organise", event_id)
    return _jury_page(request, session, t, event)


@router.post("/events/{event_id}/pitches/jury", response_class=HTMLResponse)
def add_jury(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Organiser):
    event = guarded_event(request, session, t, p, "events.organise", event_id)
    return attempt(session, lambda: pitches.jury_by_emails(session, event_id=event_id,
                                                           emails=forms.text(form, "emails", 5000).split()),
                   done=f"/events/{event_id}/pitches/jury", failed=lambda **e: _jury_page(request, session, t, event, **e),
                   missing=not_found("event_id", "This event has no call for pitches."))


@router.post("/events/{event_id}/pitches/assign", response_class=HTMLResponse)
def assign(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, p: Organiser):
    event = guarded_event(request, session, t, p, "events.organise", event_id)
    return attempt(session, lambda: pitches.assign_jury(session, event_id=event_id),
                   done=f"/events/{event_id}/pitches/jury", failed=lambda **e: _jury_page(request, session, t, event, **e),
                   missing=not_found("event_id", "This event has no call for pitches."))


@router.post("/events/{event_id}/pitches/{application_id}/decide", response_class=HTMLResponse)
def decide(request: Request, event_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
           p: Organiser):
    event = guarded_event(request, session, t, p, "events.organise", event_id)
    return attempt(session, lambda: pitches.decide(session, event_id=event_id, application_id=application_id,
                                                   decision=forms.text(form, "decision", 20),
                                                   rationale=forms.text(form, "rationale", 5000), by_user_id=p.user_id),
                   done=f"/events/{event_id}/pitches/jury", failed=lambda **e: _jury_page(request, session, t, event, **e),
                   missing=not_found("application_id", "No such pitch application."))


@router.post("/events/{event_id}/pitches/place", response_class=HTMLResponse)
def place(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Organiser):
    event = guarded_event(request, session, t, p, "events.organise", event_id)
    return attempt(session, lambda: pitch_programme.place_pitches(session, event_id=event_id,
                                                                  session_id=forms.whole(form, "session_id"),
                                                                  order=forms.pitch_order(form)),
                   done=f"/events/{event_id}/programme", failed=lambda **e: _jury_page(request, session, t, event, **e),
                   missing=not_found("session_id", "No such session."))


def _review_page(request, session, t, event, application_id: int, p: Principal, *, error=None, status=200):
    try:
        pitches.open_review(session, event_id=event.id, application_id=application_id, reviewer_id=p.user_id)
        session.commit()
    except service.NotFound:
        raise not_found("application_id", "No such pitch application.") from None
    except review.ConflictOfInterest as exc:
        session.commit()  # the exclusion is kept
        raise Refused(review.conflicts_refusal(session, exc.conflicts)) from None
    except review.NotAssigned:
        raise Refused(FieldError("", "You are not on the jury of this pitch.", 403),
                      detail="You are not on the jury of this pitch.") from None
    application = next(a for a in pitches.applications(session, event_id=event.id) if a.id == application_id)
    return page(request, t, "events/pitch_review.html", status=status, event=event, application=application,
                criteria=pitches.criteria_of(session, event_id=event.id), error=error,
                actor=dict(service.actor_names(session, actor_ids=[application.actor_id])).get(application.actor_id))


@router.get("/events/{event_id}/pitches/{application_id}/review", response_class=HTMLResponse)
def review_page(request: Request, event_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep,
                p: Verified):
    event = guarded_event(request, session, t, p, "events.register", event_id)
    return _review_page(request, session, t, event, application_id, p)


@router.post("/events/{event_id}/pitches/{application_id}/review", response_class=HTMLResponse)
def score(request: Request, event_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
          p: Verified):
    event = guarded_event(request, session, t, p, "events.register", event_id)
    criteria = {c.code for c in pitches.criteria_of(session, event_id=event_id)} if pitches.call_of(
        session, event_id=event_id) else set()
    scores = {code: forms.text(form, f"score_{code}", 20) for code in criteria}

    def run():
        try:
            return pitches.score(session, event_id=event_id, application_id=application_id, reviewer_id=p.user_id,
                                 scores=scores, comment=forms.text(form, "comment", 5000) or None)
        except (review.ConflictOfInterest, review.NotAssigned) as exc:
            raise service.Conflict("", exc.msgid, params=exc.params) from None

    return attempt(session, run, done=f"/events/{event_id}/pitches",
                   failed=lambda **e: _review_page(request, session, t, event, application_id, p, **e),
                   missing=not_found("application_id", "No such pitch application."))

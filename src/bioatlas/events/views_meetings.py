"""HTML pages of the B2B meetings, for participants: the participant list and meeting requests
(send, answer), availability, the agenda and its iCalendar file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from bioatlas.accounts.policy import Principal, authorize, require
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.events import forms, service
from bioatlas.events.pages import Form, Id, attempt, event_or_404, guarded_event, me_or_409, page
from bioatlas.web.refusals import not_found

router = APIRouter(include_in_schema=False)
Participant = Annotated[Principal, Depends(require("events.participate"))]


def _participants_page(request, session, t, event, p: Principal, *, error=None, status=200):
    me = service.participant_of(session, event_id=event.id, user_id=p.user_id)
    people = service.participants(session, event_id=event.id)
    names = {x.id: x for x in people}
    mine = service.requests_of(session, event_id=event.id, participant_id=me.id) if me else []
    linked = {r.to_id if r.from_id == (me.id if me else None) else r.from_id: r for r in mine}
    return page(request, t, "events/participants.html", status=status, event=event, me=me, people=people,
                names=names, incoming=[r for r in mine if me and r.to_id == me.id],
                outgoing=[r for r in mine if me and r.from_id == me.id], linked=linked, error=error,
                event_slots=service.slots_for(event),
                unavailable_text=", ".join(str(s + 1) for s in (me.unavailable if me else [])))


@router.get("/events/{event_id}/participants", response_class=HTMLResponse)
def participants_page(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, p: Participant):
    event = guarded_event(request, session, t, p, "events.participate", event_id)
    return _participants_page(request, session, t, event, p)


@router.post("/events/{event_id}/requests", response_class=HTMLResponse)
def send_request(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Participant):
    event = guarded_event(request, session, t, p, "events.participate", event_id)
    me = me_or_409(session, t, event_id, p)
    return attempt(session, lambda: service.send_request(
                       session, event=event, sender=me, to_participant_id=forms.whole(form, "to"),
                       priority=forms.text(form, "priority", 10), note=forms.text(form, "note", 2000)),
                   done=f"/events/{event_id}/participants",
                   failed=lambda **e: _participants_page(request, session, t, event, p, **e))


@router.post("/events/{event_id}/requests/{request_id}/answer", response_class=HTMLResponse)
def answer(request: Request, event_id: Id, request_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
           p: Annotated[Principal, Depends(require("events.answer"))]):
    scope = service.request_scope(session, event_id=event_id, request_id=request_id)
    if scope is None:
        raise not_found("request_id", "No such meeting request.")
    authorize(request, p, "events.answer", scope)
    event = event_or_404(session, t, event_id)
    return attempt(session, lambda: service.answer_request(session, request_id=request_id,
                                                           decision=forms.text(form, "decision", 10)),
                   done=f"/events/{event_id}/participants",
                   failed=lambda **e: _participants_page(request, session, t, event, p, **e))


@router.post("/events/{event_id}/availability", response_class=HTMLResponse)
def availability(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Participant):
    event = guarded_event(request, session, t, p, "events.participate", event_id)
    me = me_or_409(session, t, event_id, p)
    return attempt(session, lambda: service.set_availability(
                       session, event=event, participant=me,
                       unavailable=forms.slot_list(forms.text(form, "unavailable", 2000), "unavailable")),
                   done=f"/events/{event_id}/participants",
                   failed=lambda **e: _participants_page(request, session, t, event, p, **e))


@router.get("/events/{event_id}/agenda", response_class=HTMLResponse)
def agenda(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, p: Participant):
    event = guarded_event(request, session, t, p, "events.participate", event_id)
    me = service.participant_of(session, event_id=event_id, user_id=p.user_id)
    items = service.agenda(session, event=event, participant=me) if me else []
    return page(request, t, "events/agenda.html", event=event, me=me, items=items,
                published=service.published_run(session, event_id=event_id),
                sessions=service.chosen_sessions(session, participant_id=me.id) if me else [],
                speaking=service.speaking_sessions(session, event_id=event_id, user_id=me.user_id) if me else [])


@router.get("/events/{event_id}/agenda.ics")
def agenda_ics(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, p: Participant):
    event = guarded_event(request, session, t, p, "events.participate", event_id)
    me = me_or_409(session, t, event_id, p)
    body = service.agenda_ics(session, event=event, participant=me, lang=t.lang)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="event-{event_id}-agenda.ics"'})

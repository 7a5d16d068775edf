"""HTML pages of events: the list, an event, registration, the participant list and meeting
requests, availability, the participant's agenda (and its iCalendar file), the organisers'
settings, scheduling runs, draft review and publication."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from bioatlas.accounts.policy import Principal, authorize, can, require
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.events import forms, service
from bioatlas.events.labels import labels
from bioatlas.events.service import Conflict, FieldError, NotFound
from bioatlas.jobs.service import enqueue_after_commit
from bioatlas.web.pages import redirect, render

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _render(request: Request, t, template: str, status: int = 200, **context):
    return render(request, t, template, status=status, L=labels(t), **context)


async def _form(request: Request) -> FormData:
    return await request.form()


def _event_or_404(session, t, event_id: int):
    try:
        return service.get_event(session, event_id=event_id)
    except NotFound:
        raise HTTPException(404, detail=t("No event with this number.")) from None


def _scope(request: Request, session, t, p: Principal, action: str, event_id: int):
    scope = service.event_scope(session, event_id=event_id)
    if scope is None:
        if not p.authenticated:
            authorize(request, p, action)
        raise HTTPException(404, detail=t("No event with this number."))
    authorize(request, p, action, scope)
    return scope


def _error(t, exc: Exception) -> str:
    if isinstance(exc, FieldError):
        return f"{exc.field}: {exc.message}"
    return str(exc)


@router.get("/events", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, t: TranslatorDep):
    p = getattr(request.state, "principal", None)
    return _render(request, t, "events/list.html", events=service.list_events(session),
                   may_create=bool(p and can(p, "events.create")))


def _event_page(request, session, t, event, *, error=None, status=200):
    p = getattr(request.state, "principal", None)
    scope = service.event_scope(session, event_id=event.id)
    me = service.participant_of(session, event_id=event.id, user_id=p.user_id if p else None)
    people = service.participants(session, event_id=event.id)
    return _render(request, t, "events/event.html", status=status, event=event, me=me, error=error,
                  organisers=service.organiser_names(session, event_id=event.id), count=len(people),
                  event_slots=service.slots_for(event), published=service.published_run(session, event_id=event.id),
                  may_organise=bool(p and can(p, "events.organise", scope)),
                  may_register=bool(p and p.user_id is not None and me is None and can(p, "events.register", scope)),
                  categories=service.CATEGORIES, my_actors=service.actor_names(session, actor_ids=p.member_of if p else ()))


def _new_page(request, session, t, p: Principal, *, values=None, error=None, status=200):
    return _render(request, t, "events/new.html", status=status, values=values or {}, error=error,
                   my_actors=service.actor_names(session, actor_ids=p.member_of))


@router.get("/events/new", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, t: TranslatorDep,
             p: Annotated[Principal, Depends(require("events.create"))]):
    return _new_page(request, session, t, p)


@router.post("/events/new", response_class=HTMLResponse)
def create(request: Request, session: SessionDep, t: TranslatorDep, form: Annotated[FormData, Depends(_form)],
           p: Annotated[Principal, Depends(require("events.create"))]):
    values = {k: forms.text(form, k, 500) for k in ("title", "description", "starts_on", "ends_on", "venue_name",
                                                    "venue_city", "venue_lat", "venue_lon", "organiser")}
    try:
        event = service.create_event(session, created_by=p.user_id, **forms.event_from(values, allowed=p.member_of,
                                                                                       admin=p.is_admin))
        session.commit()
    except FieldError as exc:
        session.rollback()
        return _new_page(request, session, t, p, values=values, error=_error(t, exc), status=422)
    return redirect(f"/events/{event.id}/organise")


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep):
    return _event_page(request, session, t, _event_or_404(session, t, event_id))


@router.post("/events/{event_id}/register", response_class=HTMLResponse)
def register(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep,
             form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("events.register"))]):
    _scope(request, session, t, p, "events.register", event_id)
    event = _event_or_404(session, t, event_id)
    actor_raw = forms.text(form, "actor_id", 20)
    actor_id = int(actor_raw) if actor_raw.isdigit() and int(actor_raw) in p.member_of else None
    try:
        reps = forms.whole(form, "representatives") if forms.text(form, "representatives") else 1
        service.register(session, event=event, user_id=p.user_id, actor_id=actor_id,
                         display_name=forms.text(form, "display_name", 200) or p.display_name,
                         category=forms.text(form, "category", 30), representatives=reps)
        session.commit()
    except (FieldError, Conflict) as exc:
        session.rollback()
        return _event_page(request, session, t, event, error=_error(t, exc), status=409 if isinstance(exc, Conflict) else 422)
    return redirect(f"/events/{event_id}/participants")


def _participants_page(request, session, t, event, p: Principal, *, error=None, status=200):
    me = service.participant_of(session, event_id=event.id, user_id=p.user_id)
    people = service.participants(session, event_id=event.id)
    names = {x.id: x for x in people}
    mine = service.requests_of(session, event_id=event.id, participant_id=me.id) if me else []
    linked = {r.to_id if r.from_id == (me.id if me else None) else r.from_id: r for r in mine}
    return _render(request, t, "events/participants.html", status=status, event=event, me=me, people=people,
                  names=names, incoming=[r for r in mine if me and r.to_id == me.id],
                  outgoing=[r for r in mine if me and r.from_id == me.id], linked=linked, error=error,
                  event_slots=service.slots_for(event),
                  unavailable_text=", ".join(str(s + 1) for s in (me.unavailable if me else [])))


@router.get("/events/{event_id}/participants", response_class=HTMLResponse)
def participants_page(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep,
                      p: Annotated[Principal, Depends(require("events.participate"))]):
    _scope(request, session, t, p, "events.participate", event_id)
    return _participants_page(request, session, t, _event_or_404(session, t, event_id), p)


def _me_or_409(session, t, event_id: int, p: Principal):
    me = service.participant_of(session, event_id=event_id, user_id=p.user_id)
    if me is None:
        raise HTTPException(409, detail=t("Register for the event first."))
    return me


@router.post("/events/{event_id}/requests", response_class=HTMLResponse)
def send_request(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep,
                 form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("events.participate"))]):
    _scope(request, session, t, p, "events.participate", event_id)
    event = _event_or_404(session, t, event_id)
    me = _me_or_409(session, t, event_id, p)
    try:
        service.send_request(session, event=event, sender=me, to_participant_id=forms.whole(form, "to"),
                             priority=forms.text(form, "priority", 10), note=forms.text(form, "note", 2000))
        session.commit()
    except (FieldError, Conflict) as exc:
        session.rollback()
        return _participants_page(request, session, t, event, p, error=_error(t, exc),
                                  status=409 if isinstance(exc, Conflict) else 422)
    return redirect(f"/events/{event_id}/participants")


@router.post("/events/{event_id}/requests/{request_id}/answer", response_class=HTMLResponse)
def answer(request: Request, event_id: Id, request_id: Id, session: SessionDep, t: TranslatorDep,
           form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("events.answer"))]):
    scope = service.request_scope(session, event_id=event_id, request_id=request_id)
    if scope is None:
        raise HTTPException(404, detail=t("No such meeting request."))
    authorize(request, p, "events.answer", scope)
    event = _event_or_404(session, t, event_id)
    try:
        service.answer_request(session, request_id=request_id, decision=forms.text(form, "decision", 10))
        session.commit()
    except (FieldError, Conflict) as exc:
        session.rollback()
        return _participants_page(request, session, t, event, p, error=_error(t, exc),
                                  status=409 if isinstance(exc, Conflict) else 422)
    return redirect(f"/events/{event_id}/participants")


@router.post("/events/{event_id}/availability", response_class=HTMLResponse)
def availability(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep,
                 form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("events.participate"))]):
    _scope(request, session, t, p, "events.participate", event_id)
    event = _event_or_404(session, t, event_id)
    me = _me_or_409(session, t, event_id, p)
    try:
        service.set_availability(session, event=event, participant=me,
                                 unavailable=forms.slot_list(forms.text(form, "unavailable", 2000), "unavailable"))
        session.commit()
    except FieldError as exc:
        session.rollback()
        return _participants_page(request, session, t, event, p, error=_error(t, exc), status=422)
    return redirect(f"/events/{event_id}/participants")


@router.get("/events/{event_id}/agenda", response_class=HTMLResponse)
def agenda(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep,
           p: Annotated[Principal, Depends(require("events.participate"))]):
    _scope(request, session, t, p, "events.participate", event_id)
    event = _event_or_404(session, t, event_id)
    me = service.participant_of(session, event_id=event_id, user_id=p.user_id)
    items = service.agenda(session, event=event, participant=me) if me else []
    return _render(request, t, "events/agenda.html", event=event, me=me, items=items,
                  published=service.published_run(session, event_id=event_id))


@router.get("/events/{event_id}/agenda.ics")
def agenda_ics(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep,
               p: Annotated[Principal, Depends(require("events.participate"))]):
    _scope(request, session, t, p, "events.participate", event_id)
    event = _event_or_404(session, t, event_id)
    me = _me_or_409(session, t, event_id, p)
    body = service.agenda_ics(session, event=event, participant=me, lang=t.lang)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="event-{event_id}-agenda.ics"'})


def _organise_page(request, session, t, event, *, error=None, status=200):
    runs = service.runs_of(session, event_id=event.id)
    draft = next((r for r in runs if r.status == "done" and r.published_at is None
                  and r.outcome in ("optimal", "feasible")), None)
    published = service.published_run(session, event_id=event.id)
    shown = draft or published
    requests = service.requests_of(session, event_id=event.id)
    counts = {s: sum(1 for r in requests if r.status == s) for s in ("pending", "accepted", "declined")}
    return _render(request, t, "events/organise.html", status=status, event=event, runs=runs, draft=draft,
                  published=published, shown=shown, error=error, counts=counts,
                  rows=service.schedule_rows(session, event=event, run=shown) if shown else [],
                  settings=event.settings or {}, sessions_text=forms.sessions_text(event.settings or {}),
                  forbidden_text=", ".join(str(s + 1) for s in (event.settings or {}).get("forbidden", [])),
                  participants=len(service.participants(session, event_id=event.id)))


@router.get("/events/{event_id}/organise", response_class=HTMLResponse)
def organise(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep,
             p: Annotated[Principal, Depends(require("events.organise"))]):
    _scope(request, session, t, p, "events.organise", event_id)
    return _organise_page(request, session, t, _event_or_404(session, t, event_id))


@router.post("/events/{event_id}/settings", response_class=HTMLResponse)
def save_settings(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep,
                  form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("events.organise"))]):
    _scope(request, session, t, p, "events.organise", event_id)
    event = _event_or_404(session, t, event_id)
    try:
        service.update_settings(session, event=event, raw=forms.settings_from(form))
        session.commit()
    except FieldError as exc:
        session.rollback()
        return _organise_page(request, session, t, event, error=_error(t, exc), status=422)
    return redirect(f"/events/{event_id}/organise")


@router.post("/events/{event_id}/schedule", response_class=HTMLResponse)
def schedule(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep,
             p: Annotated[Principal, Depends(require("events.organise"))]):
    _scope(request, session, t, p, "events.organise", event_id)
    event = _event_or_404(session, t, event_id)
    try:
        run = service.start_run(session, event=event, user_id=p.user_id)
        enqueue_after_commit(session, "events.schedule", run_id=run.id)
        session.commit()
    except (FieldError, Conflict) as exc:
        session.rollback()
        return _organise_page(request, session, t, event, error=_error(t, exc),
                              status=409 if isinstance(exc, Conflict) else 422)
    return redirect(f"/events/{event_id}/organise")


@router.post("/events/{event_id}/runs/{run_id}/publish", response_class=HTMLResponse)
def publish(request: Request, event_id: Id, run_id: Id, session: SessionDep, t: TranslatorDep,
            p: Annotated[Principal, Depends(require("events.organise"))]):
    _scope(request, session, t, p, "events.organise", event_id)
    event = _event_or_404(session, t, event_id)
    try:
        service.publish(session, event=event, run_id=run_id)
        session.commit()
    except NotFound:
        raise HTTPException(404, detail=t("No such scheduling run.")) from None
    except Conflict as exc:
        session.rollback()
        return _organise_page(request, session, t, event, error=_error(t, exc), status=409)
    return redirect(f"/events/{event_id}/organise")


@router.post("/events/{event_id}/requests/{request_id}/fix", response_class=HTMLResponse)
def fix(request: Request, event_id: Id, request_id: Id, session: SessionDep, t: TranslatorDep,
        form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("events.organise"))]):
    _scope(request, session, t, p, "events.organise", event_id)
    event = _event_or_404(session, t, event_id)
    raw = forms.text(form, "slot", 10)
    try:
        slot = None if raw == "" else forms.whole(form, "slot") - 1
        service.fix_meeting(session, event=event, request_id=request_id, slot=slot)
        session.commit()
    except NotFound:
        raise HTTPException(404, detail=t("No such meeting request.")) from None
    except (FieldError, Conflict) as exc:
        session.rollback()
        return _organise_page(request, session, t, event, error=_error(t, exc),
                              status=409 if isinstance(exc, Conflict) else 422)
    return redirect(f"/events/{event_id}/organise")

"""HTML pages of the organisers' event management: the programme (add, edit, remove sessions),
registration limits and the waiting list, exhibitors' booths, the CSV export of registrations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from bioatlas.accounts.policy import Principal, require
from bioatlas.atlas.deps import get_taxonomies
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.events import forms, programme_edit, service
from bioatlas.events.pages import Form, Id, attempt, guarded_event, page
from bioatlas.web.refusals import not_found

router = APIRouter(include_in_schema=False)
Organiser = Annotated[Principal, Depends(require("events.organise"))]
ORGANISE = "events.organise"
SESSION_FIELDS = ("title", "kind", "track", "room", "day", "start", "end", "description", "speakers")


def _manage_page(request, session, t, event, *, error=None, status=200, values=None, rows=None, more=False):
    kinds = get_taxonomies(request)["kinds"]
    return page(request, t, "events/manage.html", status=status, event=event, values=values or {},
                **_rows_context(error, rows, more),
                sessions=service.programme(session, event_id=event.id), kinds=service.SESSION_KINDS,
                limits=service.capacities(session, event_id=event.id),
                registered=service.counts(session, event_id=event.id),
                waiting=service.counts(session, event_id=event.id, status="waiting"),
                categories=service.CATEGORIES, exhibitors=service.exhibitors(session, event_id=event.id),
                kind_label=lambda code: kinds.label(code, t.lang), people=_people(session, event))


def _rows_context(error, rows, more: bool) -> dict:
    """The speaker rows shown (see `forms.rows_shown`) and the one a refusal names (`speakers[2]`)."""
    field = getattr(error, "field", "") or ""
    refused = int(field[9:-1]) if field.startswith("speakers[") and field[9:-1].isdigit() else None
    return {"rows": forms.rows_shown(rows, more=more), "refused_row": refused, "error": error}


def _people(session, event):
    """The participants an organiser may link as speakers: registered accounts, by number."""
    return [p for p in service.participants(session, event_id=event.id) if p.user_id is not None]


def _back(request, session, t, event, values=None, rows=None):
    return lambda **e: _manage_page(request, session, t, event, values=values, rows=rows, **e)


@router.get("/events/{event_id}/manage", response_class=HTMLResponse)
def manage(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, p: Organiser):
    return _manage_page(request, session, t, guarded_event(request, session, t, p, ORGANISE, event_id))


@router.post("/events/{event_id}/sessions", response_class=HTMLResponse)
def add_session(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Organiser):
    event = guarded_event(request, session, t, p, ORGANISE, event_id)
    values, rows = {k: forms.text(form, k, 5000) for k in SESSION_FIELDS}, forms.posted_rows(form)
    if forms.text(form, "add_speaker", 5):  # "add a speaker": the form again, one row more, nothing saved
        return _manage_page(request, session, t, event, values=values, rows=rows, more=True)
    return attempt(session, lambda: service.add_session(
                       session, event=event, title=values["title"], kind=values["kind"], track=values["track"],
                       room=values["room"], day=values["day"], start=values["start"], end=values["end"],
                       description=values["description"], speakers=forms.speakers_posted(form)),
                   done=f"/events/{event_id}/manage#programme", failed=_back(request, session, t, event, values, rows))


def _edit_page(request, session, t, event, session_id: int, *, error=None, status=200, values=None, rows=None,
               more=False):
    if values is None:
        view = service.get_session(session, event=event, session_id=session_id)
        row = view.row
        values = {"title": row.title, "kind": row.kind, "track": row.track, "room": row.room,
                  "day": row.starts_at.date().isoformat(), "start": f"{row.starts_at:%H:%M}",
                  "end": f"{row.ends_at:%H:%M}", "description": row.description}
        rows = forms.speaker_rows(view.speakers, service.participant_numbers(
            session, event_id=event.id, user_ids=[sp.user_id for sp in view.speakers]))
    return page(request, t, "events/session_edit.html", status=status, event=event, session_id=session_id,
                values=values, kinds=service.SESSION_KINDS, people=_people(session, event),
                **_rows_context(error, rows, more))


@router.get("/events/{event_id}/sessions/{session_id}/edit", response_class=HTMLResponse)
def edit_session_page(request: Request, event_id: Id, session_id: Id, session: SessionDep, t: TranslatorDep,
                      p: Organiser):
    event = guarded_event(request, session, t, p, ORGANISE, event_id)
    try:
        return _edit_page(request, session, t, event, session_id)
    except service.NotFound:
        raise not_found("session_id", "No such session.") from None


@router.post("/events/{event_id}/sessions/{session_id}/edit", response_class=HTMLResponse)
def edit_session(request: Request, event_id: Id, session_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
                 p: Organiser):
    event = guarded_event(request, session, t, p, ORGANISE, event_id)
    values, rows = {k: forms.text(form, k, 5000) for k in SESSION_FIELDS}, forms.posted_rows(form)
    if forms.text(form, "add_speaker", 5):  # "add a speaker": the form again, one row more, nothing saved
        return _edit_page(request, session, t, event, session_id, values=values, rows=rows, more=True)
    return attempt(session, lambda: programme_edit.edit_session(
                       session, event=event, session_id=session_id, title=values["title"], kind=values["kind"],
                       track=values["track"], room=values["room"], day=values["day"], start=values["start"],
                       end=values["end"], description=values["description"],
                       speakers=forms.speakers_posted(form), by_user_id=p.user_id,
                       ip=request.client.host if request.client else None),
                   done=f"/events/{event_id}/manage#programme",
                   failed=lambda **e: _edit_page(request, session, t, event, session_id, values=values, rows=rows,
                                                 **e),
                   missing=not_found("session_id", "No such session."))


@router.post("/events/{event_id}/sessions/{session_id}/delete", response_class=HTMLResponse)
def delete_session(request: Request, event_id: Id, session_id: Id, session: SessionDep, t: TranslatorDep,
                   p: Organiser):
    event = guarded_event(request, session, t, p, ORGANISE, event_id)
    ip = request.client.host if request.client else None
    return attempt(session, lambda: service.delete_session(session, event=event, session_id=session_id,
                                                           by_user_id=p.user_id, ip=ip),
                   done=f"/events/{event_id}/manage#programme", failed=_back(request, session, t, event),
                   missing=not_found("session_id", "No such session."))


@router.post("/events/{event_id}/capacity", response_class=HTMLResponse)
def capacity(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Organiser):
    event = guarded_event(request, session, t, p, ORGANISE, event_id)
    return attempt(session, lambda: service.set_capacities(session, event=event,
                                                           limits=forms.limits_from(form, service.CATEGORIES)),
                   done=f"/events/{event_id}/manage#registration", failed=_back(request, session, t, event))


@router.post("/events/{event_id}/exhibitors", response_class=HTMLResponse)
def add_exhibitor(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Organiser):
    event = guarded_event(request, session, t, p, ORGANISE, event_id)
    village = {"yes": True, "no": False}.get(forms.text(form, "village", 5))
    return attempt(session, lambda: service.add_exhibitor(
                       session, event=event, actor_ref=forms.text(form, "actor", 500),
                       booth=forms.text(form, "booth", 100), village=village,
                       description=forms.text(form, "description", 2000)),
                   done=f"/events/{event_id}/manage#exhibitors", failed=_back(request, session, t, event))


@router.post("/events/{event_id}/exhibitors/{exhibitor_id}/delete", response_class=HTMLResponse)
def remove_exhibitor(request: Request, event_id: Id, exhibitor_id: Id, session: SessionDep, t: TranslatorDep,
                     p: Organiser):
    event = guarded_event(request, session, t, p, ORGANISE, event_id)
    return attempt(session, lambda: service.remove_exhibitor(session, event=event, exhibitor_id=exhibitor_id),
                   done=f"/events/{event_id}/manage#exhibitors", failed=_back(request, session, t, event),
                   missing=not_found("exhibitor_id", "No such exhibitor."))


@router.get("/events/{event_id}/registrations.csv")
def registrations_csv(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, p: Organiser):
    event = guarded_event(request, session, t, p, ORGANISE, event_id)
    return Response(service.registrations_csv(session, event=event), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="event-{event_id}-registrations.csv"'})

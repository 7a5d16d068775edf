"""HTML pages of the programme: the public programme (filters by day, track, kind, room; in
French or English), its iCalendar file and each session's, and a participant putting a session
in its own agenda."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from bioatlas.accounts.policy import Principal, require
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.events import forms, service
from bioatlas.events.pages import Form, Id, attempt, error_text, event_or_404, guarded_event, me_or_409, page
from bioatlas.web.refusals import not_found

router = APIRouter(include_in_schema=False)


def _ics(body: bytes, filename: str) -> Response:
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@router.get("/events/{event_id}/programme", response_class=HTMLResponse)
def programme_page(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, track: str = "",
                   kind: str = "", day: str = "", room: str = ""):
    event = event_or_404(session, t, event_id)
    p = getattr(request.state, "principal", None)
    me = service.participant_of(session, event_id=event_id, user_id=p.user_id if p else None)
    me = me if me is not None and me.status == "registered" else None
    views = service.programme(session, event_id=event_id, track=track[:120] or None, kind=kind[:24] or None,
                              day=_day(day), room=room[:120] or None)
    days: dict[date, list] = {}
    for v in views:
        days.setdefault(v.row.starts_at.date(), []).append(v)
    return page(request, t, "events/programme.html", event=event, days=days, me=me,
                facets=service.programme_facets(session, event_id=event_id),
                chosen=service.chosen_ids(session, participant_id=me.id) if me else set(),
                filters={"track": track, "kind": kind, "day": day, "room": room}, count=len(views))


@router.get("/events/{event_id}/programme.ics")
def programme_ics(event_id: Id, session: SessionDep, t: TranslatorDep):
    event = event_or_404(session, t, event_id)
    return _ics(service.sessions_ics(event, service.programme(session, event_id=event_id), lang=t.lang),
                f"event-{event_id}-programme.ics")


@router.get("/events/{event_id}/sessions/{session_id}.ics")
def session_ics(event_id: Id, session_id: Id, session: SessionDep, t: TranslatorDep):
    event = event_or_404(session, t, event_id)
    try:
        view = service.get_session(session, event=event, session_id=session_id)
    except service.NotFound:
        raise not_found("session_id", "No such session.") from None
    return _ics(service.sessions_ics(event, [view], lang=t.lang), f"event-{event_id}-session-{session_id}.ics")


@router.post("/events/{event_id}/sessions/{session_id}/choose", response_class=HTMLResponse)
def choose(request: Request, event_id: Id, session_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
           p: Annotated[Principal, Depends(require("events.participate"))]):
    event = guarded_event(request, session, t, p, "events.participate", event_id)
    me = me_or_409(session, t, event_id, p)
    chosen = forms.text(form, "chosen", 5) != "0"
    return attempt(session, lambda: service.choose_session(session, event=event, participant=me,
                                                           session_id=session_id, chosen=chosen),
                   done=f"/events/{event_id}/programme#session-{session_id}",
                   failed=lambda **e: HTMLResponse(escape(error_text(e["error"], t)), status_code=e["status"]),
                   missing=not_found("session_id", "No such session."))

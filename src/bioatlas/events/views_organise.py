"""HTML pages of the organisers' B2B work: settings, scheduling runs (queued as background
jobs), the draft grid, publication, fixing a meeting at a slot."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from bioatlas.accounts.policy import Principal, require
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.events import forms, service
from bioatlas.events.pages import Form, Id, attempt, guarded_event, page
from bioatlas.jobs.service import enqueue_after_commit
from bioatlas.web.refusals import not_found

router = APIRouter(include_in_schema=False)
Organiser = Annotated[Principal, Depends(require("events.organise"))]
ORGANISE = "events.organise"


def _organise_page(request, session, t, event, *, error=None, status=200):
    runs = service.runs_of(session, event_id=event.id)
    draft = next((r for r in runs if r.status == "done" and r.published_at is None
                  and r.outcome in ("optimal", "feasible")), None)
    published = service.published_run(session, event_id=event.id)
    shown = draft or published
    requests = service.requests_of(session, event_id=event.id)
    counts = {s: sum(1 for r in requests if r.status == s) for s in ("pending", "accepted", "declined")}
    return page(request, t, "events/organise.html", status=status, event=event, runs=runs, draft=draft,
                published=published, shown=shown, error=error, counts=counts,
                rows=service.schedule_rows(session, event=event, run=shown) if shown else [],
                breaks=service.breaks_summary(session, event=event, run=shown) if shown else None,
                settings=event.settings or {}, sessions_text=forms.sessions_text(event.settings or {}),
                forbidden_text=", ".join(str(s + 1) for s in (event.settings or {}).get("forbidden", [])),
                participants=len(service.participants(session, event_id=event.id)))


def _back(request, session, t, event):
    """Where an organiser's form comes back to: the organise page, with the error."""
    return lambda **e: _organise_page(request, session, t, event, **e)


@router.get("/events/{event_id}/organise", response_class=HTMLResponse)
def organise(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, p: Organiser):
    return _organise_page(request, session, t, guarded_event(request, session, t, p, ORGANISE, event_id))


@router.post("/events/{event_id}/settings", response_class=HTMLResponse)
def save_settings(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Organiser):
    event = guarded_event(request, session, t, p, ORGANISE, event_id)
    return attempt(session, lambda: service.update_settings(session, event=event, raw=forms.settings_from(form)),
                   done=f"/events/{event_id}/organise", failed=_back(request, session, t, event))


@router.post("/events/{event_id}/schedule", response_class=HTMLResponse)
def schedule(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, p: Organiser):
    event = guarded_event(request, session, t, p, ORGANISE, event_id)

    def act():
        run = service.start_run(session, event=event, user_id=p.user_id)
        enqueue_after_commit(session, "events.schedule", run_id=run.id)
        return run

    return attempt(session, act, done=f"/events/{event_id}/organise", failed=_back(request, session, t, event))


@router.post("/events/{event_id}/runs/{run_id}/publish", response_class=HTMLResponse)
def publish(request: Request, event_id: Id, run_id: Id, session: SessionDep, t: TranslatorDep, p: Organiser):
    event = guarded_event(request, session, t, p, ORGANISE, event_id)
    return attempt(session, lambda: service.publish(session, event=event, run_id=run_id),
                   done=f"/events/{event_id}/organise", failed=_back(request, session, t, event),
                   missing=not_found("run_id", "No such scheduling run."))


@router.post("/events/{event_id}/requests/{request_id}/fix", response_class=HTMLResponse)
def fix(request: Request, event_id: Id, request_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
        p: Organiser):
    event = guarded_event(request, session, t, p, ORGANISE, event_id)

    def act():
        slot = None if forms.text(form, "slot", 10) == "" else forms.whole(form, "slot") - 1
        return service.fix_meeting(session, event=event, request_id=request_id, slot=slot)

    return attempt(session, act, done=f"/events/{event_id}/organise", failed=_back(request, session, t, event),
                   missing=not_found("request_id", "No such meeting request."))

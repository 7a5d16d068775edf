"""HTML pages of events: the list, creating an event, an event's page (with its exhibitors,
filterable), registration and cancellation. The other pages: `views_programme` (the public
programme, calendar files), `views_meetings` (participants, requests, availability, agenda),
`views_organise` (B2B settings, runs, review, publication), `views_manage` (programme,
capacities, exhibitors, CSV export), `views_badges` (badges, check-in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from bioatlas.accounts.policy import Principal, can, require
from bioatlas.atlas.deps import get_taxonomies
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.events import forms, service
from bioatlas.events.pages import Form, Id, attempt, event_or_404, guarded_event, page

router = APIRouter(include_in_schema=False)


@router.get("/events", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, t: TranslatorDep):
    p = getattr(request.state, "principal", None)
    return page(request, t, "events/list.html", events=service.list_events(session),
                may_create=bool(p and can(p, "events.create")))


def _event_page(request, session, t, event, *, error=None, status=200):
    p = getattr(request.state, "principal", None)
    scope = service.event_scope(session, event_id=event.id)
    me = service.participant_of(session, event_id=event.id, user_id=p.user_id if p else None)
    query = request.query_params
    village = {"yes": True, "no": False}.get(query.get("village", ""))
    kind, q = query.get("kind", "")[:40], query.get("q", "")[:200]
    kinds = get_taxonomies(request)["kinds"]
    return page(request, t, "events/event.html", status=status, event=event, me=me, error=error,
                organisers=service.organiser_names(session, event_id=event.id),
                count=service.counts(session, event_id=event.id)[service.ALL_CATEGORIES],
                waiting_count=service.counts(session, event_id=event.id, status="waiting")[service.ALL_CATEGORIES],
                position=service.waiting_position(session, participant=me) if me else None,
                event_slots=service.slots_for(event), published=service.published_run(session, event_id=event.id),
                may_organise=bool(p and can(p, "events.organise", scope)),
                may_register=bool(p and p.user_id is not None and (me is None or me.status == "cancelled")
                                  and can(p, "events.register", scope)),
                categories=service.CATEGORIES, my_actors=service.actor_names(session, actor_ids=p.member_of if p else ()),
                exhibitors=service.exhibitors(session, event_id=event.id, village=village, kind=kind or None, q=q),
                exhibitor_kinds=service.exhibitor_kinds(session, event_id=event.id),
                exhibitor_filters={"village": query.get("village", ""), "kind": kind, "q": q},
                kind_label=lambda code: kinds.label(code, t.lang),
                sessions=len(service.programme(session, event_id=event.id)))


def _new_page(request, session, t, p: Principal, *, values=None, error=None, status=200):
    return page(request, t, "events/new.html", status=status, values=values or {}, error=error,
                my_actors=service.actor_names(session, actor_ids=p.member_of))


@router.get("/events/new", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, t: TranslatorDep,
             p: Annotated[Principal, Depends(require("events.create"))]):
    return _new_page(request, session, t, p)


@router.post("/events/new", response_class=HTMLResponse)
def create(request: Request, session: SessionDep, t: TranslatorDep, form: Form,
           p: Annotated[Principal, Depends(require("events.create"))]):
    values = {k: forms.text(form, k, 500) for k in ("title", "description", "starts_on", "ends_on", "venue_name",
                                                    "venue_city", "venue_lat", "venue_lon", "organiser")}
    return attempt(session, lambda: service.create_event(session, created_by=p.user_id, **forms.event_from(
                       values, allowed=p.member_of, admin=p.is_admin)),
                   done=lambda event: f"/events/{event.id}/organise",
                   failed=lambda **e: _new_page(request, session, t, p, values=values, **e))


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep):
    return _event_page(request, session, t, event_or_404(session, t, event_id))


@router.post("/events/{event_id}/register", response_class=HTMLResponse)
def register(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
             p: Annotated[Principal, Depends(require("events.register"))]):
    event = guarded_event(request, session, t, p, "events.register", event_id)
    actor_raw = forms.text(form, "actor_id", 20)
    actor_id = int(actor_raw) if actor_raw.isdigit() and int(actor_raw) in p.member_of else None

    def act():
        reps = forms.whole(form, "representatives") if forms.text(form, "representatives") else 1
        return service.register(session, event=event, user_id=p.user_id, actor_id=actor_id,
                                display_name=forms.text(form, "display_name", 200) or p.display_name,
                                category=forms.text(form, "category", 30), representatives=reps)

    return attempt(session, act, done=f"/events/{event_id}",
                   failed=lambda **e: _event_page(request, session, t, event, **e))


@router.post("/events/{event_id}/cancel", response_class=HTMLResponse)
def cancel(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
           p: Annotated[Principal, Depends(require("events.register"))]):
    """One's own registration (or place on the waiting list) cancelled; `confirm=yes` required."""
    event = guarded_event(request, session, t, p, "events.register", event_id)

    def act():
        if forms.text(form, "confirm", 5) != "yes":
            raise service.FieldError("confirm", "tick the box to confirm the cancellation")
        me = service.participant_of(session, event_id=event_id, user_id=p.user_id)
        if me is None:
            raise service.Conflict("", "you are not registered for this event")
        return service.cancel(session, event=event, participant=me)

    return attempt(session, act, done=f"/events/{event_id}",
                   failed=lambda **e: _event_page(request, session, t, event, **e))

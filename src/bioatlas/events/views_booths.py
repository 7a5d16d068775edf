"""HTML pages of booth applications: a member of an atlas actor applies for a stand and follows
its applications (`events.register`, the service checks the membership); organisers review them
beside the floor plan (its free booths listed once the organisers declared the plan's booths) and
accept at a booth (a free one of the plan), wait-list or refuse with a reason (`events.organise`);
the applicant withdraws its own application (the service checks it is theirs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from bioatlas.accounts.policy import Principal, require
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.events import booths, floor_plan, forms, service
from bioatlas.events.booth_models import STAND_TYPES
from bioatlas.events.pages import Form, Id, attempt, guarded_event, page
from bioatlas.web.refusals import not_found

router = APIRouter(include_in_schema=False)
Organiser = Annotated[Principal, Depends(require("events.organise"))]
Verified = Annotated[Principal, Depends(require("events.register"))]


def _stand_labels(t) -> dict[str, str]:
    return {"standard": t("Standard stand (9 m²)"), "large": t("Large stand (18 m²)"),
            "village": t("Table in the innovation village")}


def _status_labels(t) -> dict[str, str]:
    return {"submitted": t("under review"), "accepted": t("accepted"), "waitlisted": t("waiting list"),
            "refused": t("refused"), "withdrawn": t("withdrawn")}


def _apply_page(request, session, t, event, p: Principal, *, error=None, status=200, values=None):
    return page(request, t, "events/booths.html", status=status, event=event, error=error, values=values or {},
                mine=booths.booth_applications(session, event_id=event.id, user_id=p.user_id),
                my_actors=service.actor_names(session, actor_ids=p.member_of), stand_types=STAND_TYPES,
                stand_label=_stand_labels(t), status_label=_status_labels(t))


@router.get("/events/{event_id}/booths", response_class=HTMLResponse)
def booths_page(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, p: Verified):
    return _apply_page(request, session, t, guarded_event(request, session, t, p, "events.register", event_id), p)


@router.post("/events/{event_id}/booths", response_class=HTMLResponse)
def apply(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Verified):
    event = guarded_event(request, session, t, p, "events.register", event_id)
    values = {k: forms.text(form, k, 1000) for k in ("actor_id", "stand_type", "wish", "text")}
    return attempt(session, lambda: booths.apply_for_booth(
                       session, event=event, user_id=p.user_id, actor_id=forms.whole(form, "actor_id"),
                       stand_type=values["stand_type"], wish=values["wish"], text=values["text"]),
                   done=f"/events/{event_id}/booths",
                   failed=lambda **e: _apply_page(request, session, t, event, p, values=values, **e))


@router.post("/events/{event_id}/booths/{application_id}/withdraw", response_class=HTMLResponse)
def withdraw(request: Request, event_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
             p: Verified):
    """One's own application withdrawn (`confirm=yes` required)."""
    event = guarded_event(request, session, t, p, "events.register", event_id)

    def act():
        if forms.text(form, "confirm", 5) != "yes":
            raise service.FieldError("confirm", "tick the box to confirm the withdrawal")
        return booths.withdraw_booth(session, event=event, application_id=application_id, user_id=p.user_id,
                                     ip=request.client.host if request.client else None)

    return attempt(session, act, done=f"/events/{event_id}/booths",
                   failed=lambda **e: _apply_page(request, session, t, event, p, **e),
                   missing=not_found("application_id", "No such booth application."))


def _review_page(request, session, t, event, *, error=None, status=200, plan_text=None):
    plan = floor_plan.declared_booths(event)
    return page(request, t, "events/booth_review.html", status=status, event=event, error=error,
                applications=booths.booth_applications(session, event_id=event.id),
                exhibitors=service.exhibitors(session, event_id=event.id), plan=plan,
                free=floor_plan.free_booths(session, event=event),
                plan_text=floor_plan.booths_text(plan) if plan_text is None else plan_text,
                stand_label=_stand_labels(t), status_label=_status_labels(t))


@router.get("/events/{event_id}/booths/review", response_class=HTMLResponse)
def review_page(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, p: Organiser):
    return _review_page(request, session, t, guarded_event(request, session, t, p, "events.organise", event_id))


@router.post("/events/{event_id}/booths/{application_id}/decide", response_class=HTMLResponse)
def decide(request: Request, event_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
           p: Organiser):
    event = guarded_event(request, session, t, p, "events.organise", event_id)
    return attempt(session, lambda: booths.decide_booth(
                       session, event=event, application_id=application_id, decision=forms.text(form, "decision", 20),
                       booth=forms.text(form, "booth", 100), reason=forms.text(form, "reason", 3000),
                       by_user_id=p.user_id, ip=request.client.host if request.client else None),
                   done=f"/events/{event_id}/booths/review",
                   failed=lambda **e: _review_page(request, session, t, event, **e),
                   missing=not_found("application_id", "No such booth application."))


@router.post("/events/{event_id}/booths/plan", response_class=HTMLResponse)
def set_plan(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Organiser):
    """The floor plan's booths declared ("A01-A12, V01-V06"; empty: no plan)."""
    event = guarded_event(request, session, t, p, "events.organise", event_id)
    raw = forms.text(form, "booths", 5000)
    return attempt(session, lambda: floor_plan.set_booths(session, event=event, raw=raw),
                   done=f"/events/{event_id}/booths/review#free-booths",
                   failed=lambda **e: _review_page(request, session, t, event, plan_text=raw, **e))

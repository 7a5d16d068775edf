"""HTML pages of badges and check-in: a participant's own badge, the organisers' printable sheet
of every badge (or one), and the check-in desk (scan or type the token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from bioatlas.accounts.policy import Principal, require
from bioatlas.core.deps import SessionDep, SettingsDep, TranslatorDep
from bioatlas.events import forms, service
from bioatlas.events.badge_pdf import PdfUnavailable, render_pdf
from bioatlas.events.labels import labels
from bioatlas.events.pages import Form, Id, error_text, guarded_event, me_or_409, page
from bioatlas.web import templates
from bioatlas.core.fields import FieldError
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(include_in_schema=False)
Organiser = Annotated[Principal, Depends(require("events.organise"))]


def _sheet(request, session, t, event, people, settings, *, pdf: bool = False, pdf_url: str = ""):
    names = dict(service.actor_names(session, actor_ids=[x.actor_id for x in people if x.actor_id]))
    badges = service.badges(secret=settings.secret_key, people=people)
    if not pdf:
        return page(request, t, "events/badges.html", event=event, names=names, badges=badges, pdf_url=pdf_url)
    html = templates.env.get_template("events/badges_pdf.html").render(
        t=t, lang=t.lang, L=labels(t), event=event, names=names, badges=badges)
    try:
        body = render_pdf(html)
    except PdfUnavailable as exc:
        raise Refused(FieldError("", "The PDF cannot be made on this server (its PDF libraries are missing); "
                                     "the printable badge page works without them.", 503), detail=str(exc)) from None
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="event-{event.id}-badges.pdf"'})


@router.get("/events/{event_id}/badge", response_class=HTMLResponse)
def my_badge(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, settings: SettingsDep,
             p: Annotated[Principal, Depends(require("events.participate"))]):
    event = guarded_event(request, session, t, p, "events.participate", event_id)
    return _sheet(request, session, t, event, [me_or_409(session, t, event_id, p)], settings,
                  pdf_url=f"/events/{event_id}/badge.pdf")


@router.get("/events/{event_id}/badge.pdf")
def my_badge_pdf(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, settings: SettingsDep,
                 p: Annotated[Principal, Depends(require("events.participate"))]):
    event = guarded_event(request, session, t, p, "events.participate", event_id)
    return _sheet(request, session, t, event, [me_or_409(session, t, event_id, p)], settings, pdf=True)


@router.get("/events/{event_id}/badges", response_class=HTMLResponse)
def all_badges(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, settings: SettingsDep,
               p: Organiser, participant: int = 0):
    event = guarded_event(request, session, t, p, "events.organise", event_id)
    people = service.participants(session, event_id=event_id)
    if participant:
        people = [x for x in people if x.id == participant]
        if not people:
            raise not_found("event_id", "No such participant.")
    return _sheet(request, session, t, event, people, settings, pdf_url=f"/events/{event_id}/badges.pdf")


@router.get("/events/{event_id}/badges.pdf")
def all_badges_pdf(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, settings: SettingsDep,
                   p: Organiser):
    event = guarded_event(request, session, t, p, "events.organise", event_id)
    return _sheet(request, session, t, event, service.participants(session, event_id=event_id), settings, pdf=True)


def _desk(request, session, t, event, *, result=None, error=None, status=200):
    people = service.participants(session, event_id=event.id)
    return page(request, t, "events/checkin.html", status=status, event=event, result=result, error=error,
                checked=sum(1 for x in people if x.checked_in_at), total=len(people))


@router.get("/events/{event_id}/checkin", response_class=HTMLResponse)
def desk(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, p: Organiser):
    return _desk(request, session, t, guarded_event(request, session, t, p, "events.organise", event_id))


@router.post("/events/{event_id}/checkin", response_class=HTMLResponse)
def check_in(request: Request, event_id: Id, session: SessionDep, t: TranslatorDep, settings: SettingsDep,
             form: Form, p: Organiser):
    event = guarded_event(request, session, t, p, "events.organise", event_id)
    try:
        result = service.check_in(session, event=event, token=forms.text(form, "token", 1000),
                                  secret=settings.secret_key, by_user_id=p.user_id,
                                  ip=request.client.host if request.client else None)
        session.commit()
    except (service.FieldError, service.Conflict) as exc:
        session.rollback()
        return _desk(request, session, t, event, error=error_text(exc, t),
                     status=409 if isinstance(exc, service.Conflict) else 422)
    return _desk(request, session, t, event, result=result)

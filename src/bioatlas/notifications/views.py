"""Notification pages: my notifications (mark read), my e-mail preferences, and the signed
unsubscribe link (no login: the token is the authority, so no CSRF either; one-click POST as
RFC 8058 asks)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from bioatlas.accounts.policy import Principal, require
from bioatlas.core.deps import SessionDep, SettingsDep, TranslatorDep
from bioatlas.core.fields import refusal_text
from bioatlas.notifications import catcher, service
from bioatlas.notifications.bell import unread_for
from bioatlas.notifications.models import DELIVERIES
from bioatlas.web import templates
from bioatlas.web.pages import redirect, render
from bioatlas.web.refusals import not_found

router = APIRouter(include_in_schema=False)
Me = Annotated[Principal, Depends(require("notification.self"))]
Anyone = Annotated[Principal, Depends(require("public.read"))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Token = Annotated[str, Path(max_length=400)]
PAGE = 50


async def _form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(_form)]


@router.get("/dev/mail", response_class=HTMLResponse)
def dev_mail(request: Request, settings: SettingsDep, t: TranslatorDep, _: Anyone):
    """Development only: the e-mails the local mail catcher kept (404 unless BIOATLAS_DEV_MAIL_DIR is set)."""
    if settings.dev_mail_dir is None:
        raise not_found("path", "No mail catcher in this deployment.")
    return render(request, t, "notifications/dev_mail.html", mails=catcher.caught(settings.dev_mail_dir))


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(request: Request, session: SessionDep, t: TranslatorDep, me: Me):
    items = service.latest(session, user_id=me.user_id, limit=PAGE)
    return render(request, t, "notifications/list.html", items=items,
                  unread=service.unread_count(session, user_id=me.user_id))


@router.post("/notifications/read")
def read_all(session: SessionDep, me: Me):
    service.mark_read(session, user_id=me.user_id)
    session.commit()
    return redirect("/notifications")


@router.post("/notifications/{notification_id}/read")
def read_one(session: SessionDep, t: TranslatorDep, notification_id: Id, me: Me):
    try:
        service.mark_read(session, user_id=me.user_id, notification_id=notification_id)
    except LookupError:
        raise not_found("notification_id", "No such notification.") from None
    session.commit()
    return redirect("/notifications")


@router.get("/notifications/preferences", response_class=HTMLResponse)
def preferences_page(request: Request, session: SessionDep, t: TranslatorDep, me: Me):
    return render(request, t, "notifications/preferences.html", deliveries=DELIVERIES,
                  rows=service.preferences(session, user_id=me.user_id))


@router.post("/notifications/preferences", response_class=HTMLResponse)
def preferences_save(request: Request, session: SessionDep, t: TranslatorDep, form: Form, me: Me):
    choices = {k.name: str(form[k.name]) for k in service.optional_kinds() if k.name in form}
    try:
        service.set_preferences(session, user_id=me.user_id, choices=choices)
    except service.NotificationError as exc:
        session.rollback()
        return render(request, t, "notifications/preferences.html", 422, deliveries=DELIVERIES,
                      rows=service.preferences(session, user_id=me.user_id), error=refusal_text(
                          t, exc, with_field=True, labels={k.name: k.label.get(t.lang, k.name) for k in service.optional_kinds()}))
    session.commit()
    return render(request, t, "notifications/preferences.html", deliveries=DELIVERIES, saved=True,
                  rows=service.preferences(session, user_id=me.user_id))


@router.get("/notifications/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, settings: SettingsDep, t: TranslatorDep, token: Token, _: Anyone):
    try:
        _user_id, kind = service.read_unsubscribe_token(secret=settings.secret_key, token=token)
    except service.NotificationError as exc:
        return render(request, t, "notifications/unsubscribe.html", 400, error=refusal_text(t, exc))
    spec = service.kinds().get(kind)
    return render(request, t, "notifications/unsubscribe.html", token=token,
                  label=spec.label.get(t.lang, kind) if spec else kind)


@router.post("/notifications/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, session: SessionDep, settings: SettingsDep, t: TranslatorDep, token: Token,
                _: Anyone):
    try:
        kind = service.unsubscribe(session, secret=settings.secret_key, token=token)
    except service.NotificationError as exc:
        session.rollback()
        return render(request, t, "notifications/unsubscribe.html", 400, error=refusal_text(t, exc))
    session.commit()
    spec = service.kinds().get(kind)
    return render(request, t, "notifications/unsubscribe.html", done=True,
                  label=spec.label.get(t.lang, kind) if spec else kind)


# the bell's count, read by the page slot notifications/_bell.html on every page
templates.env.globals["notification_unread"] = unread_for

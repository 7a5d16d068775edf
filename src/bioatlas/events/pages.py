"""What every events page handler shares: rendering with the room's labels, the form body, the
event (404) behind its policy check, and `attempt`: the one shape of a form POST (call the
service, commit, redirect; a refused input rolls back and re-renders the page naming the field,
422 for a field, 409 for a state, 404 for a missing object)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from bioatlas.accounts.policy import Principal, authorize
from bioatlas.events import service
from bioatlas.events.labels import labels
from bioatlas.core.fields import refusal_text
from bioatlas.events.service import Conflict, FieldError, NotFound
from bioatlas.web.pages import redirect, render
from bioatlas.web.refusals import Refused, not_found


def page(request: Request, t, template: str, status: int = 200, **context) -> Response:
    """The page; an `error` that is a refused field (`attempt` passes it on) in the reader's language."""
    L = labels(t)
    if isinstance(context.get("error"), (FieldError, Conflict)):
        context["error"] = error_text(context["error"], t, field_labels=L["field"])
    return render(request, t, template, status=status, L=L, **context)


async def form_body(request: Request) -> FormData:
    return await request.form()


Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Form = Annotated[FormData, Depends(form_body)]


def event_or_404(session, t, event_id: int):
    try:
        return service.get_event(session, event_id=event_id)
    except NotFound:
        raise not_found("event_id", "No event with this number.") from None


def scope_or_404(request: Request, session, t, p: Principal, action: str, event_id: int):
    """The event's policy scope after `authorize` (an anonymous visitor of a missing event gets the
    login answer, not a 404 that would reveal which numbers exist)."""
    scope = service.event_scope(session, event_id=event_id)
    if scope is None:
        if not p.authenticated:
            authorize(request, p, action)
        raise not_found("event_id", "No event with this number.")
    authorize(request, p, action, scope)
    return scope


def guarded_event(request: Request, session, t, p: Principal, action: str, event_id: int):
    """The event, once `p` may do `action` on it."""
    scope_or_404(request, session, t, p, action, event_id)
    return event_or_404(session, t, event_id)


def me_or_409(session, t, event_id: int, p: Principal):
    me = service.participant_of(session, event_id=event_id, user_id=p.user_id)
    if me is None or me.status != "registered":
        raise Refused(FieldError("", "Register for the event first.", 409), detail="Register for the event first.")
    return me


def error_text(exc: Exception | str, t=None, *, field_labels: dict[str, str] | None = None) -> str:
    """A refusal as a page shows it: a FieldError names its field (by its label when known), in
    the language of `t` when given."""
    if isinstance(exc, FieldError):
        if t is None:
            return str(exc) if isinstance(exc, Conflict) else f"{exc.field}: {exc.message}"
        return refusal_text(t, exc, with_field=bool(exc.field), labels=field_labels or labels(t)["field"])
    return str(exc)


def attempt(session, action: Callable[[], Any], *, done: str | Callable[[Any], str],
            failed: Callable[..., Response], missing: Refused | None = None) -> Response:
    """Run `action` (a service call), commit and redirect to `done` (or `done(result)`). A
    `FieldError` or `Conflict` rolls back and returns `failed(error=exc, status=422|409)` (`page`
    shows it in the reader's language); a `NotFound` rolls back and raises `missing` (a
    `web.refusals.not_found(field, message id)`: the JSON `detail` English, the page and the JSON
    `message` in the reader's language), else it propagates."""
    try:
        result = action()
        session.commit()
    except NotFound:
        session.rollback()
        if missing is None:
            raise
        raise missing from None
    except (FieldError, Conflict) as exc:
        session.rollback()
        return failed(error=exc, status=409 if isinstance(exc, Conflict) else 422)  # `page` words it
    return redirect(done(result) if callable(done) else done)

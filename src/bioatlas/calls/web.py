"""What the calls pages and API share: path and form types, text read from a form (length and
unsafe characters checked), the lookups that answer 404, the authorisations of the room's
objects, and `act`, the one shape of a write (call the service, turn its refusal into a 4xx
naming the field, redirect)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Path, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from bioatlas.accounts.policy import Principal, authorize, can, refuse, require
from bioatlas.calls import service
from bioatlas.calls.rules import ProjectScope
from bioatlas.core.fields import FieldError, plain_text
from bioatlas.core.text import unsafe_found
from bioatlas.review.service import ConflictOfInterest, ReviewError
from bioatlas.web.pages import redirect
from bioatlas.web.refusals import Refused, not_found

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_TEXT = 10000
REFUSALS = (service.CallError, service.PortfolioError, ReviewError)
T = TypeVar("T")


async def form_data(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]
Anyone = Annotated[Principal, Depends(require("public.read"))]
Manager = Annotated[Principal, Depends(require("call.manage"))]


def field_of(exc: Exception) -> str | None:
    return getattr(exc, "field", None)


@contextmanager
def refused(*, as_json: bool = False) -> Iterator[None]:
    """A refusal of the service (every one a FieldError) as 409/422 naming the field: the page in
    the reader's language; the JSON `detail` English as before (`{field, message}` for the API,
    "field: message" for a page's), with `field` and `message` in the reader's language beside it
    (the API's answers had none)."""
    try:
        yield
    except REFUSALS as exc:
        detail = {"field": field_of(exc), "message": str(exc)} if as_json else str(exc)
        raise Refused(exc, status=exc.status, detail=detail) from None


def act(then: str | Callable[[Any], str], write: Callable[[], T]):
    """The pages' write: run the service call, refuse naming the field, redirect (`then` may
    compute the address from what the write returned)."""
    with refused():
        result = write()
    return redirect(then(result) if callable(then) else then)


def safe(name: str, value: str) -> None:
    found = unsafe_found(value)
    if found:
        raise Refused(FieldError(name, found[0], params=found[1]))


def text(form: FormData | dict, name: str, limit: int = MAX_TEXT) -> str:
    """The stripped text of a form field (markup allowed: calls' texts are shown escaped), or
    422 naming it: core.fields.plain_text's refusals (too long, an unsafe character)."""
    value = form.get(name)
    try:
        return plain_text(name, value if isinstance(value, str) else "", limit, markup=True)
    except FieldError as exc:
        raise Refused(exc) from None


# what a form's number field expects (`number`'s `what`), each a message id
EXPECTED = {"a number": FieldError("", "expected a number"),
            "an actor number": FieldError("", "expected an actor number"),
            "a call number": FieldError("", "expected a call number")}


def number(raw: str, name: str, what: str = "a number") -> int:
    """A whole number from a form field, or 422 naming it (`detail` "name: expected <what>", the
    message in the reader's language)."""
    if not raw.isdigit():
        raise Refused(EXPECTED[what].as_field(name))
    return int(raw)


def found_call(session, call_id: int, t) -> service.Call:
    call = service.get_call(session, call_id=call_id)
    if call is None:
        raise not_found("call_id", "No call with this number.")
    return call


def found_application(session, application_id: int, t) -> service.Application:
    app = service.get_application(session, application_id=application_id)
    if app is None:
        raise not_found("application_id", "No application with this number.")
    return app


def found_project(session, project_id: int, t):
    project = service.get_project(session, project_id=project_id)
    if project is None:
        raise not_found("project_id", "No project with this number.")
    return project


def visible(session, p: Principal, call, t) -> None:
    """A draft call exists only for its managers."""
    if call.status == "draft" and not can(p, "call.manage", service.call_scope(session, call=call)):
        raise not_found("call_id", "No call with this number.")


def visible_call(session, p: Principal, call_id: int, t) -> service.Call:
    call = found_call(session, call_id, t)
    visible(session, p, call, t)
    return call


def managed(request: Request, session, p: Principal, call_id: int, t) -> service.Call:
    call = found_call(session, call_id, t)
    authorize(request, p, "call.manage", service.call_scope(session, call=call), target=f"call:{call.id}")
    return call


def readable(request: Request, session, p: Principal, application_id: int, t) -> service.Application:
    app = found_application(session, application_id, t)
    authorize(request, p, "application.read", service.application_scope(session, application=app),
              target=f"application:{app.id}")
    return app


def owned(request: Request, session, p: Principal, application_id: int, t) -> service.Application:
    app = found_application(session, application_id, t)
    authorize(request, p, "application.edit", service.application_scope(session, application=app),
              target=f"application:{app.id}")
    return app


def managed_project(request: Request, session, p: Principal, project_id: int, t):
    project = found_project(session, project_id, t)
    authorize(request, p, "project.manage", ProjectScope(project.id, project.region), target=f"project:{project.id}")
    return project


def file_response(attachment) -> Response:
    """The file as a download (never rendered inline), its name percent-encoded."""
    disposition = f"attachment; filename*=UTF-8''{quote(attachment.filename)}"
    return Response(attachment.content, media_type=attachment.content_type,
                    headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"})


def csv_response(body: str, filename: str) -> Response:
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def seat(request: Request, session, p: Principal, app, t):
    """The reviewer's assignment; a conflict of interest is refused (403) with its reasons and
    audited, the exclusion stored."""
    try:
        assignment = service.open_review(session, application=app, reviewer_id=p.user_id)  # type: ignore[arg-type]
    except ConflictOfInterest as exc:
        refuse(request, p, "review.score", 403, service.review.conflicts_refusal(session, exc.conflicts),
               target=f"application:{app.id}")
    except ReviewError:
        authorize(request, p, "review.score", service.ReviewSeat(app.id), target=f"application:{app.id}")
        raise not_found("application_id", "This application is not under review.") from None
    authorize(request, p, "review.score", service.review_seat(session, application=app), target=f"application:{app.id}")
    return assignment

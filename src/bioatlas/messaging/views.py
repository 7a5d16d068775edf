"""Messaging pages: the inbox (`/messages`: conversations with unread counts, requests, blocked
users, read receipts), a conversation (`/messages/{id}`: messages, reply, accept/decline, mute,
report, block), writing to someone (`/messages/new?to=…`), the mute page of the e-mails, and the
administrators' list of reported messages. Every form carries the CSRF token; every thread is
authorised through the policy (`messaging.read` / `messaging.post`) before it is read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from bioatlas.accounts.deps import rate_limit
from bioatlas.accounts.policy import Principal, authorize, client_ip, require
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.core.fields import FieldError, refusal_text
from bioatlas.messaging import service
from bioatlas.web import templates
from bioatlas.web.pages import redirect, render
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(include_in_schema=False)
User = Annotated[Principal, Depends(require("messaging.use"))]
Reader = Annotated[Principal, Depends(require("messaging.read"))]
Poster = Annotated[Principal, Depends(require("messaging.post"))]
Moderator = Annotated[Principal, Depends(require("messaging.moderate"))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def _form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(_form)]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _refusal(t, exc: service.MessagingError) -> str:
    """A refusal in the reader's language, after the label of the field it names when that is a
    field the reader typed in (a hidden id, the thread, speaks for itself)."""
    labels = {"body": t("Message"), "reason": t("Why?"), "note": t("Resolution note")}
    if exc.field in labels:
        return refusal_text(t, exc, with_field=True, labels=labels)
    return refusal_text(t, exc)


def _authorized(request: Request, session, t, me: Principal, thread_id: int, action: str) -> None:
    """404 for no such thread; 403 (audited) for a thread the principal is not a member of."""
    try:
        access = service.thread_access(session, thread_id=thread_id)
    except service.MessagingError:
        raise not_found("thread_id", "No such conversation.") from None
    authorize(request, me, action, access, target=f"thread:{thread_id}")


def _limit(request: Request, me: Principal) -> None:
    rate_limit(request, "messages", "rate_limit_messages", me, per_ip=False)


def _thread_page(request: Request, session, t, me: Principal, thread_id: int, status: int = 200, **extra):
    view = service.view(session, thread_id=thread_id, user_id=me.user_id)
    return render(request, t, "messaging/thread.html", status, view=view, max_body=service.MAX_BODY, **extra)


@router.get("/messages", response_class=HTMLResponse)
def inbox(request: Request, session: SessionDep, t: TranslatorDep, me: User):
    threads = service.threads_of(session, user_id=me.user_id)
    return render(request, t, "messaging/inbox.html",
                  requests=[s for s in threads if s.request_to_me],
                  conversations=[s for s in threads if not s.request_to_me and not s.request_from_me],
                  sent=[s for s in threads if s.request_from_me],
                  blocked=service.blocked_users(session, user_id=me.user_id),
                  receipts=service.read_receipts_on(session, user_id=me.user_id))


@router.get("/messages/new", response_class=HTMLResponse)
def compose(request: Request, session: SessionDep, t: TranslatorDep, me: User,
            to: Annotated[int, Query(ge=1, le=2**31 - 1)]):
    names = service.display_names(session, user_ids=[to])
    if to not in names:
        raise not_found("to", "No such person.")
    return render(request, t, "messaging/compose.html", to=to, name=names[to], max_body=service.MAX_BODY)


@router.post("/messages/new", response_class=HTMLResponse)
def send_new(request: Request, session: SessionDep, t: TranslatorDep, form: Form, me: User):
    _limit(request, me)
    to, body = _text(form, "to"), _text(form, "body")
    try:
        thread = service.start(session, sender_id=me.user_id, to=to, body=body)
    except service.MessagingError as exc:
        names = service.display_names(session, user_ids=[int(to)] if to.isdigit() else [])
        return render(request, t, "messaging/compose.html", exc.status, to=to, name=names.get(int(to)) if names else "",
                      body=body, max_body=service.MAX_BODY, error=_refusal(t, exc))
    return redirect(f"/messages/{thread.id}")


@router.post("/messages/blocks")
def block(request: Request, session: SessionDep, t: TranslatorDep, form: Form, me: User):
    try:
        service.block_user(session, blocker_id=me.user_id, user_id=_text(form, "user_id"), ip=client_ip(request))
    except service.MessagingError as exc:
        # the page says the message alone (a hidden id speaks for itself); `detail` stays English
        raise Refused(FieldError("", exc.msgid, exc.status, params=exc.params), detail=str(exc)) from None
    return redirect("/messages")


@router.post("/messages/blocks/{user_id}/delete")
def unblock(request: Request, session: SessionDep, user_id: Id, me: User):
    service.unblock_user(session, blocker_id=me.user_id, user_id=user_id, ip=client_ip(request))
    return redirect("/messages")


@router.post("/messages/settings")
def settings_save(session: SessionDep, form: Form, me: User):
    service.save_settings(session, user_id=me.user_id, read_receipts=_text(form, "read_receipts") == "on")
    return redirect("/messages")


@router.get("/messages/{thread_id}", response_class=HTMLResponse)
def thread_page(request: Request, session: SessionDep, t: TranslatorDep, thread_id: Id, me: Reader):
    _authorized(request, session, t, me, thread_id, "messaging.read")
    return _thread_page(request, session, t, me, thread_id)


@router.post("/messages/{thread_id}", response_class=HTMLResponse)
def thread_reply(request: Request, session: SessionDep, t: TranslatorDep, thread_id: Id, form: Form, me: Poster):
    _authorized(request, session, t, me, thread_id, "messaging.post")
    _limit(request, me)
    body = _text(form, "body")
    try:
        service.reply(session, thread_id=thread_id, sender_id=me.user_id, body=body)
    except service.MessagingError as exc:
        return _thread_page(request, session, t, me, thread_id, exc.status, draft=body,
                            error=_refusal(t, exc))
    return redirect(f"/messages/{thread_id}#last")


@router.post("/messages/{thread_id}/answer", response_class=HTMLResponse)
def thread_answer(request: Request, session: SessionDep, t: TranslatorDep, thread_id: Id, form: Form, me: Poster):
    _authorized(request, session, t, me, thread_id, "messaging.post")
    try:
        service.answer(session, thread_id=thread_id, user_id=me.user_id, decision=_text(form, "decision"))
    except service.MessagingError as exc:
        return _thread_page(request, session, t, me, thread_id, exc.status, error=_refusal(t, exc))
    return redirect(f"/messages/{thread_id}" if _text(form, "decision") == "accept" else "/messages")


@router.get("/messages/{thread_id}/mute", response_class=HTMLResponse)
def mute_page(request: Request, session: SessionDep, t: TranslatorDep, thread_id: Id, me: Reader):
    """The e-mails' "mute this conversation" link: a confirmation button (a GET changes nothing)."""
    _authorized(request, session, t, me, thread_id, "messaging.read")
    return render(request, t, "messaging/mute.html", thread_id=thread_id)


@router.post("/messages/{thread_id}/mute")
def mute(request: Request, session: SessionDep, t: TranslatorDep, thread_id: Id, form: Form, me: Reader):
    _authorized(request, session, t, me, thread_id, "messaging.read")
    service.mute(session, thread_id=thread_id, user_id=me.user_id, muted=_text(form, "muted") != "0")
    return redirect(f"/messages/{thread_id}")


@router.post("/messages/{thread_id}/report", response_class=HTMLResponse)
def report(request: Request, session: SessionDep, t: TranslatorDep, thread_id: Id, form: Form, me: Reader):
    _authorized(request, session, t, me, thread_id, "messaging.read")
    _limit(request, me)
    try:
        service.report_message(session, reporter_id=me.user_id, message_id=_text(form, "message_id"),
                               reason=_text(form, "reason"), ip=client_ip(request))
    except service.MessagingError as exc:
        return _thread_page(request, session, t, me, thread_id, exc.status, error=_refusal(t, exc))
    return _thread_page(request, session, t, me, thread_id, reported=True)


@router.get("/admin/messages/reports", response_class=HTMLResponse)
def reports_page(request: Request, session: SessionDep, t: TranslatorDep, me: Moderator,
                 status: Annotated[str, Query(pattern="^(open|resolved|all)$")] = "open"):
    rows = service.reports(session, status=None if status == "all" else status)
    return render(request, t, "messaging/reports.html", rows=rows, shown=status)


@router.post("/admin/messages/reports/{report_id}", response_class=HTMLResponse)
def resolve(request: Request, session: SessionDep, t: TranslatorDep, report_id: Id, form: Form, me: Moderator):
    try:
        service.resolve(session, report_id=report_id, admin_id=me.user_id, note=_text(form, "note"),
                        ip=client_ip(request))
    except service.MessagingError as exc:
        return render(request, t, "messaging/reports.html", exc.status, rows=service.reports(session), shown="open",
                      error=_refusal(t, exc))
    return redirect("/admin/messages/reports")


def unread_for(request) -> int | None:
    """The signed-in user's unread messages for the top bar's "Messages" entry; None for visitors."""
    principal = getattr(getattr(request, "state", None), "principal", None)
    user_id = getattr(principal, "user_id", None)
    if user_id is None:
        return None
    with request.app.state.sessionmaker() as session:
        return service.unread_total(session, user_id=user_id)


templates.env.globals["messaging_unread"] = unread_for

"""JSON API of messaging, `/api/v1/messages…`: the same service calls as the pages (inbox,
write to someone, a thread, reply, accept/decline, mute, report, block), authorised the same way.
Errors: `{"detail": "<field>: <message>"}` with the service's status (404, 403, 409, 413, 422, 429), the
message in the reader's language (`?lang=`, else the account's language, as the pages)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from bioatlas.accounts.deps import rate_limit
from bioatlas.accounts.policy import Principal, authorize, client_ip, require
from bioatlas.core.deps import SessionDep
from bioatlas.messaging import service
from bioatlas.web.problems import Problem
from bioatlas.web.refusals import Refused

router = APIRouter(prefix="/api/v1/messages", tags=["messages"],
                   responses={code: {"model": Problem} for code in (401, 403, 404, 409, 413, 422, 429)})
User = Annotated[Principal, Depends(require("messaging.use"))]
Reader = Annotated[Principal, Depends(require("messaging.read"))]
Poster = Annotated[Principal, Depends(require("messaging.post"))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
# bodies are checked by the service (so an oversized one is a 413 naming the field); this bound
# only stops absurd payloads before they are parsed further
Text = Annotated[str, Field(max_length=100_000)]


class NewThreadIn(BaseModel):
    to: int = Field(ge=1, le=2**31 - 1, description="the user to write to")
    body: Text


class MessageIn(BaseModel):
    body: Text


class AnswerIn(BaseModel):
    decision: str = Field(pattern="^(accept|decline)$")


class MuteIn(BaseModel):
    muted: bool = True


class ReportIn(BaseModel):
    message_id: int = Field(ge=1, le=2**31 - 1)
    reason: Text


class BlockIn(BaseModel):
    user_id: int = Field(ge=1, le=2**31 - 1)


def _fail(request: Request, exc: service.MessagingError) -> Refused:
    """The refusal as the API answers it: `detail` "field: English message", as every room's;
    `field` and `message` in the reader's language beside it (the detail was the reader's)."""
    return Refused(exc, detail=str(exc))


def _authorized(request: Request, session, me: Principal, thread_id: int, action: str) -> None:
    try:
        access = service.thread_access(session, thread_id=thread_id)
    except service.MessagingError as exc:
        raise _fail(request, exc) from None
    authorize(request, me, action, access, target=f"thread:{thread_id}")


def _limit(request: Request, me: Principal) -> None:
    rate_limit(request, "messages", "rate_limit_messages", me, per_ip=False)


def _summary(s: service.ThreadSummary) -> dict[str, Any]:
    t = s.thread
    return {"id": t.id, "status": t.status, "with": s.others, "unread": s.unread, "muted": s.muted,
            "request_to_me": s.request_to_me, "request_from_me": s.request_from_me,
            "last_message": s.last_body, "last_at": s.last_at.isoformat() if s.last_at else None,
            "context": ({"kind": t.context_kind, "id": t.context_id, "label": t.context_label, "url": t.context_url}
                        if t.context_kind else None)}


def _view(v: service.ThreadView) -> dict[str, Any]:
    t = v.thread
    return {"id": t.id, "status": t.status, "members": {str(k): n for k, n in v.members.items()},
            "can_post": v.can_post, "request_to_me": v.request_to_me, "muted": v.me.muted,
            "context": ({"kind": t.context_kind, "id": t.context_id, "label": t.context_label, "url": t.context_url}
                        if t.context_kind else None),
            "messages": [{**m, "created_at": m["created_at"].isoformat()} for m in v.messages],
            "read_receipts": {str(k): at.isoformat() for k, at in v.receipts.items()}}


@router.get("")
def my_threads(session: SessionDep, me: User) -> list[dict]:
    """My conversations, newest activity first, with unread counts."""
    return [_summary(s) for s in service.threads_of(session, user_id=me.user_id)]


@router.post("", status_code=201)
def write_to(request: Request, body: NewThreadIn, session: SessionDep, me: User) -> dict:
    """Write to someone: a message request between strangers, or the existing conversation."""
    _limit(request, me)
    try:
        thread = service.start(session, sender_id=me.user_id, to=body.to, body=body.body)
    except service.MessagingError as exc:
        raise _fail(request, exc) from None
    return _view(service.view(session, thread_id=thread.id, user_id=me.user_id))


@router.post("/blocks", status_code=204)
def block(request: Request, body: BlockIn, session: SessionDep, me: User) -> None:
    try:
        service.block_user(session, blocker_id=me.user_id, user_id=body.user_id, ip=client_ip(request))
    except service.MessagingError as exc:
        raise _fail(request, exc) from None


@router.delete("/blocks/{user_id}", status_code=204)
def unblock(request: Request, user_id: Id, session: SessionDep, me: User) -> None:
    service.unblock_user(session, blocker_id=me.user_id, user_id=user_id, ip=client_ip(request))


@router.get("/{thread_id}")
def thread(request: Request, thread_id: Id, session: SessionDep, me: Reader) -> dict:
    """A conversation (marks it read)."""
    _authorized(request, session, me, thread_id, "messaging.read")
    return _view(service.view(session, thread_id=thread_id, user_id=me.user_id))


@router.post("/{thread_id}", status_code=201)
def post(request: Request, thread_id: Id, body: MessageIn, session: SessionDep, me: Poster) -> dict:
    _authorized(request, session, me, thread_id, "messaging.post")
    _limit(request, me)
    try:
        message = service.reply(session, thread_id=thread_id, sender_id=me.user_id, body=body.body)
    except service.MessagingError as exc:
        raise _fail(request, exc) from None
    return {"id": message.id, "thread_id": thread_id, "body": message.body,
            "created_at": message.created_at.isoformat()}


@router.post("/{thread_id}/answer")
def answer(request: Request, thread_id: Id, body: AnswerIn, session: SessionDep, me: Poster) -> dict:
    _authorized(request, session, me, thread_id, "messaging.post")
    try:
        t = service.answer(session, thread_id=thread_id, user_id=me.user_id, decision=body.decision)
    except service.MessagingError as exc:
        raise _fail(request, exc) from None
    return {"id": t.id, "status": t.status}


@router.post("/{thread_id}/mute")
def mute(request: Request, thread_id: Id, body: MuteIn, session: SessionDep, me: Reader) -> dict:
    _authorized(request, session, me, thread_id, "messaging.read")
    service.mute(session, thread_id=thread_id, user_id=me.user_id, muted=body.muted)
    return {"id": thread_id, "muted": body.muted}


@router.post("/{thread_id}/report", status_code=201)
def report(request: Request, thread_id: Id, body: ReportIn, session: SessionDep, me: Reader) -> dict:
    _authorized(request, session, me, thread_id, "messaging.read")
    _limit(request, me)
    try:
        row = service.report_message(session, reporter_id=me.user_id, message_id=body.message_id,
                                     reason=body.reason, ip=client_ip(request))
    except service.MessagingError as exc:
        raise _fail(request, exc) from None
    return {"id": row.id, "status": row.status}

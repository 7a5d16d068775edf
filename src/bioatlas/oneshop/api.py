"""JSON API of the one-stop shop under /api/v1/oneshop: the same service calls and the same policy
actions as the pages. Intake (anyone; CSRF by cookie or a token), a company's cases and its case
(filtered for the reader, every read audited), documents and what each partner sees, closing and
satisfaction; a partner's routed requests, statuses, private notes; messages; the coordinators'
rules, rerouting and figures. Refusals name the field: `{"detail": {"field", "message"}}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from bioatlas.accounts import service as accounts
from bioatlas.accounts.deps import rate_limit
from bioatlas.accounts.policy import Principal, authorize, client_ip, require
from bioatlas.core.db import unit_of_work
from bioatlas.core.deps import SessionDep
from bioatlas.messaging import service as messaging
from bioatlas.oneshop import service
from bioatlas.oneshop.present import case_json, request_json, rule_json
from bioatlas.web.problems import Problem
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(prefix="/api/v1/oneshop", tags=["oneshop"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Json = Annotated[dict[str, Any], Body()]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "not logged in"},
    403: {"model": Problem, "description": "not allowed (audited), or bad CSRF token"},
    404: {"model": Problem, "description": "no such case, request, document or rule"},
    409: {"model": Problem, "description": "not in a state that allows it"},
    413: {"model": Problem, "description": "a text or a file too large"},
    415: {"model": Problem, "description": "a file type not allowed, or content that is not its type"},
    422: {"model": Problem, "description": "a field is refused (named in the detail)"},
    429: {"model": Problem, "description": "too many intakes from this address"}}
INTAKE_FIELDS = ("company_name", "contact_name", "email", "country", "siret", "project_type", "modality", "region",
                 "description", "surface_m2", "cleanroom_grade", "jobs_planned", "investment_band", "start_on")


def refused(exc: Exception) -> HTTPException:
    if isinstance(exc, service.FieldError):  # messaging's MessagingError is one too
        return Refused(exc, status=exc.status, detail={"field": exc.field, "message": exc.message})
    raise exc


def _scalar(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise refused(service.FieldError(name, "a text or a number"))
    return str(value)


def _ids(body: dict[str, Any], name: str) -> list[int]:
    value = body.get(name, [])
    if not isinstance(value, list) or len(value) > 50 or \
            not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise refused(service.FieldError(name, "a list of atlas actor numbers"))
    return value


def _case(request: Request, session, p: Principal, action: str, case_id: int) -> None:
    scope = service.case_scope(session, case_id=case_id)
    if scope is None:
        raise not_found("case_id", "No case with this number.", detail=f"no case {case_id}")
    authorize(request, p, action, scope, target=f"oneshop_case:{case_id}")


def _routed(request: Request, session, p: Principal, action: str, routed_id: int):
    scope = service.request_scope(session, request_id=routed_id)
    if scope is None:
        raise not_found("routed_id", "No request with this number.", detail=f"no request {routed_id}")
    authorize(request, p, action, scope, target=f"oneshop_request:{routed_id}")
    return scope


def _view(request: Request, session, p: Principal, case_id: int) -> dict:
    with unit_of_work(session):  # the read is audited
        view = service.case_view(session, case_id=case_id, principal=p, ip=client_ip(request))
    out = case_json(view, service.timeline(view))
    if view["role"] == "company":
        out["suggestions"] = service.suggestions(session, case=view["case"])
        out["zones"] = service.zones(session, case=view["case"])
        out["recruiting"] = service.recruiting(session, case=view["case"])
    return out


@router.post("/cases", responses=ERRORS, status_code=201)
def intake(request: Request, session: SessionDep, body: Json,
           p: Annotated[Principal, Depends(require("public.form"))]) -> dict:
    """A project, as the intake form: `{"company_name", "email", "country": "JP", "siret" (optional),
    "project_type": "pilot_line", "modality", "value_chain_steps": ["upstream"], "region": "11", "jobs_planned", "surface_m2",
    "cleanroom_grade", "investment_band", "start_on": "2027-09-01", "description", "share_details": true,
    "needs": ["regulatory", "funding"], "details": {"regulatory": "..."}}`. A signed-in user with
    that verified address follows it at once (routed); otherwise a link is mailed to the address."""
    rate_limit(request, "oneshop_intake", "rate_limit_signup", p)
    values: dict[str, Any] = {k: _scalar(body, k) for k in INTAKE_FIELDS}
    values["share_details"] = "yes" if body.get("share_details", True) is True else "no"
    steps = body.get("value_chain_steps", [])
    if not isinstance(steps, list) or not all(isinstance(v, str) for v in steps):
        raise refused(service.FieldError("value_chain_steps", "a list of value-chain step codes"))
    values["value_chain_steps"] = steps[:20]
    needs = body.get("needs", [])
    if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
        raise refused(service.FieldError("needs", "a list of needs"))
    details = body.get("details") or {}
    if not isinstance(details, dict):
        raise refused(service.FieldError("details", "an object: need -> text"))
    values.update({f"detail_{n}": _scalar(details, n) for n in service.NEEDS})
    email = accounts.user_email(session, user_id=p.user_id) if p.user_id is not None and p.verified else None
    settings = request.app.state.settings
    try:
        with unit_of_work(session):
            case, mail = service.intake(session, values={**values, "needs": needs}, user_id=p.user_id,
                                        verified_email=email, public_url=settings.public_url,
                                        language=body.get("language") if body.get("language") in ("fr", "en") else "fr")
    except service.FieldError as exc:
        raise refused(exc) from None
    if mail is not None:
        service.deliver(session, settings=settings, mail_id=mail)
    return {"case_id": case.id, "status": case.status, "verification": "mailed" if mail is not None else None}


@router.get("/cases", responses=ERRORS)
def my_cases(session: SessionDep, p: Annotated[Principal, Depends(require("oneshop.follow"))]) -> dict:
    """Your projects (the cases followed by your account)."""
    email = accounts.user_email(session, user_id=p.user_id)
    if email:
        with unit_of_work(session):
            service.link_cases(session, user_id=p.user_id, email=email)
    own = service.cases_of(session, principal=p)["own"]
    return {"cases": [{"id": c.id, "company_name": c.company_name, "project_type": c.project_type,
                       "status": c.status, "outcome": c.outcome, "created_at": c.created_at.isoformat()} for c in own]}


@router.get("/requests", responses=ERRORS)
def routed_to_me(session: SessionDep, p: Annotated[Principal, Depends(require("oneshop.follow"))]) -> dict:
    """The requests routed to your organisations (partners), newest first."""
    routed = service.cases_of(session, principal=p)["routed"]
    names = service.partner_names(session, actor_ids={r.partner_actor_id for r in routed})
    needs = service.need_names(session, need_ids=[r.need_id for r in routed])
    return {"requests": [request_json(r, need=needs.get(r.need_id, "?"), partner=names.get(r.partner_actor_id, "?"))
                         for r in routed]}


@router.get("/cases/{case_id}", responses=ERRORS)
def read_case(request: Request, case_id: Id, session: SessionDep,
              p: Annotated[Principal, Depends(require("oneshop.read"))]) -> dict:
    """The case as you may see it (`read_as`: company, partner or coordinator); the read is audited."""
    _case(request, session, p, "oneshop.read", case_id)
    return _view(request, session, p, case_id)


@router.post("/cases/{case_id}/close", responses=ERRORS)
def close(request: Request, case_id: Id, session: SessionDep, body: Json,
          p: Annotated[Principal, Depends(require("oneshop.company"))]) -> dict:
    """`{"outcome": "established" | "abandoned" | "elsewhere"}` (the company)."""
    _case(request, session, p, "oneshop.company", case_id)
    try:
        with unit_of_work(session):
            service.close_case(session, case_id=case_id, outcome=_scalar(body, "outcome"), user_id=p.user_id)
    except service.FieldError as exc:
        raise refused(exc) from None
    return _view(request, session, p, case_id)


@router.put("/cases/{case_id}/sharing", responses=ERRORS)
def share_details(request: Request, case_id: Id, session: SessionDep, body: Json,
                  p: Annotated[Principal, Depends(require("oneshop.company"))]) -> dict:
    """`{"partners": [actor ids]}`: the partners that see the project's details (the others do not)."""
    _case(request, session, p, "oneshop.company", case_id)
    try:
        with unit_of_work(session):
            shown = service.share_details(session, case_id=case_id, partners=_ids(body, "partners"), user_id=p.user_id)
    except service.FieldError as exc:
        raise refused(exc) from None
    return {"case_id": case_id, "details_shown_to": sorted(shown)}


async def _form(request: Request) -> FormData:
    return await request.form(max_part_size=64 * 1024)


@router.post("/cases/{case_id}/documents", responses=ERRORS, status_code=201)
def upload(request: Request, case_id: Id, session: SessionDep, form: Annotated[FormData, Depends(_form)],
           p: Annotated[Principal, Depends(require("oneshop.company"))]) -> dict:
    """Multipart: `file` (PDF, PNG or JPEG, 10 MB at most, its first bytes matching its type) and
    `shared_with` (repeated: partner actor ids; none: your copy only)."""
    _case(request, session, p, "oneshop.company", case_id)
    upload = form.get("file")
    raw = [v for v in form.getlist("shared_with") if isinstance(v, str) and v.strip()][:50]
    try:
        if not isinstance(upload, UploadFile):
            raise service.FieldError("file", "a file is required (multipart field 'file')")
        with unit_of_work(session):
            doc = service.add_document(session, case_id=case_id, filename=upload.filename or "",
                                       data=upload.file.read(service.MAX_UPLOAD + 1),
                                       content_type=upload.content_type or "",
                                       shared_with=[int(v) if v.strip().isdigit() and len(v) < 10 else -1 for v in raw])
    except service.FieldError as exc:
        raise refused(exc) from None
    return {"id": doc.id, "filename": doc.filename, "size": doc.size}


@router.get("/cases/{case_id}/documents/{document_id}", responses=ERRORS)
def download(request: Request, case_id: Id, document_id: Id, session: SessionDep,
             p: Annotated[Principal, Depends(require("oneshop.document"))]) -> Response:
    """The document, always as an attachment (the company, and the partners it is shared with)."""
    scope = service.document_scope(session, case_id=case_id, document_id=document_id)
    if scope is None:
        raise not_found("document_id", "No document with this number.", detail=f"no document {document_id}")
    authorize(request, p, "oneshop.document", scope, target=f"oneshop_document:{document_id}")
    doc = service.document(session, document_id=document_id)
    return Response(doc.data, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{doc.filename}"',
                             "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@router.put("/cases/{case_id}/documents/{document_id}/sharing", responses=ERRORS)
def share_document(request: Request, case_id: Id, document_id: Id, session: SessionDep, body: Json,
                   p: Annotated[Principal, Depends(require("oneshop.company"))]) -> dict:
    """`{"shared_with": [actor ids]}`: the partners of the case that read this document ([]: none)."""
    _case(request, session, p, "oneshop.company", case_id)
    try:
        with unit_of_work(session):
            shared = service.share_document(session, case_id=case_id, document_id=document_id,
                                            shared_with=_ids(body, "shared_with"), user_id=p.user_id)
    except service.NotFound:
        raise not_found("document_id", "No document with this number.", detail=f"no document {document_id}") from None
    except service.FieldError as exc:
        raise refused(exc) from None
    return {"id": document_id, "shared_with": sorted(shared)}


@router.post("/requests/{routed_id}/status", responses=ERRORS)
def status(request: Request, routed_id: Id, session: SessionDep, body: Json,
           p: Annotated[Principal, Depends(require("oneshop.partner"))]) -> dict:
    """`{"status": "taken" | "in_progress" | "answered" | "closed" | "declined" (left out or empty: the
    status is kept, e.g. to write a next step alone), "reason" (required to decline), "next_step",
    "next_step_on": "2027-01-15"}` (the partner's members)."""
    _routed(request, session, p, "oneshop.partner", routed_id)
    try:
        with unit_of_work(session):
            r = service.set_status(session, request_id=routed_id, user_id=p.user_id, status=_scalar(body, "status"),
                                   reason=_scalar(body, "reason"), next_step=_scalar(body, "next_step"),
                                   next_step_on=_scalar(body, "next_step_on"))
            need = service.need_names(session, need_ids=[r.need_id]).get(r.need_id, "?")
            out = request_json(r, need=need, partner=service.partner_names(
                session, actor_ids=[r.partner_actor_id]).get(r.partner_actor_id, "?"))
    except service.FieldError as exc:
        raise refused(exc) from None
    return out


@router.post("/requests/{routed_id}/notes", responses=ERRORS, status_code=201)
def note(request: Request, routed_id: Id, session: SessionDep, body: Json,
         p: Annotated[Principal, Depends(require("oneshop.partner"))]) -> dict:
    """`{"body": "..."}`: a private note of your organisation (never shown to the company, the other
    partners or the coordinators)."""
    _routed(request, session, p, "oneshop.partner", routed_id)
    try:
        with unit_of_work(session):
            n = service.add_note(session, request_id=routed_id, user_id=p.user_id, body=_scalar(body, "body"))
            out = {"id": n.id, "request_id": routed_id}
    except service.FieldError as exc:
        raise refused(exc) from None
    return out


@router.post("/requests/{routed_id}/messages", responses=ERRORS, status_code=201)
def message(request: Request, routed_id: Id, session: SessionDep, body: Json,
            p: Annotated[Principal, Depends(require("oneshop.converse"))]) -> dict:
    """`{"body": "..."}`: a message between the company and this request's partner (its thread in
    /api/v1/messages)."""
    _routed(request, session, p, "oneshop.converse", routed_id)
    rate_limit(request, "messages", "rate_limit_messages", p, per_ip=False)
    try:
        with unit_of_work(session):
            thread_id = service.send_message(session, request_id=routed_id, sender_id=p.user_id,
                                             body=_scalar(body, "body"))
    except (service.FieldError, messaging.MessagingError) as exc:
        raise refused(exc) from None
    return {"thread_id": thread_id}


@router.post("/requests/{routed_id}/satisfaction", responses=ERRORS)
def satisfaction(request: Request, routed_id: Id, session: SessionDep, body: Json,
                 p: Annotated[Principal, Depends(require("oneshop.rate"))]) -> dict:
    """`{"satisfaction": 1..5, "comment": "..."}` once the case is closed (the company)."""
    _routed(request, session, p, "oneshop.rate", routed_id)
    try:
        with unit_of_work(session):
            r = service.rate(session, request_id=routed_id, score=_scalar(body, "satisfaction"),
                             comment=_scalar(body, "comment"), user_id=p.user_id)
            out = {"id": r.id, "satisfaction": r.satisfaction}
    except service.FieldError as exc:
        raise refused(exc) from None
    return out


@router.get("/rules", responses=ERRORS)
def rules(session: SessionDep, p: Annotated[Principal, Depends(require("oneshop.coordinate"))]) -> dict:
    """The active routing rules (coordinators)."""
    return {"rules": [rule_json(r) for r in service.rules(session)]}


@router.post("/rules", responses=ERRORS, status_code=201)
def add_rule(session: SessionDep, body: Json, p: Annotated[Principal, Depends(require("oneshop.coordinate"))]) -> dict:
    """`{"need", "region", "modality", "size", and "actor_id" (a partner actor) or "actor_kind"}`."""
    values = {k: _scalar(body, k) for k in ("need", "region", "modality", "size", "actor_id", "actor_kind")}
    try:
        with unit_of_work(session):
            rule = service.add_rule(session, values=values, user_id=p.user_id)
            out = rule_json(rule)
    except service.FieldError as exc:
        raise refused(exc) from None
    return out


@router.delete("/rules/{rule_id}", responses=ERRORS)
def delete_rule(rule_id: Id, session: SessionDep, p: Annotated[Principal, Depends(require("oneshop.coordinate"))]) -> dict:
    """Deactivate a routing rule (the requests it routed stay)."""
    try:
        with unit_of_work(session):
            service.delete_rule(session, rule_id=rule_id, user_id=p.user_id)
    except service.NotFound:
        raise not_found("rule_id", "No rule with this number.", detail=f"no rule {rule_id}") from None
    return {"deleted": rule_id}


@router.post("/requests/{routed_id}/reroute", responses=ERRORS)
def reroute(routed_id: Id, session: SessionDep, body: Json,
            p: Annotated[Principal, Depends(require("oneshop.coordinate"))]) -> dict:
    """`{"actor_id": 123}`: send a new or declined request to another partner organisation."""
    try:
        with unit_of_work(session):
            r = service.reroute(session, request_id=routed_id, actor_id=_scalar(body, "actor_id"), user_id=p.user_id)
            out = {"id": r.id, "partner_actor_id": r.partner_actor_id, "status": r.status}
    except service.NotFound:
        raise not_found("routed_id", "No request with this number.", detail=f"no request {routed_id}") from None
    except service.FieldError as exc:
        raise refused(exc) from None
    return out


@router.get("/figures", responses=ERRORS)
def figures(session: SessionDep, p: Annotated[Principal, Depends(require("oneshop.coordinate"))]) -> dict:
    """The shop's figures and coverage gaps, and the routed requests' overview (no notes, no documents)."""
    return {**service.figures(session), "overview": service.overview(session)}

"""HTML pages of the one-stop shop: the public intake form and its e-mailed link, my cases and
routed requests, a case (filtered for its reader), the partners' status and notes, messages,
documents, and the coordinators' page (routing rules, reminders, figures)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from bioatlas.accounts import service as accounts
from bioatlas.accounts.deps import rate_limit
from bioatlas.accounts.policy import Principal, authorize, client_ip, require
from bioatlas.atlas import service as atlas
from bioatlas.core.db import unit_of_work
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.messaging import service as messaging
from bioatlas.oneshop import service
from bioatlas.oneshop.labels import labels
from bioatlas.oneshop.service import FieldError, NotFound
from bioatlas.web.pages import redirect, render
from bioatlas.core.fields import refusal_text
from bioatlas.web.refusals import not_found

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
FIELDS = ("company_name", "contact_name", "email", "country", "siret", "project_type", "modality", "region",
          "description", "surface_m2", "cleanroom_grade", "jobs_planned", "investment_band", "start_on")


def _render(request: Request, t, template: str, status: int = 200, **context):
    return render(request, t, template, status=status, L=labels(t), **context)


async def _form(request: Request) -> FormData:
    return await request.form(max_part_size=64 * 1024)


def _text(form: FormData, name: str, limit: int = 5000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _ids(form: FormData, name: str) -> list[int]:
    """Actor numbers ticked in a form (a value that is not a number is refused by the service as
    not a partner of the case)."""
    values = [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()][:50]
    return [int(v) if v.isdigit() and len(v) < 10 else -1 for v in values]


def _case_scope(request: Request, session, t, p: Principal, action: str, case_id: int):
    scope = service.case_scope(session, case_id=case_id)
    if scope is None:
        raise not_found("case_id", "No case with this number.")
    authorize(request, p, action, scope, target=f"oneshop_case:{case_id}")
    return scope


def _request_scope(request: Request, session, t, p: Principal, action: str, routed_id: int):
    scope = service.request_scope(session, request_id=routed_id)
    if scope is None:
        raise not_found("routed_id", "No request with this number.")
    authorize(request, p, action, scope, target=f"oneshop_request:{routed_id}")
    return scope


def _step_labels(t) -> dict[str, str]:
    """The atlas's value-chain steps, labelled in the reader's language."""
    terms = atlas.taxonomies()["value_chain"].terms
    return {code: terms[code].label(t.lang) for code in service.value_chain_steps()}


def _modality_labels(t) -> dict[str, str]:
    """The atlas's therapeutic modalities, labelled in the reader's language."""
    terms = atlas.taxonomies()["modalities"].terms
    return {code: terms[code].label(t.lang) for code in service.modalities()}


def _intake_page(request, t, *, values=None, needs=(), error=None, status=200, sent=None):
    return _render(request, t, "oneshop/intake.html", status=status, values=values or {}, chosen=set(needs),
                   error=error, sent=sent, needs=service.NEEDS, types=service.PROJECT_TYPES,
                   steps=_step_labels(t), modalities=_modality_labels(t), chosen_steps=set((values or {}).get("value_chain_steps") or ()),
                   bands=service.INVESTMENT_BANDS)


# The intake form's labels (msgids of oneshop/intake.html): a refused field is named by its label
INTAKE_LABELS = {
    "cleanroom_grade": "Cleanroom grade",
    "company_name": "Company",
    "contact_name": "Contact name",
    "country": "Country",
    "description": "Description",
    "email": "E-mail",
    "investment_band": "Investment",
    "jobs_planned": "Jobs planned",
    "modality": "Therapeutic modality",
    "project_type": "Project",
    "region": "Region",
    "siret": "SIRET (optional)",
    "start_on": "Start (date)",
}


@router.get("/oneshop", response_class=HTMLResponse)
def intake_form(request: Request, t: TranslatorDep):
    return _intake_page(request, t)


@router.post("/oneshop", response_class=HTMLResponse)
def intake(request: Request, session: SessionDep, t: TranslatorDep, form: Annotated[FormData, Depends(_form)],
           p: Annotated[Principal, Depends(require("public.form"))]):
    rate_limit(request, "oneshop_intake", "rate_limit_signup", p)  # each intake may mail an address: as sign-ups
    values = {k: _text(form, k) for k in FIELDS}
    values["share_details"] = "yes" if form.get("share_details") else "no"
    needs = [n for n in form.getlist("needs") if isinstance(n, str)]
    values["value_chain_steps"] = [v for v in form.getlist("value_chain_steps") if isinstance(v, str)][:20]
    details = {f"detail_{n}": _text(form, f"detail_{n}", 1000) for n in service.NEEDS}
    email = accounts.user_email(session, user_id=p.user_id) if p.user_id is not None and p.verified else None
    settings = request.app.state.settings
    try:
        with unit_of_work(session):
            case, mail = service.intake(session, values={**values, **details, "needs": needs}, user_id=p.user_id,
                                        verified_email=email, public_url=settings.public_url, language=t.lang)
    except FieldError as exc:
        labels = {name: t(label) for name, label in INTAKE_LABELS.items()}
        return _intake_page(request, t, values=values, needs=needs, status=exc.status,
                            error=refusal_text(t, exc, with_field=True, labels=labels))
    if mail is not None:
        service.deliver(session, settings=settings, mail_id=mail)
        return _intake_page(request, t, sent=values["email"])
    return redirect(f"/oneshop/cases/{case.id}")


@router.get("/oneshop/verify/{token}", response_class=HTMLResponse)
def verify(request: Request, token: Annotated[str, Path(max_length=100)], session: SessionDep, t: TranslatorDep):
    try:
        with unit_of_work(session):
            case = service.verify(session, token=token)
    except FieldError as exc:
        accounts.record_audit_now(request.app.state.sessionmaker, event="refused", ip=client_ip(request),
                                  target="oneshop verify", detail=exc.message)
        return _render(request, t, "oneshop/verified.html", status=exc.status, case=None)
    return _render(request, t, "oneshop/verified.html", case=case)


@router.get("/oneshop/cases", response_class=HTMLResponse)
def my_cases(request: Request, session: SessionDep, t: TranslatorDep,
             p: Annotated[Principal, Depends(require("oneshop.follow"))]):
    email = accounts.user_email(session, user_id=p.user_id)
    if email:
        with unit_of_work(session):
            service.link_cases(session, user_id=p.user_id, email=email)
    mine = service.cases_of(session, principal=p)
    names = service.partner_names(session, actor_ids={r.partner_actor_id for r in mine["routed"]})
    return _render(request, t, "oneshop/cases.html", own=mine["own"], routed=mine["routed"], names=names)


def _case_page(request, session, t, p: Principal, case_id: int, *, error=None, status=200):
    with unit_of_work(session):  # the read is audited
        view = service.case_view(session, case_id=case_id, principal=p, ip=client_ip(request))
    company = view["role"] == "company"
    suggestions = service.suggestions(session, case=view["case"]) if company else []
    zones = service.zones(session, case=view["case"]) if company else []
    return _render(request, t, "oneshop/case.html", status=status, v=view, error=error, suggestions=suggestions,
                   zones=zones, steps=_step_labels(t), recruiting=service.recruiting(session, case=view["case"]) if company else None,
                   timeline=service.timeline(view),
                   statuses=service.PARTNER_STATUSES, outcomes=service.OUTCOMES,
                   unread=messaging.unread_total(session, user_id=p.user_id) if p.user_id else 0)


@router.get("/oneshop/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: Id, session: SessionDep, t: TranslatorDep,
              p: Annotated[Principal, Depends(require("oneshop.read"))]):
    _case_scope(request, session, t, p, "oneshop.read", case_id)
    return _case_page(request, session, t, p, case_id)


@router.post("/oneshop/cases/{case_id}/documents", response_class=HTMLResponse)
def upload(request: Request, case_id: Id, session: SessionDep, t: TranslatorDep,
           form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("oneshop.company"))]):
    """The body is capped by the app (settings.max_upload_bytes); the service checks the file's own
    size, type and first bytes."""
    _case_scope(request, session, t, p, "oneshop.company", case_id)
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise FieldError("file", "choose a file")
        data = upload.file.read(service.MAX_UPLOAD + 1)
        with unit_of_work(session):
            service.add_document(session, case_id=case_id, filename=upload.filename or "", data=data,
                                 content_type=upload.content_type or "", shared_with=_ids(form, "shared_with"))
    except FieldError as exc:
        return _case_page(request, session, t, p, case_id, error=refusal_text(t, exc, with_field=True), status=exc.status)
    return redirect(f"/oneshop/cases/{case_id}")


@router.post("/oneshop/cases/{case_id}/documents/{document_id}/share", response_class=HTMLResponse)
def share_document(request: Request, case_id: Id, document_id: Id, session: SessionDep, t: TranslatorDep,
                   form: Annotated[FormData, Depends(_form)],
                   p: Annotated[Principal, Depends(require("oneshop.company"))]):
    """The partners a document is shared with (the ticked ones; none: the company's copy only)."""
    _case_scope(request, session, t, p, "oneshop.company", case_id)
    try:
        with unit_of_work(session):
            service.share_document(session, case_id=case_id, document_id=document_id,
                                   shared_with=_ids(form, "shared_with"), user_id=p.user_id)
    except NotFound:
        raise not_found("document_id", "No document with this number.") from None
    except FieldError as exc:
        return _case_page(request, session, t, p, case_id, error=refusal_text(t, exc, with_field=True), status=exc.status)
    return redirect(f"/oneshop/cases/{case_id}")


@router.post("/oneshop/cases/{case_id}/sharing", response_class=HTMLResponse)
def share_details(request: Request, case_id: Id, session: SessionDep, t: TranslatorDep,
                  form: Annotated[FormData, Depends(_form)],
                  p: Annotated[Principal, Depends(require("oneshop.company"))]):
    """The partners that see the project's details (the ticked ones)."""
    _case_scope(request, session, t, p, "oneshop.company", case_id)
    try:
        with unit_of_work(session):
            service.share_details(session, case_id=case_id, partners=_ids(form, "partners"), user_id=p.user_id)
    except FieldError as exc:
        return _case_page(request, session, t, p, case_id, error=refusal_text(t, exc, with_field=True), status=exc.status)
    return redirect(f"/oneshop/cases/{case_id}")


@router.post("/oneshop/requests/{routed_id}/satisfaction", response_class=HTMLResponse)
def satisfaction(request: Request, routed_id: Id, session: SessionDep, t: TranslatorDep,
                 form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("oneshop.rate"))]):
    scope = _request_scope(request, session, t, p, "oneshop.rate", routed_id)
    try:
        with unit_of_work(session):
            service.rate(session, request_id=routed_id, score=_text(form, "satisfaction", 2),
                         comment=_text(form, "comment", 2000), user_id=p.user_id)
    except FieldError as exc:
        return _case_page(request, session, t, p, scope.case_id, error=refusal_text(t, exc, with_field=True),
                          status=exc.status)
    return redirect(f"/oneshop/cases/{scope.case_id}")


@router.get("/oneshop/cases/{case_id}/documents/{document_id}")
def download(request: Request, case_id: Id, document_id: Id, session: SessionDep, t: TranslatorDep,
             p: Annotated[Principal, Depends(require("oneshop.document"))]):
    scope = service.document_scope(session, case_id=case_id, document_id=document_id)
    if scope is None:
        raise not_found("document_id", "No document with this number.")
    authorize(request, p, "oneshop.document", scope, target=f"oneshop_document:{document_id}")
    doc = service.document(session, document_id=document_id)
    return Response(doc.data, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{doc.filename}"',
                             "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@router.post("/oneshop/cases/{case_id}/close", response_class=HTMLResponse)
def close(request: Request, case_id: Id, session: SessionDep, t: TranslatorDep,
          form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("oneshop.company"))]):
    _case_scope(request, session, t, p, "oneshop.company", case_id)
    try:
        with unit_of_work(session):
            service.close_case(session, case_id=case_id, outcome=_text(form, "outcome", 20), user_id=p.user_id)
    except FieldError as exc:
        return _case_page(request, session, t, p, case_id, error=refusal_text(t, exc, with_field=True), status=exc.status)
    return redirect(f"/oneshop/cases/{case_id}")


def _status_labels(t) -> dict[str, str]:
    """The status form's fields by their labels (a refusal names the field the partner sees)."""
    return {"status": t("Status"), "reason": t("Reason (when declining)"), "next_step": t("Next step"),
            "next_step_on": f"{t('Next step')} – {t('Date')}"}


@router.post("/oneshop/requests/{routed_id}/status", response_class=HTMLResponse)
def status(request: Request, routed_id: Id, session: SessionDep, t: TranslatorDep,
           form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("oneshop.partner"))]):
    scope = _request_scope(request, session, t, p, "oneshop.partner", routed_id)
    try:
        with unit_of_work(session):
            service.set_status(session, request_id=routed_id, user_id=p.user_id, status=_text(form, "status", 20),
                               reason=_text(form, "reason", 1000), next_step=_text(form, "next_step", 400),
                               next_step_on=_text(form, "next_step_on", 10))
    except FieldError as exc:
        return _case_page(request, session, t, p, scope.case_id, status=exc.status,
                          error=refusal_text(t, exc, with_field=True, labels=_status_labels(t)))
    return redirect(f"/oneshop/cases/{scope.case_id}")


@router.post("/oneshop/requests/{routed_id}/notes", response_class=HTMLResponse)
def note(request: Request, routed_id: Id, session: SessionDep, t: TranslatorDep,
         form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("oneshop.partner"))]):
    scope = _request_scope(request, session, t, p, "oneshop.partner", routed_id)
    try:
        with unit_of_work(session):
            service.add_note(session, request_id=routed_id, user_id=p.user_id, body=_text(form, "body", 10_000))
    except FieldError as exc:
        return _case_page(request, session, t, p, scope.case_id, error=refusal_text(t, exc, with_field=True),
                          status=exc.status)
    return redirect(f"/oneshop/cases/{scope.case_id}")


@router.post("/oneshop/requests/{routed_id}/messages", response_class=HTMLResponse)
def message(request: Request, routed_id: Id, session: SessionDep, t: TranslatorDep,
            form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("oneshop.converse"))]):
    scope = _request_scope(request, session, t, p, "oneshop.converse", routed_id)
    rate_limit(request, "messages", "rate_limit_messages", p, per_ip=False)
    try:
        with unit_of_work(session):
            thread_id = service.send_message(session, request_id=routed_id, sender_id=p.user_id,
                                             body=_text(form, "body", 10_000))
    except (FieldError, messaging.MessagingError) as exc:
        error = refusal_text(t, exc, with_field=True)
        return _case_page(request, session, t, p, scope.case_id, error=error, status=exc.status)
    return redirect(f"/messages/{thread_id}")


def _admin_page(request, session, t, *, error=None, status=200, done=None):
    rules = service.rules(session)
    names = service.partner_names(session, actor_ids={r.actor_id for r in rules if r.actor_id})
    return _render(request, t, "oneshop/admin.html", status=status, rules=rules, names=names, error=error,
                   done=done, figures=service.figures(session), overview=service.overview(session),
                   needs=service.NEEDS, sizes=service.SIZES, kinds=service.PARTNER_KINDS)


@router.get("/oneshop/admin", response_class=HTMLResponse)
def admin(request: Request, session: SessionDep, t: TranslatorDep,
          p: Annotated[Principal, Depends(require("oneshop.coordinate"))]):
    return _admin_page(request, session, t)


@router.post("/oneshop/admin/rules", response_class=HTMLResponse)
def add_rule(request: Request, session: SessionDep, t: TranslatorDep, form: Annotated[FormData, Depends(_form)],
             p: Annotated[Principal, Depends(require("oneshop.coordinate"))]):
    values = {k: _text(form, k, 100) for k in ("need", "region", "modality", "size", "actor_id", "actor_kind")}
    try:
        with unit_of_work(session):
            service.add_rule(session, values=values, user_id=p.user_id)
    except FieldError as exc:
        return _admin_page(request, session, t, error=refusal_text(t, exc, with_field=True), status=exc.status)
    return redirect("/oneshop/admin")


@router.post("/oneshop/admin/rules/{rule_id}/delete", response_class=HTMLResponse)
def delete_rule(request: Request, rule_id: Id, session: SessionDep, t: TranslatorDep,
                p: Annotated[Principal, Depends(require("oneshop.coordinate"))]):
    try:
        with unit_of_work(session):
            service.delete_rule(session, rule_id=rule_id, user_id=p.user_id)
    except NotFound:
        raise not_found("rule_id", "No rule with this number.") from None
    return redirect("/oneshop/admin")


@router.post("/oneshop/admin/requests/{routed_id}/reroute", response_class=HTMLResponse)
def reroute(request: Request, routed_id: Id, session: SessionDep, t: TranslatorDep,
            form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("oneshop.coordinate"))]):
    try:
        with unit_of_work(session):
            service.reroute(session, request_id=routed_id, actor_id=_text(form, "actor_id", 12), user_id=p.user_id)
    except NotFound:
        raise not_found("routed_id", "No request with this number.") from None
    except FieldError as exc:
        return _admin_page(request, session, t, error=refusal_text(t, exc, with_field=True), status=exc.status)
    return redirect("/oneshop/admin")


@router.post("/oneshop/admin/remind", response_class=HTMLResponse)
def remind(request: Request, session: SessionDep, t: TranslatorDep,
           p: Annotated[Principal, Depends(require("oneshop.coordinate"))]):
    with unit_of_work(session):
        counts = service.remind(session)
    return _admin_page(request, session, t, done=counts)

"""HTML pages of partner search: the marketplace with facets, an opportunity's page (quality
rules, review, expressions of interest and their answers, close and renew), its matches, the
members' form, "my opportunities" and the editors' review queue. Handlers parse, call the service
(the same calls as the JSON API) and render."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from bioatlas.accounts.policy import Principal, authorize, can, client_ip, require
from bioatlas.atlas.service import TaxonomiesDep, gazetteer
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.core.text import fold
from bioatlas.opportunities import service
from bioatlas.opportunities.api import name_of, owned, visible
from bioatlas.opportunities.fields import DIRECTIONS, GMP_GRADES, KINDS, OUTCOMES
from bioatlas.opportunities.forms import form_from, raw_from_form
from bioatlas.opportunities.present import interest_view, match_view, opportunity_view
from bioatlas.web.pages import redirect, render
from bioatlas.web.refusals import Refused, form_refusal, not_found

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def _form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(_form)]


def _str(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _choices(taxonomies, lang: str) -> dict:
    def terms(name):
        return [(c, term.label(lang)) for c, term in taxonomies[name].terms.items()]
    return {"modalities": terms("modalities"), "steps": terms("value_chain"),
            "expression_systems": terms("expression_systems"), "batch_types": terms("batch_types"),
            "gmp": [(c, taxonomies["gmp_status"].label(c, lang)) for c in GMP_GRADES],
            "regions": sorted(gazetteer().regions.items(), key=lambda kv: fold(kv[1])),
            "directions": DIRECTIONS, "kinds": KINDS, "outcomes": OUTCOMES}


# The form's labels (msgids of opportunities/edit.html): a refused field is named by its label
FORM_LABELS = {
    "call_ref": "Funding call",
    "capacity.batch_types": "Batch types",
    "capacity.gmp": "GMP grade",
    "capacity.quantity": "Batches",
    "capacity.scale_max_l": "Maximum scale (L)",
    "capacity.scale_min_l": "Minimum scale (L)",
    "capacity.window_from": "Window from",
    "capacity.window_to": "Window to",
    "countries": "Countries (ISO codes, comma-separated)",
    "deadline": "Deadline",
    "description_en": "Description (English)",
    "description_fr": "Description (French)",
    "direction": "Offer or request",
    "expires_on": "Expires on",
    "expression_systems": "Expression system",
    "kind": "Type",
    "modalities": "Therapeutic modality",
    "regions": "Region",
    "steps": "Value-chain step",
    "title_en": "Title (English)",
    "title_fr": "Title (French)",
}


@router.get("/opportunities", response_class=HTMLResponse)
def marketplace(request: Request, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep,
                direction: Annotated[str | None, Query(max_length=10)] = None,
                kind: Annotated[str | None, Query(max_length=20)] = None,
                modality: Annotated[str | None, Query(max_length=60)] = None,
                region: Annotated[str | None, Query(max_length=10)] = None):
    chosen = {k: v for k, v in (("direction", direction), ("kind", kind), ("modality", modality), ("region", region)) if v}
    error = None
    if direction and direction not in DIRECTIONS:
        error = {"field": "direction", "message": t("unknown value")}
    elif kind and kind not in KINDS:
        error = {"field": "kind", "message": t("unknown value")}
    elif modality and modality not in taxonomies["modalities"].terms:
        error = {"field": "modality", "message": t("unknown value")}
    elif region and region not in gazetteer().regions:
        error = {"field": "region", "message": t("unknown value")}
    if error:
        return render(request, t, "opportunities/marketplace.html", status=422, error=error, items=[], facets={},
                      links={}, chosen=chosen, labels={})
    rows, facets = service.listing(session, direction=direction, kind=kind,
                                   modalities=frozenset([modality]) if modality else frozenset(), region=region)
    p = request.state.principal
    names = service.actor_names(session, actor_ids=[o.actor_id for o in rows])
    items = [opportunity_view(o, taxonomies, t.lang, actor_name=names.get(o.actor_id, "") if service.shows_name(
        session, opp=o, principal=p) else None) for o in rows]
    links = {name: {code: "/opportunities?" + urlencode({**chosen, name: code}) if chosen.get(name) != code else
                    "/opportunities?" + urlencode({k: v for k, v in chosen.items() if k != name})
                    for code in counts} for name, counts in facets.items()}
    labels = {"modality": {c: taxonomies["modalities"].label(c, t.lang) for c in facets["modality"]}}
    return render(request, t, "opportunities/marketplace.html", items=items, facets=facets, links=links,
                  chosen=chosen, labels=labels, error=None)


@router.get("/opportunities/mine", response_class=HTMLResponse)
def mine(request: Request, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep,
         p: Annotated[Principal, Depends(require("account.self"))]):
    rows = service.mine(session, actor_ids=p.member_of, user_id=p.user_id)
    names = service.actor_names(session, actor_ids=[*(o.actor_id for o in rows), *p.member_of])
    items = [opportunity_view(o, taxonomies, t.lang, actor_name=names.get(o.actor_id, ""), private=True) for o in rows]
    actors = sorted(((a, names.get(a, str(a))) for a in p.member_of), key=lambda kv: fold(kv[1]))
    alerts = service.alerts_of(session, user_id=p.user_id) if p.user_id is not None else []
    return render(request, t, "opportunities/mine.html", items=items, actors=actors, alerts=alerts)


@router.post("/opportunities/alerts", response_class=HTMLResponse)
def save_alert(request: Request, session: SessionDep, taxonomies: TaxonomiesDep, form: Form,
               p: Annotated[Principal, Depends(require("account.self"))]):
    if p.user_id is None:
        raise Refused(service.OpportunityError("", "not allowed: {action}", params={"action": "account.self"}), status=403)
    raw = {k: [v] if k in ("modalities", "regions") else v for k in ("direction", "kind", "modalities", "regions")
           if (v := _str(form, k))}
    _act(service.save_alert, session, user_id=p.user_id, ip=client_ip(request), raw=raw, taxonomies=taxonomies)
    return redirect("/opportunities/mine")


@router.post("/opportunities/alerts/{alert_id}/delete", response_class=HTMLResponse)
def delete_alert(alert_id: Id, session: SessionDep, p: Annotated[Principal, Depends(require("account.self"))]):
    _act(service.delete_alert, session, user_id=p.user_id or 0, alert_id=alert_id)
    return redirect("/opportunities/mine")


@router.get("/opportunities/review", response_class=HTMLResponse)
def review_queue(request: Request, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep,
                 p: Annotated[Principal, Depends(require("moderation.queue"))]):
    rows = service.review_queue(session, principal=p)
    names = service.actor_names(session, actor_ids=[o.actor_id for o in rows])
    items = [{**opportunity_view(o, taxonomies, t.lang, actor_name=names.get(o.actor_id, ""), private=True),
              "quality": service.quality_of(o)} for o in rows]
    return render(request, t, "opportunities/review.html", items=items)


def _form_page(request, t, taxonomies, *, action: str, actor_name: str, doc=None, error=None, status=200):
    return render(request, t, "opportunities/edit.html", status=status, action=action, actor_name=actor_name,
                  doc=form_from(doc), error=error, choices=_choices(taxonomies, t.lang))


@router.get("/opportunities/actors/{actor_id}/new", response_class=HTMLResponse)
def new_form(request: Request, actor_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep,
             p: Annotated[Principal, Depends(require("opportunities.edit"))]):
    scope = service.scope_of(session, actor_id=actor_id)
    if scope is None:
        raise not_found("actor_id", "No actor with this number.")
    authorize(request, p, "opportunities.edit", scope, target=f"actor:{actor_id}")
    name = service.actor_names(session, actor_ids=[actor_id]).get(actor_id, "")
    return _form_page(request, t, taxonomies, action=f"/opportunities/actors/{actor_id}/new", actor_name=name,
                      doc={"direction": "request", "kind": "capacity"})


@router.post("/opportunities/actors/{actor_id}/new", response_class=HTMLResponse)
def create(request: Request, actor_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep,
           form: Form, p: Annotated[Principal, Depends(require("opportunities.edit"))]):
    scope = service.scope_of(session, actor_id=actor_id)
    if scope is None:
        raise not_found("actor_id", "No actor with this number.")
    authorize(request, p, "opportunities.edit", scope, target=f"actor:{actor_id}")
    raw = raw_from_form(form)
    try:
        opp = service.create(session, user_id=p.user_id, ip=client_ip(request), actor_id=actor_id, raw=raw,
                             taxonomies=taxonomies)
    except service.OpportunityError as exc:  # the page in the reader's language
        raise Refused(exc) from None
    except service.FieldError as exc:
        name = service.actor_names(session, actor_ids=[actor_id]).get(actor_id, "")
        return _form_page(request, t, taxonomies, action=f"/opportunities/actors/{actor_id}/new", actor_name=name,
                          doc=raw, error=form_refusal(t, exc, FORM_LABELS), status=422)
    return redirect(f"/opportunities/{opp.id}")


@router.get("/opportunities/{opportunity_id}", response_class=HTMLResponse)
def page(request: Request, opportunity_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep):
    opp, p, may_edit = visible(request, session, opportunity_id)
    item = opportunity_view(opp, taxonomies, t.lang, actor_name=name_of(session, opp, p), private=may_edit)
    scope = service.scope_of(session, actor_id=opp.actor_id)
    may_review = opp.status == "submitted" and can(p, "opportunities.review", scope)
    interests = [interest_view(i) for i in service.interests_of(session, opportunity_id=opp.id)] if may_edit else []
    names = service.display_names(session, user_ids=[i["user_id"] for i in interests])
    return render(request, t, "opportunities/opportunity.html", o=item, may_edit=may_edit, may_review=may_review,
                  quality=service.quality_of(opp) if may_edit else [], interests=interests, names=names,
                  may_interest=p.user_id is not None and not may_edit and opp.status == "published",
                  outcomes=OUTCOMES)


@router.get("/opportunities/{opportunity_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, opportunity_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep,
              p: Annotated[Principal, Depends(require("opportunities.edit"))]):
    opp = owned(request, session, p, "opportunities.edit", opportunity_id)
    doc = {k: getattr(opp, k) for k in ("direction", "kind", "title_fr", "title_en", "description_fr", "description_en",
                                        "modalities", "steps", "expression_systems", "capacity", "regions",
                                        "countries", "call_ref", "deadline", "expires_on", "confidential")}
    name = service.actor_names(session, actor_ids=[opp.actor_id]).get(opp.actor_id, "")
    return _form_page(request, t, taxonomies, action=f"/opportunities/{opp.id}/edit", actor_name=name, doc=doc)


@router.post("/opportunities/{opportunity_id}/edit", response_class=HTMLResponse)
def edit(request: Request, opportunity_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep,
         form: Form, p: Annotated[Principal, Depends(require("opportunities.edit"))]):
    opp = owned(request, session, p, "opportunities.edit", opportunity_id)
    raw = raw_from_form(form)
    try:
        service.update(session, user_id=p.user_id, ip=client_ip(request), opportunity_id=opp.id, raw=raw,
                       taxonomies=taxonomies)
    except service.OpportunityError as exc:  # the page in the reader's language
        raise Refused(exc) from None
    except service.FieldError as exc:
        name = service.actor_names(session, actor_ids=[opp.actor_id]).get(opp.actor_id, "")
        return _form_page(request, t, taxonomies, action=f"/opportunities/{opp.id}/edit", actor_name=name, doc=raw,
                          error=form_refusal(t, exc, FORM_LABELS), status=422)
    return redirect(f"/opportunities/{opp.id}")


def _act(call, *args, **kwargs):
    """Run a service write for a form: its refusals as 4xx naming the field."""
    try:
        return call(*args, **kwargs)
    except service.OpportunityError as exc:
        raise Refused(exc) from None
    except service.FieldError as exc:
        raise Refused(exc, status=422) from None


@router.post("/opportunities/{opportunity_id}/submit", response_class=HTMLResponse)
def submit(request: Request, opportunity_id: Id, session: SessionDep,
           p: Annotated[Principal, Depends(require("opportunities.edit"))]):
    owned(request, session, p, "opportunities.edit", opportunity_id)
    _act(service.submit, session, user_id=p.user_id, ip=client_ip(request), opportunity_id=opportunity_id)
    return redirect(f"/opportunities/{opportunity_id}")


@router.post("/opportunities/{opportunity_id}/review", response_class=HTMLResponse)
def review(request: Request, opportunity_id: Id, session: SessionDep, form: Form,
           p: Annotated[Principal, Depends(require("opportunities.review"))]):
    owned(request, session, p, "opportunities.review", opportunity_id)
    _act(service.review, session, user_id=p.user_id, ip=client_ip(request), opportunity_id=opportunity_id,
         decision=_str(form, "decision"), reason=_str(form, "reason"))
    return redirect(f"/opportunities/{opportunity_id}")


@router.post("/opportunities/{opportunity_id}/close", response_class=HTMLResponse)
def close(request: Request, opportunity_id: Id, session: SessionDep, form: Form,
          p: Annotated[Principal, Depends(require("opportunities.edit"))]):
    owned(request, session, p, "opportunities.edit", opportunity_id)
    _act(service.close, session, user_id=p.user_id, ip=client_ip(request), opportunity_id=opportunity_id,
         outcome=_str(form, "outcome"), note=_str(form, "note"))
    return redirect(f"/opportunities/{opportunity_id}")


@router.post("/opportunities/{opportunity_id}/renew", response_class=HTMLResponse)
def renew(request: Request, opportunity_id: Id, session: SessionDep, form: Form,
          p: Annotated[Principal, Depends(require("opportunities.edit"))]):
    owned(request, session, p, "opportunities.edit", opportunity_id)
    _act(service.renew, session, user_id=p.user_id, ip=client_ip(request), opportunity_id=opportunity_id,
         days=_str(form, "days") or service.DEFAULT_DAYS)
    return redirect(f"/opportunities/{opportunity_id}")


@router.post("/opportunities/{opportunity_id}/interest", response_class=HTMLResponse)
def interest(request: Request, opportunity_id: Id, session: SessionDep, form: Form,
             p: Annotated[Principal, Depends(require("opportunities.interest"))]):
    if service.get(session, opportunity_id=opportunity_id) is None or p.user_id is None:
        raise Refused(service.NotFound("opportunity_id", "no opportunity {opportunity_id}",
                                       params={"opportunity_id": opportunity_id}))
    raw = {k: _str(form, k) for k in ("what", "why", "message", "actor_id") if _str(form, k)}
    _act(service.express_interest, session, user_id=p.user_id, ip=client_ip(request), opportunity_id=opportunity_id,
         raw=raw, member_of=p.member_of)
    return redirect(f"/opportunities/{opportunity_id}?sent=1")


@router.post("/opportunities/{opportunity_id}/interests/{interest_id}/answer", response_class=HTMLResponse)
def answer(request: Request, opportunity_id: Id, interest_id: Id, session: SessionDep, form: Form,
           p: Annotated[Principal, Depends(require("opportunities.edit"))]):
    owned(request, session, p, "opportunities.edit", opportunity_id)
    i = _act(service.answer_interest, session, user_id=p.user_id, ip=client_ip(request),
             opportunity_id=opportunity_id, interest_id=interest_id, decision=_str(form, "decision"))
    return redirect(f"/messages/{i.thread_id}" if i.thread_id else f"/opportunities/{opportunity_id}")


@router.get("/opportunities/{opportunity_id}/matches", response_class=HTMLResponse)
def matches(request: Request, opportunity_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep):
    opp, p, may_edit = visible(request, session, opportunity_id)
    found = service.matches(session, opportunity_id=opp.id, taxonomies=taxonomies, principal=p)
    item = opportunity_view(opp, taxonomies, t.lang, actor_name=name_of(session, opp, p), private=may_edit)
    return render(request, t, "opportunities/matches.html", o=item,
                  matches=[match_view(m, taxonomies, t.lang) for m in found])

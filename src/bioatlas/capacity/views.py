"""HTML pages of the offer directory: the directory with its facets, a provider's offer page,
the members' form (save, submit), the editors' review queue and decision."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from bioatlas.accounts.policy import Principal, can, client_ip, require
from bioatlas.atlas.service import TaxonomiesDep, gazetteer
from bioatlas.capacity import service
from bioatlas.capacity.api import query_from, scope_or_404
from bioatlas.capacity.fields import CONTACT_KINDS, GMP_GRADES
from bioatlas.capacity.forms import raw_from_form, rows_for
from bioatlas.capacity.present import offer_view
from bioatlas.capacity.query import PARAMS
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.core.text import fold
from bioatlas.web.pages import redirect, render
from bioatlas.core.fields import refusal_view
from bioatlas.web.refusals import Refused, form_refusal, not_found

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
FACET_TAXONOMIES = {"modality": "modalities", "step": "value_chain", "gmp": "gmp_status", "kind": "kinds"}


async def _form(request: Request) -> FormData:
    return await request.form()


def _choices(taxonomies, lang: str) -> dict:
    """Options of the directory's filters and of the form's selects."""
    def terms(name):
        return [(c, term.label(lang)) for c, term in taxonomies[name].terms.items()]
    return {
        "modalities": terms("modalities"), "steps": terms("value_chain"),
        "expression_systems": terms("expression_systems"), "batch_types": terms("batch_types"),
        "certifications": terms("certifications"),
        "kinds": [(c, label) for c, label in terms("kinds") if c in ("cdmo", "tech_platform", "integrator",
                                                                       "research_unit", "company", "university", "hospital")],
        "gmp": [(c, taxonomies["gmp_status"].label(c, lang)) for c in GMP_GRADES],
        "regions": sorted(gazetteer().regions.items(), key=lambda kv: fold(kv[1])),
        "contact_kinds": CONTACT_KINDS,
    }


# The form's labels (msgids of capacity/edit.html): a refused field is named by its label
FORM_LABELS = {
    "available_from": "From",
    "available_to": "To",
    "contact_kind": "Contact route",
    "contact_value": "Address",
    "summary_en": "Summary (English)",
    "summary_fr": "Summary (French)",
}


@router.get("/capacity", response_class=HTMLResponse)
def directory(request: Request, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep):
    try:
        q = query_from(request, taxonomies)
    except HTTPException as exc:
        error = refusal_view(t, exc.refusal) if isinstance(exc, Refused) else exc.detail
        return render(request, t, "capacity/directory.html", status=422, error=error, offers=[], total=0,
                      facets={}, chosen={}, choices=_choices(taxonomies, t.lang), facet_labels={})
    result = service.search_offers(session, query=q)
    geo = gazetteer()
    facet_labels = {name: {code: (geo.region_name(code) if name == "region" else
                                  taxonomies[FACET_TAXONOMIES[name]].label(code, t.lang))
                           for code in counts} for name, counts in result.facets.items()}
    return render(request, t, "capacity/directory.html", offers=[offer_view(o, taxonomies, t.lang) for o in result.offers],
                  total=result.total, facets={k: v.most_common() for k, v in result.facets.items()},
                  facet_labels=facet_labels, facet_links=_facet_links(request, result.facets, q.chosen),
                  chosen=q.chosen, choices=_choices(taxonomies, t.lang), error=None)


def _facet_links(request: Request, facets, chosen) -> dict[str, dict[str, str]]:
    """For each facet value, the directory's URL with that value added as a filter (or removed,
    when it is already chosen)."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k in PARAMS]
    links: dict[str, dict[str, str]] = {}
    for name, counts in facets.items():
        for code in counts:
            if code in chosen.get(name, ()):
                kept = [(k, v) for k, v in pairs if not (k == name and v == code)]
            elif name == "gmp":
                kept = [(k, v) for k, v in pairs if k != "gmp"] + [("gmp", code)]
            else:
                kept = [*pairs, (name, code)]
            links.setdefault(name, {})[code] = "/capacity" + (f"?{urlencode(kept)}" if kept else "")
    return links


@router.get("/capacity/actors/{actor_id}", response_class=HTMLResponse)
def offer_page(request: Request, actor_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep):
    scope = service.actor_scope(session, actor_id=actor_id)
    if scope is None:
        raise not_found("actor_id", "No actor with this number.")
    offer = service.profile_of(session, actor_id=actor_id)
    p = getattr(request.state, "principal", None)
    may_edit = bool(p and can(p, "capacity.edit", scope))
    draft = service.draft_of(session, actor_id=actor_id) if may_edit else None
    if offer is None and draft is None:
        raise not_found("actor_id", "This actor has no published capacity profile.")
    return render(request, t, "capacity/offer.html", offer=offer_view(offer, taxonomies, t.lang) if offer else None,
                  draft=draft, actor_id=actor_id, may_edit=may_edit)


def _edit_page(request, t, session, taxonomies, actor_id: int, *, raw=None, error=None, status=200):
    draft = service.draft_of(session, actor_id=actor_id)
    actor_name = draft.actor_name if draft else (service.actor_name(session, actor_id=actor_id) or "")
    doc = raw if raw is not None else (draft.doc if draft else None)
    return render(request, t, "capacity/edit.html", status=status, actor_id=actor_id, actor_name=actor_name,
                  draft=draft, doc=doc or {}, rows=rows_for(doc), error=error, choices=_choices(taxonomies, t.lang))


@router.get("/capacity/actors/{actor_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, actor_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep,
              p: Annotated[Principal, Depends(require("capacity.edit"))]):
    scope_or_404(request, session, p, "capacity.edit", actor_id)
    return _edit_page(request, t, session, taxonomies, actor_id)


@router.post("/capacity/actors/{actor_id}/edit", response_class=HTMLResponse)
def save(request: Request, actor_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep,
         form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("capacity.edit"))]):
    scope_or_404(request, session, p, "capacity.edit", actor_id)
    raw = raw_from_form(form)
    try:
        service.save_draft(session, user_id=p.user_id, ip=client_ip(request), actor_id=actor_id, raw=raw,
                           taxonomies=taxonomies)
        if form.get("then") == "submit":
            service.submit(session, user_id=p.user_id, ip=client_ip(request), actor_id=actor_id, taxonomies=taxonomies)
    except service.Conflict as exc:  # a FieldError too: the profile's state, not the form
        raise Refused(exc) from None
    except service.FieldError as exc:
        return _edit_page(request, t, session, taxonomies, actor_id, raw=raw, status=422,
                          error=form_refusal(t, exc, FORM_LABELS))
    except service.NotFound as exc:  # the actor was removed since scope_or_404
        raise not_found("actor_id", "No actor with this number.", detail=str(exc)) from None
    return redirect(f"/capacity/actors/{actor_id}/edit")


@router.post("/capacity/actors/{actor_id}/submit", response_class=HTMLResponse)
def submit(request: Request, actor_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep,
           p: Annotated[Principal, Depends(require("capacity.edit"))]):
    scope_or_404(request, session, p, "capacity.edit", actor_id)
    try:
        service.submit(session, user_id=p.user_id, ip=client_ip(request), actor_id=actor_id, taxonomies=taxonomies)
    except service.Conflict as exc:  # a FieldError too: the profile's state, not the form
        raise Refused(exc) from None
    except service.FieldError as exc:
        return _edit_page(request, t, session, taxonomies, actor_id, status=422,
                          error=form_refusal(t, exc, FORM_LABELS))
    except service.NotFound as exc:  # the actor exists (scope_or_404): it has no profile yet
        raise not_found("actor_id", "This actor has no capacity profile yet.", detail=str(exc)) from None
    return redirect(f"/capacity/actors/{actor_id}/edit")


@router.get("/capacity/review", response_class=HTMLResponse)
def review_queue(request: Request, session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep,
                 p: Annotated[Principal, Depends(require("moderation.queue"))]):
    offers = [offer_view(o, taxonomies, t.lang) for o in service.review_queue(session, principal=p)]
    return render(request, t, "capacity/review.html", offers=offers)


@router.post("/capacity/actors/{actor_id}/review", response_class=HTMLResponse)
def review(request: Request, actor_id: Id, session: SessionDep, t: TranslatorDep,
           form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("capacity.verify"))]):
    scope_or_404(request, session, p, "capacity.verify", actor_id)
    decision, reason = form.get("decision"), form.get("reason")
    try:
        service.review(session, user_id=p.user_id, ip=client_ip(request), actor_id=actor_id,
                       decision=decision if isinstance(decision, str) else "",
                       reason=reason if isinstance(reason, str) else None)
    except service.Conflict as exc:  # a FieldError too: the profile's state, not the form
        raise Refused(exc) from None
    except service.FieldError as exc:
        raise Refused(exc, status=422) from None
    except service.NotFound as exc:  # the actor exists (scope_or_404): it has no profile yet
        raise not_found("actor_id", "This actor has no capacity profile yet.", detail=str(exc)) from None
    return redirect("/capacity/review")

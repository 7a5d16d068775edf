"""HTML pages of the job board: the jobs page with its filters and facets, an offer's page (with
its schema.org JobPosting JSON-LD), and for the employer's members the publish and edit forms
and the close button."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData

from bioatlas.accounts.policy import Principal, can, client_ip, require
from bioatlas.atlas.service import gazetteer
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.core.text import fold
from bioatlas.jobboard import employers, feed, likely, service
from bioatlas.jobboard.api import SEARCH_PARAMS, actor_or_404, managed_offer, offer_or_404, query_from
from bioatlas.jobboard.fields import CONTRACTS, EDUCATION, EXPERIENCE
from bioatlas.jobboard.present import CONTRACT_LABELS, EDUCATION_LABELS, EXPERIENCE_LABELS, offer_view
from bioatlas.web.pages import redirect, render
from bioatlas.core.fields import FieldError, refusal_view
from bioatlas.web.refusals import Refused, form_refusal, not_found

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
FORM_FIELDS = ("title", "rome_code", "appellation_code", "contract", "experience", "education", "skills",
               "gmp_environment", "remote_share", "salary_min", "salary_max", "start_date", "description_fr",
               "description_en", "apply_url", "apply_email", "expires_on", "site_id")


async def _form(request: Request) -> FormData:
    return await request.form()


def _choices(lang: str) -> dict:
    return {"contracts": [(c, CONTRACT_LABELS[c][lang]) for c in CONTRACTS],
            "experience": [(c, EXPERIENCE_LABELS[c][lang]) for c in EXPERIENCE],
            "education": [(c, EDUCATION_LABELS[c][lang]) for c in EDUCATION],
            "regions": sorted(gazetteer().regions.items(), key=lambda kv: fold(kv[1])),
            "modality": list(employers.labels("modality", lang).items()),
            "step": list(employers.labels("step", lang).items())}


def json_ld(doc: dict) -> Markup:
    """JSON for a <script type="application/ld+json"> block: "<", ">" and "&" escaped so no text
    of the offer can close the element."""
    text = json.dumps(doc, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - escaped above


@router.get("/jobboard", response_class=HTMLResponse)
def jobs_page(request: Request, session: SessionDep, t: TranslatorDep):
    try:
        query = query_from(request)
    except HTTPException as exc:
        error = refusal_view(t, exc.refusal) if isinstance(exc, Refused) else exc.detail
        return render(request, t, "jobboard/list.html", status=422, error=error, offers=[], total=0, facets={},
                      facet_links={}, chosen={}, choices=_choices(t.lang))
    result = service.search(session, query=query)
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k in SEARCH_PARAMS and k not in ("offset",)]
    links: dict[str, list[tuple[str, str, int, bool]]] = {}
    geo = gazetteer()
    names = {name: employers.labels(name, t.lang) for name in employers.FACETS}
    for name, counts in result.facets.items():
        if name == "rome":  # ROME families have codes only ("H23"): the page lists occupations by name
            continue
        for code, n in counts.most_common():
            chosen = code in query.chosen.get(name, ())
            kept = [(k, v) for k, v in pairs if k != name] + ([] if chosen else [(name, code)])
            label = (geo.regions.get(code, code) if name == "region" else
                     CONTRACT_LABELS[code][t.lang] if name == "contract" else
                     names[name].get(code, code) if name in names else code)
            links.setdefault(name, []).append((label, "/jobboard" + (f"?{urlencode(kept)}" if kept else ""), n, chosen))
    for code, label, n in service.occupations(session, query=query):
        chosen = code in query.chosen.get("rome", ())
        kept = [(k, v) for k, v in pairs if k != "rome"] + ([] if chosen else [("rome", code)])
        links.setdefault("occupation", []).append((label, "/jobboard" + (f"?{urlencode(kept)}" if kept else ""), n, chosen))
    return render(request, t, "jobboard/list.html", offers=[offer_view(o, t.lang) for o in result.offers],
                  total=result.total, facet_links=links, chosen=query.chosen, choices=_choices(t.lang), error=None)


@router.get("/jobboard/feed.atom")
def atom_feed(request: Request, session: SessionDep, t: TranslatorDep):
    """The open offers of a search (the jobs page's parameters) as an Atom feed, newest first."""
    query = query_from(request)
    result = service.search(session, query=query, facets=False)
    base = str(request.base_url).rstrip("/")
    label = service.describe(query.chosen)
    body = feed.atom(result.offers, base_url=base, self_url=str(request.url), lang=t.lang,
                     title=f"{t('Job offers')} – {label}")
    return Response(body, media_type="application/atom+xml")


@router.get("/jobboard/offers/{offer_id}", response_class=HTMLResponse)
def offer_page(request: Request, offer_id: Id, session: SessionDep, t: TranslatorDep):
    o = offer_or_404(session, offer_id)
    p = getattr(request.state, "principal", None)
    may_edit = bool(p and can(p, "jobboard.publish", service.offer_scope(session, offer=o)))
    base = str(request.base_url).rstrip("/")
    return render(request, t, "jobboard/offer.html", offer=offer_view(o, t.lang), may_edit=may_edit,
                  published=o.created_at, rome_now=service.rome_now(session, offer=o),
                  is_open=service.is_open(o), json_ld=json_ld(service.job_posting(o, base_url=base, lang=t.lang)))


@router.get("/jobboard/likely-employers", response_class=HTMLResponse)
def likely_page(request: Request, session: SessionDep, t: TranslatorDep):
    rome = request.query_params.get("rome", "")[:5].strip().upper()
    employers, error = [], None
    if rome:
        try:
            employers = service.likely_employers(session, rome_code=rome)
        except service.FieldError as exc:
            error = refusal_view(t, exc)
    return render(request, t, "jobboard/likely.html", status=422 if error else 200, rome=rome, employers=employers,
                  error=error, method=likely.SOURCE[t.lang])


@router.post("/jobboard/searches", response_class=HTMLResponse)
def save_search(request: Request, session: SessionDep, t: TranslatorDep,
                form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("notification.self"))]):
    params: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if key in SEARCH_PARAMS and isinstance(value, str) and value:
            params.setdefault(key, []).append(value[:200])
    try:
        service.save_search(session, user_id=p.user_id or 0, params=params)
    except service.FieldError as exc:
        raise Refused(exc, status=422) from None
    return redirect("/jobboard/searches")


@router.get("/jobboard/searches", response_class=HTMLResponse)
def searches(request: Request, session: SessionDep, t: TranslatorDep,
             p: Annotated[Principal, Depends(require("notification.self"))]):
    rows = service.searches_of(session, user_id=p.user_id or 0)
    return render(request, t, "jobboard/searches.html",
                  searches=[{"id": r.id, "label": service.describe(r.params),
                             "url": "/jobboard?" + urlencode([(k, v) for k, vs in r.params.items() for v in vs]),
                             "feed": "/jobboard/feed.atom?" + urlencode([(k, v) for k, vs in r.params.items() for v in vs])}
                            for r in rows])


@router.post("/jobboard/searches/{search_id}/delete", response_class=HTMLResponse)
def delete_search(request: Request, search_id: Id, session: SessionDep,
                  p: Annotated[Principal, Depends(require("notification.self"))]):
    try:
        service.delete_search(session, user_id=p.user_id or 0, search_id=search_id)
    except service.NotFound as exc:  # the English detail ("no saved search 5"), the message in the reader's language
        raise not_found("search_id", "No such saved search.", detail=str(exc)) from None
    return redirect("/jobboard/searches")


# The offer form's labels (msgids of jobboard/edit.html): a refusal names its field by its label
FORM_LABELS = {
                "title": "Title",
                "site_id": "Site",
                "rome_code": "ROME code",
                "appellation_code": "ROME appellation code",
                "contract": "Contract",
                "experience": "Experience",
                "education": "Education",
                "skills": "Skills (comma-separated)",
                "remote_share": "Remote work (% of time)",
                "salary_min": "Minimum gross yearly salary (€)",
                "salary_max": "Maximum gross yearly salary (€)",
                "start_date": "Start date",
                "description_fr": "Description (French)",
                "description_en": "Description (English)",
                "apply_url": "Apply link (http(s) or mailto)",
                "apply_email": "Apply e-mail",
                "expires_on": "Open until (closed automatically after)",
}


def _edit_page(request, t, session, *, actor_id: int, offer_id: int | None, values: dict, error=None, status=200):
    return render(request, t, "jobboard/edit.html", status=status, actor_id=actor_id, offer_id=offer_id,
                  actor_name=service.actor_name(session, actor_id=actor_id) or "", values=values, error=error,
                  sites=service.sites_of(session, actor_id=actor_id), choices=_choices(t.lang))


def _raw(form: FormData) -> dict:
    return {name: form.get(name) for name in FORM_FIELDS if isinstance(form.get(name), str)}


@router.get("/jobboard/actors/{actor_id}/new", response_class=HTMLResponse)
def new_form(request: Request, actor_id: Id, session: SessionDep, t: TranslatorDep,
             p: Annotated[Principal, Depends(require("jobboard.publish"))]):
    actor_or_404(request, session, p, actor_id)
    title = request.query_params.get("title", "")[:200]
    values = {"title": title}
    if title:
        found = service.suggest_titles(session, title=title)
        if found:
            values.update(rome_code=found[0]["rome_code"], appellation_code=found[0]["appellation_code"])
    return _edit_page(request, t, session, actor_id=actor_id, offer_id=None, values=values)


@router.post("/jobboard/actors/{actor_id}/new", response_class=HTMLResponse)
def publish(request: Request, actor_id: Id, session: SessionDep, t: TranslatorDep,
            form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("jobboard.publish"))]):
    actor_or_404(request, session, p, actor_id)
    raw = _raw(form)
    try:
        o = service.publish(session, actor_id=actor_id, site_id=raw.get("site_id"), raw=raw, user_id=p.user_id,
                            ip=client_ip(request), default_days=request.app.state.settings.jobboard_offer_days)
    except service.FieldError as exc:
        return _edit_page(request, t, session, actor_id=actor_id, offer_id=None, values=raw, status=422,
                          error=form_refusal(t, exc, FORM_LABELS))
    except service.NotFound as exc:  # the actor was removed since actor_or_404
        raise not_found("actor_id", "No actor with this number.", detail=str(exc)) from None
    return redirect(f"/jobboard/offers/{o.id}")


def _values_of(o: service.JobOffer) -> dict:
    values = {name: getattr(o, name, None) for name in FORM_FIELDS}
    values["skills"] = ", ".join(o.skills or [])
    return values


@router.get("/jobboard/offers/{offer_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, offer_id: Id, session: SessionDep, t: TranslatorDep,
              p: Annotated[Principal, Depends(require("jobboard.publish"))]):
    o = managed_offer(request, session, p, offer_id)
    if o.actor_id is None:
        refusal = FieldError("", "Only offers published here can be edited here.", 409)  # the action itself
        raise Refused(refusal, detail=refusal.message)
    return _edit_page(request, t, session, actor_id=o.actor_id, offer_id=o.id, values=_values_of(o))


@router.post("/jobboard/offers/{offer_id}/edit", response_class=HTMLResponse)
def edit(request: Request, offer_id: Id, session: SessionDep, t: TranslatorDep,
         form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("jobboard.publish"))]):
    o = managed_offer(request, session, p, offer_id)
    raw = _raw(form)
    try:
        service.update(session, offer=o, site_id=raw.get("site_id"), raw=raw, user_id=p.user_id, ip=client_ip(request),
                       default_days=request.app.state.settings.jobboard_offer_days)
    except service.Conflict as exc:  # a FieldError too: the offer's state, not the form
        raise Refused(exc) from None
    except service.FieldError as exc:
        return _edit_page(request, t, session, actor_id=o.actor_id or 0, offer_id=o.id, values=raw, status=422,
                          error=form_refusal(t, exc, FORM_LABELS))
    return redirect(f"/jobboard/offers/{o.id}")


@router.post("/jobboard/offers/{offer_id}/close", response_class=HTMLResponse)
def close(request: Request, offer_id: Id, session: SessionDep, t: TranslatorDep,
          p: Annotated[Principal, Depends(require("jobboard.publish"))]):
    o = managed_offer(request, session, p, offer_id)
    try:
        service.close(session, offer=o, user_id=p.user_id, ip=client_ip(request))
    except service.Conflict as exc:
        raise Refused(exc) from None
    return redirect(f"/jobboard/offers/{o.id}")

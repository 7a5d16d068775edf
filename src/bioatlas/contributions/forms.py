"""Reading contribution forms (HTML) and the shared pieces of the contribution pages."""

from __future__ import annotations

import json

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from bioatlas.accounts import service as accounts
from bioatlas.accounts.policy import Principal, can, client_ip
from bioatlas.atlas.service import CAPABILITY_FACETS, Actor
from bioatlas.contributions import sites
from bioatlas.contributions.fields import clean
from bioatlas.contributions.models import Contribution
from bioatlas.contributions.service import actor_scope, authors
from bioatlas.core.fields import FieldError
from bioatlas.web import templates
from bioatlas.web.refusals import Refused

CONTROL_FIELDS = ("csrf_token", "note", "decision", "message")


async def form_data(request: Request) -> FormData:
    return await request.form()


def raw_fields(form: FormData) -> dict:
    raw: dict = {}
    for key, value in form.multi_items():
        if key in CONTROL_FIELDS or not isinstance(value, str):
            continue
        if key in CAPABILITY_FACETS:
            raw.setdefault(key, []).append(value)
        else:
            raw[key] = value
    return raw


def note_of(form: FormData, limit: int) -> str | None:
    note = form.get("note")
    if not isinstance(note, str) or not note.strip():
        return None
    cleaned = clean({"description_fr": note}, {}, max_chars=limit)  # same text rules as the fields
    return cleaned["description_fr"]


def _labels_of(field: str):
    """The reader's label of an actor or site field (atlas/_field_label.html, the one place for
    these words), for the error page; a field it does not know keeps its name."""
    def labels(t) -> dict[str, str]:
        macro = templates.env.get_template("atlas/_field_label.html").make_module({"t": t})
        label = str(macro.field_label(field)).strip()  # type: ignore[attr-defined]
        return {field: label} if label != t("Other field") else {}
    return labels


def checked(request: Request, raw: dict, taxonomies, settings, p: Principal, *, new_actor: bool = False) -> dict:
    """Validated fields, or 422 naming the field (the refusal is audited)."""
    try:
        return clean(raw, taxonomies, max_chars=settings.max_contribution_chars, new_actor=new_actor)
    except FieldError as exc:
        accounts.record_audit_now(request.app.state.sessionmaker, event="refused", user_id=p.user_id, ip=client_ip(request),
                         target=f"{request.method} {request.url.path}", detail=str(exc)[:500])
        raise Refused(exc, status=422, labels=_labels_of(exc.field)) from None  # a page: translated


def checked_site(request: Request, actor: Actor | None, *, action: str, site_id: int | None, raw: dict, taxonomies,
                 p: Principal, amending: Contribution | None = None) -> tuple[str, dict]:
    """(kind, payload) of a site change, or of an editor's amendment of the site contribution
    `amending`; 422 naming the field (the refusal is audited)."""
    try:
        if actor is None:
            raise FieldError("actor_id", "the actor of this site no longer exists")
        if amending is not None:
            return amending.kind, sites.amendment_of(actor, kind=amending.kind, proposed=json.loads(amending.payload),
                                                     fields=raw, taxonomies=taxonomies)
        return sites.proposal(actor, action=action, site_id=site_id, fields=raw, taxonomies=taxonomies)
    except FieldError as exc:
        accounts.record_audit_now(request.app.state.sessionmaker, event="refused", user_id=p.user_id, ip=client_ip(request),
                         target=f"{request.method} {request.url.path}", detail=str(exc)[:500])
        raise Refused(exc, status=422, labels=_labels_of(exc.field)) from None  # a page: translated


def current_values(actor: Actor) -> dict:
    """The actor's editable fields as the form shows them."""
    values = {f: getattr(actor, f) for f in ("name", "kind", "gmp", "description_fr", "description_en",
                                              "scale_litres")}
    values["website"] = next((i.value for i in actor.identifiers if i.scheme == "website"), "")
    for facet in CAPABILITY_FACETS:
        values[facet] = sorted({c.code for c in actor.capabilities if c.facet == facet})
    return values


def changed_only(actor: Actor, fields: dict) -> dict:
    now = current_values(actor)
    return {k: v for k, v in fields.items() if (set(v) != set(now[k]) if k in CAPABILITY_FACETS else now.get(k) != v)}


def actor_page_context(request: Request, session: Session, actor: Actor, changes: list) -> dict:
    """What the actor page needs to show the contribution buttons and the history's authors."""
    p = getattr(request.state, "principal", None)
    scope = actor_scope(session, actor=actor)
    return {
        "me": p,
        "csrf": getattr(request.state, "csrf", ""),
        "can_edit": bool(p and can(p, "actor.edit", scope)),
        "can_claim": bool(p and p.user_id and actor.id not in p.member_of),
        "can_propose": bool(p and p.user_id),
        "can_edit_sites": bool(p and p.user_id and can(p, "actor.edit", scope)),
        "can_revert": bool(p and can(p, "actor.revert", scope)),
        "change_authors": authors(session, changes=changes),
    }

"""What the atlas's actor page shows of the capacity profile (hook `bioatlas_actor_page`):
the published offer in short, and a link for members to fill it in."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from bioatlas.accounts.policy import can
from bioatlas.atlas.service import taxonomies
from bioatlas.capacity import service
from bioatlas.capacity.present import offer_view
from bioatlas.core.deps import request_language


def actor_page_context(request: Request, session: Session, actor) -> dict:
    offer = service.profile_of(session, actor_id=actor.id)
    p = getattr(request.state, "principal", None)
    scope = service.actor_scope(session, actor_id=actor.id) if p is not None and p.authenticated else None
    settings = request.app.state.settings
    lang = request_language(request)
    return {"capacity_offer": offer_view(offer, taxonomies(settings), lang) if offer else None,
            "capacity_can_edit": bool(scope is not None and can(p, "capacity.edit", scope))}

"""What the atlas's actor page shows of the job board (hook `bioatlas_actor_page`): the
employer's open positions, and for its members a link to publish one."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from bioatlas.accounts.policy import can
from bioatlas.core.deps import request_language
from bioatlas.jobboard import service
from bioatlas.jobboard.present import offer_view


def actor_page_context(request: Request, session: Session, actor) -> dict:
    lang = request_language(request)
    p = getattr(request.state, "principal", None)
    scope = service.actor_scope(session, actor_id=actor.id) if p is not None and p.authenticated else None
    return {"jobboard_offers": [offer_view(o, lang) for o in service.open_offers_of(session, actor_id=actor.id)],
            "jobboard_can_publish": bool(scope is not None and can(p, "jobboard.publish", scope))}

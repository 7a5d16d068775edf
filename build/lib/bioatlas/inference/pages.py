"""What the actor page shows of inferred capabilities: the evidence, and who may judge them."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from bioatlas.accounts.policy import can
from bioatlas.atlas.service import Actor
from bioatlas.contributions import service as contributions
from bioatlas.inference import service


def actor_page_context(request: Request, session: Session, actor: Actor) -> dict:
    evidence = service.evidence_of(session, actor_id=actor.id)
    p = getattr(request.state, "principal", None)
    can_judge = bool(evidence and p and can(p, "capability.judge", contributions.actor_scope(session, actor=actor)))
    return {"inferred_evidence": {f"{facet}:{code}": ev for (facet, code), ev in evidence.items()},
            "can_judge": can_judge}

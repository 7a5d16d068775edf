"""Objects of partner search for tests/test_authz_matrix.py: a published opportunity of actor A
(own: its members edit it) and one of actor B (other)."""

from __future__ import annotations

from datetime import date, timedelta

from bioatlas.atlas.service import taxonomies
from bioatlas.opportunities import service

LATER = (date.today() + timedelta(days=90)).isoformat()


def publish(db, *, actor_id: int, title: str) -> int:
    with db() as s:
        opp = service.create(s, user_id=None, ip=None, actor_id=actor_id, taxonomies=taxonomies(), raw={
            "direction": "offer", "kind": "technology", "title_fr": title, "title_en": title, "modalities": ["aav"],
            "description_fr": "Offre de test pour la matrice des autorisations : procédé AAV amont (synthétique).",
            "expires_on": LATER})
        service.submit(s, user_id=None, ip=None, opportunity_id=opp.id)
        service.review(s, user_id=None, ip=None, opportunity_id=opp.id, decision="publish")
        return opp.id


def matrix_world(db, *, a: int, b: int) -> dict:
    return {"own": publish(db, actor_id=a, title="Offre test A"), "other": publish(db, actor_id=b, title="Offre test B")}


def url_values(world: dict, role: str, whose: str) -> dict:
    return {"opportunity_id": world["opportunities_world"][whose]}

"""The one-stop shop's demo step (order 520): one SYNTHETIC foreign company's project, labelled.

"Société étrangère démo 1 (synthétique)", followed by the demo account "Entreprise démo 1"
(demo-oneshop-company@example.org), plans a pilot line in Île-de-France with three needs
(regulatory, funding, real estate), each routed by a rule to one of three real partner
organisations of the atlas (public agencies, clusters, incubators of Île-de-France first, by id); each partner has a
demo account "Partenaire démo N" as its member. Nothing states that these organisations handle
such a case: the case says it is a demonstration. One request is left untouched for ten days so
that the reminders have something to remind. Idempotent: skipped when the case exists."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.accounts import service as accounts
from bioatlas.atlas import service as atlas
from bioatlas.core.db import transaction
from bioatlas.oneshop import service
from bioatlas.oneshop.models import Case, RoutedRequest

COMPANY = "Société étrangère démo 1 (synthétique)"
COMPANY_EMAIL = "demo-oneshop-company@example.org"
NEEDS = ("regulatory", "funding", "real_estate")
DESCRIPTION = ("Projet fictif créé pour la démonstration du guichet unique\u202f: une entreprise étrangère synthétique, "
               "sans SIRET, envisage une ligne pilote. Les partenaires cités sont de vrais acteurs de l'atlas, "
               "mais ce dossier n'existe pas.")


def run(factory: sessionmaker[Session], *, taxonomies: Any = None) -> Mapping[str, Any]:
    with factory() as s:
        if s.scalar(select(Case.id).where(Case.company_name == COMPANY, Case.synthetic.is_(True))) is not None:
            return {"cases": 0, "skipped": "exists"}
        # partner organisations of Île-de-France first (the project's region), then any
        local = atlas.actor_ids_of_kinds(s, kinds=service.PARTNER_KINDS, region="11")
        partners = (local + [a for a in atlas.actor_ids_of_kinds(s, kinds=service.PARTNER_KINDS) if a not in local])[:3]
    if len(partners) < 3:
        return {"cases": 0, "skipped": "fewer than three partner organisations in the atlas"}
    with transaction(factory) as s:
        company = accounts.ensure_user(s, email=COMPANY_EMAIL, display_name="Entreprise démo 1")
        for i, actor_id in enumerate(partners, start=1):
            staff = accounts.ensure_user(s, email=f"demo-oneshop-partner-{i}@example.org",
                                         display_name=f"Partenaire démo {i}")
            s.flush()
            accounts.grant_member(s, user_id=staff.id, actor_id=actor_id)
        for need, actor_id in zip(NEEDS, partners, strict=True):
            service.add_rule(s, values={"need": need, "region": "11", "actor_id": str(actor_id)}, user_id=None)
        s.flush()
        case, _ = service.intake(
            s, values={"company_name": COMPANY, "contact_name": "Contact démo 1", "email": COMPANY_EMAIL,
                       "country": "JP", "project_type": "pilot_line", "modality": "aav", "region": "11",
                       "description": DESCRIPTION, "surface_m2": "2500", "cleanroom_grade": "B", "jobs_planned": "60",
                       "investment_band": "10to50m", "needs": list(NEEDS)},
            public_url="", user_id=company.id, verified_email=COMPANY_EMAIL, synthetic=True)
        routed = list(s.scalars(select(RoutedRequest).where(RoutedRequest.case_id == case.id)))
        if routed:
            first = routed[0]
            first.created_at = first.touched_at = service.now() - timedelta(days=10)
            service.set_status(s, request_id=routed[-1].id, user_id=None, status="answered")
        reminders = service.remind(s)
    return {"cases": 1, "partners": len(partners), "requests": len(routed), **reminders}

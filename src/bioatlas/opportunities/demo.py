"""The partner-search demo step (order 500, after capacity's synthetic providers): a SYNTHETIC
capacity offer of "CDMO démo B (synthétique)" (capacity's fictitious CDMO) and a SYNTHETIC request
of a fictitious start-up, "Start-up démo E (synthétique)", both published and labelled; the
request's matches put the CDMO first with its reasons. No real organisation is given an offer or a
need it did not state. Idempotent: an opportunity with the same title and actor is left alone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bioatlas.atlas import service as atlas
from bioatlas.atlas.service import ActorRecord, SiteRecord, SourceRecord, Taxonomy
from bioatlas.core.db import transaction
from bioatlas.opportunities import service

SOURCE = SourceRecord(key="demo:opportunities-synthetic", kind="synthetic",
                      title="Opportunités synthétiques de démonstration (recherche de partenaires) — "
                            "organisations fictives, aucune donnée réelle")
NOTE = "opportunité de démonstration synthétique\u202f: organisation fictive, besoin ou offre inventés"
CDMO = "CDMO démo B (synthétique)"
STARTUP = "Start-up démo E (synthétique)"


def specs(today: date) -> list[dict[str, Any]]:
    start = (today.replace(day=1) + timedelta(days=40)).replace(day=1)
    window = {"window_from": start.isoformat(), "window_to": (start + timedelta(days=240)).isoformat()}
    expiry = (today + timedelta(days=120)).isoformat()
    return [
        {"actor": CDMO, "doc": {
            "direction": "offer", "kind": "capacity", "title_fr": "Lots cliniques d'anticorps monoclonaux 200–2 000 L (démo)",
            "title_en": "Clinical monoclonal antibody batches 200–2,000 L (demo)",
            "description_fr": "Démonstration\u202f: créneaux de production amont en CHO pour anticorps monoclonaux, "
                              "lots cliniques sous BPF, de 200 à 2 000 litres.",
            "modalities": ["mab"], "steps": ["upstream"], "expression_systems": ["cho"],
            "capacity": {"scale_min_l": 200, "scale_max_l": 2000, "gmp": "gmp_commercial",
                         "batch_types": ["clinical"], **window}, "expires_on": expiry}},
        {"actor": STARTUP, "doc": {
            "direction": "request", "kind": "capacity", "title_fr": "Recherche deux lots cliniques d'anticorps 500 L (démo)",
            "title_en": "Looking for two clinical antibody batches at 500 L (demo)",
            "description_fr": "Démonstration\u202f: start-up fictive cherchant deux lots cliniques BPF d'un anticorps "
                              "monoclonal produit en CHO, environ 500 litres, pour un essai de phase I.",
            "modalities": ["mab"], "steps": ["upstream"], "expression_systems": ["cho"],
            "capacity": {"scale_min_l": 400, "scale_max_l": 600, "gmp": "gmp_clinical", "quantity": 2, **window},
            "regions": [], "partner_kinds": ["industry"], "expires_on": expiry}},
    ]


def _startup(session: Session, source) -> int:
    place = atlas.gazetteer().geocode(postcode="75005")
    existing = atlas.find_actor_by_name(session, name=STARTUP)
    record = ActorRecord(name=STARTUP, kind="startup", actor_id=existing.id if existing else None,
                         description_fr="Start-up fictive (synthétique) créée pour la démonstration de la recherche "
                                        "de partenaires\u202f: ni le nom ni le besoin ne décrivent une organisation réelle.",
                         sites=[SiteRecord(role="hq", postcode="75005", commune_insee=place.insee,
                                           commune_name=place.name, departement=place.departement,
                                           region=place.region, latitude=place.latitude, longitude=place.longitude,
                                           precision="commune")])
    return atlas.upsert_actor(session, record=record, source=source, match_by_name=False, schemes=()).actor_id


def run(factory: sessionmaker[Session], *, taxonomies: Mapping[str, Taxonomy], today: date | None = None) -> dict:
    today = today or date.today()
    with transaction(factory) as session:
        source = atlas.get_or_create_source(session, record=SOURCE)
        startup = _startup(session, source)
        cdmo = atlas.find_actor_by_name(session, name=CDMO)
    if cdmo is None:  # capacity's providers are missing: nothing to offer
        return {"opportunities_added": 0, "kind": "synthetic"}
    ids = {CDMO: cdmo.id, STARTUP: startup}
    added = 0
    with factory() as session:
        for spec in specs(today):
            added += service.put_demo(session, actor_id=ids[spec["actor"]], raw=spec["doc"], note=NOTE,
                                      taxonomies=taxonomies, today=today)
        session.commit()
    return {"opportunities_added": added, "kind": "synthetic"}

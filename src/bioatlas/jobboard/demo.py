"""The job board's demo step (order 500): SYNTHETIC offers of SYNTHETIC employers, labelled.

No real offer is shipped (no open offer file of the sector may be redistributed here), and a
made-up offer under a real company's name would be a false fact about it (that it hires). So the
demo creates three fictitious employers "Employeur démo N (synthétique)" under a source saying
they are synthetic, placed at a commune's centre, each with a few offers on ROME occupations of
the bioproduction subset (origin "demo", flagged synthetic; every title says "offre fictive" and
the page, the API and the map label it), and stated (synthetic) modalities and value-chain steps
for the jobs page's employer facets. Offers whose ROME code is not loaded are skipped.
Idempotent: a second run changes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bioatlas.atlas import service as atlas
from bioatlas.atlas.service import ActorRecord, SiteRecord, SourceRecord, Taxonomy
from bioatlas.core.db import transaction
from bioatlas.jobboard import service

SOURCE = SourceRecord(key="demo:jobboard-synthetic", kind="synthetic",
                      title="Employeurs et offres d'emploi synthétiques de démonstration (job board) — "
                            "organisations et offres fictives, aucune donnée réelle")
DESCRIPTION = ("Employeur fictif (synthétique) créé pour la démonstration du job board\u202f: ni le nom ni les "
               "offres ne décrivent une organisation réelle.")
# (name, postcode, capabilities): the fictitious employers' modalities and value-chain steps, so the
# jobs page's employer facets have something to show on the demo (synthetic like the rest)
EMPLOYERS = (
    ("Employeur démo 1 (synthétique)", "91000", {"modalities": ["aav"], "value_chain": ["upstream", "downstream"]}),
    ("Employeur démo 2 (synthétique)", "69007", {"modalities": ["mab"], "value_chain": ["analytics_qc", "fill_finish"]}),
    ("Employeur démo 3 (synthétique)", "67000", {"modalities": ["cell_therapy"],
                                                "value_chain": ["process_development", "clinical_batches"]}),
)
# (title, ROME code, contract, GMP, salary range) of the synthetic offers; every employer gets each
# one whose occupation is loaded
OFFERS = (
    ("Conducteur de procédé de fabrication en biotechnologie (offre fictive)", "H2302", "cdi", True, (30000, 38000)),
    ("Opérateur de fabrication en salle blanche (offre fictive)", "H2303", "interim", True, None),
    ("Technicien de laboratoire de contrôle qualité (offre fictive)", "H1510", "cdd", True, (28000, 34000)),
    ("Alternant assurance qualité BPF (offre fictive)", "H1508", "apprenticeship", True, None),
    ("Ingénieur méthodes et procédés USP (offre fictive)", "H1402", "cdi", False, (42000, 55000)),
)


def _employer(session: Session, name: str, postcode: str, capabilities: dict, source) -> tuple[int, int]:
    place = atlas.gazetteer().geocode(postcode=postcode)
    site = SiteRecord(role="hq", postcode=postcode, commune_insee=place.insee, commune_name=place.name,
                      departement=place.departement, region=place.region, latitude=place.latitude,
                      longitude=place.longitude, precision="commune")
    existing = atlas.find_actor_by_name(session, name=name)
    record = ActorRecord(name=name, kind="company", actor_id=existing.id if existing else None,
                         description_fr=DESCRIPTION, sites=[site], capabilities=capabilities)
    actor_id = atlas.upsert_actor(session, record=record, source=source, match_by_name=False, schemes=()).actor_id
    session.flush()
    return actor_id, service.sites_of(session, actor_id=actor_id)[0]["id"]


def run(factory: sessionmaker[Session], *, taxonomies: Mapping[str, Taxonomy], today: date | None = None) -> dict:
    today = today or date.today()
    created = 0
    with transaction(factory) as session:
        source = atlas.get_or_create_source(session, record=SOURCE)
        for e, (name, postcode, capabilities) in enumerate(EMPLOYERS, start=1):
            actor_id, site_id = _employer(session, name, postcode, capabilities, source)
            for o, (title, rome, contract, gmp, salary) in enumerate(OFFERS, start=1):
                raw = {"title": title, "rome_code": rome, "contract": contract, "gmp_environment": gmp,
                       "salary_min": salary[0] if salary else None, "salary_max": salary[1] if salary else None,
                       "description_fr": f"Offre FICTIVE de démonstration (synthétique)\u202f: {title}. "
                                         "Aucun poste réel\u202f; ne pas postuler.",
                       "description_en": "FICTITIOUS demo offer (synthetic): no real position; do not apply.",
                       "apply_url": "https://bioatlas.invalid/demo/postuler",
                       "expires_on": (today + timedelta(days=60)).isoformat()}
                created += service.put_demo_offer(session, key=f"demo-{e}-{o}", actor_id=actor_id, site_id=site_id,
                                                  raw=raw, today=today)
    return {"synthetic_employers": len(EMPLOYERS), "offers_created": created, "kind": "synthetic"}

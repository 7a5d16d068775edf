"""The capacity room's demo step (order 300): a few SYNTHETIC providers, clearly labelled.

The atlas holds no capacity facts about any real organisation (no litres, no GMP grade, no
availability: the registries say none of it), and an offer profile built from a real company's
name with guessed capacities would be a look-alike fact. So the demo creates four fictitious
providers named "… démo X (synthétique)", under a source that says they are synthetic, placed at
a commune's centre (no street address), each with a demo profile published unverified and
labelled "non vérifié — profil de démonstration synthétique". Idempotent: a second run changes
nothing; a profile a member took over is left alone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bioatlas.atlas import service as atlas
from bioatlas.atlas.service import ActorRecord, SiteRecord, SourceRecord, Taxonomy
from bioatlas.capacity import service
from bioatlas.core.db import transaction

SOURCE = SourceRecord(key="demo:capacity-synthetic", kind="synthetic",
                      title="Fournisseurs synthétiques de démonstration (annuaire de l'offre de capacités) — "
                            "organisations fictives, aucune donnée réelle")
DESCRIPTION = ("Fournisseur fictif (synthétique) créé pour la démonstration de l'annuaire de l'offre de "
               "capacités\u202f: ni le nom ni les capacités ne décrivent une organisation réelle.")
NOTE = ("non vérifié — profil de démonstration synthétique\u202f: fournisseur fictif, capacités inventées pour "
        "illustrer l'annuaire (source : «\u00a0{source}\u00a0»)")


def _window(today: date) -> tuple[str, str]:
    """A window from the first day of next month, for a year (stable within a month)."""
    start = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return start.isoformat(), start.replace(year=start.year + 1).isoformat()


def providers(today: date) -> list[dict[str, Any]]:
    start, end = _window(today)
    return [
        {"name": "Plateforme démo A (synthétique)", "kind": "tech_platform", "postcode": "91000", "profile": {
            "summary_fr": "Démonstration\u202f: production de vecteurs viraux AAV et lentiviraux en HEK293, de l'amont à l'aval.",
            "summary_en": "Demo: AAV and lentiviral vector production in HEK293, upstream to downstream.",
            "lines": [
                {"step": "upstream", "modalities": ["aav", "lentiviral"], "expression_systems": ["hek293"],
                 "scale_min_l": 50, "scale_max_l": 500, "gmp": "gmp_clinical",
                 "batch_types": ["engineering", "tox", "clinical"]},
                {"step": "downstream", "modalities": ["aav"], "expression_systems": [], "scale_min_l": 50,
                 "scale_max_l": 500, "gmp": "gmp_clinical", "batch_types": ["clinical"]},
            ],
            "certifications": ["gmp_ansm", "bsl2", "ogm_hcb"], "available_from": start, "available_to": end,
            "on_request": False, "contact_kind": "url", "contact_value": "https://bioatlas.invalid/demo/plateforme-a"}},
        {"name": "CDMO démo B (synthétique)", "kind": "cdmo", "postcode": "69007", "profile": {
            "summary_fr": "Démonstration\u202f: anticorps monoclonaux en CHO, lots cliniques et commerciaux.",
            "summary_en": "Demo: monoclonal antibodies in CHO, clinical and commercial batches.",
            "lines": [
                {"step": "upstream", "modalities": ["mab"], "expression_systems": ["cho"], "scale_min_l": 200,
                 "scale_max_l": 2000, "gmp": "gmp_commercial", "batch_types": ["clinical", "commercial"]},
                {"step": "fill_finish", "modalities": ["mab", "recombinant_protein"], "expression_systems": [],
                 "scale_min_l": None, "scale_max_l": None, "gmp": "gmp_commercial", "batch_types": ["commercial"]},
            ],
            "certifications": ["gmp_ansm", "iso9001"], "available_from": None, "available_to": None,
            "on_request": True, "contact_kind": "form", "contact_value": "https://bioatlas.invalid/demo/cdmo-b/contact"}},
        {"name": "Intégrateur démo C (synthétique)", "kind": "integrator", "postcode": "75013", "profile": {
            "summary_fr": "Démonstration\u202f: développement de procédés de thérapie cellulaire autologue (CAR-T).",
            "summary_en": "Demo: process development for autologous cell therapy (CAR-T).",
            "lines": [
                {"step": "process_development", "modalities": ["car_t", "autologous_cell"], "expression_systems": [],
                 "scale_min_l": 1, "scale_max_l": 50, "gmp": "none", "batch_types": ["research_grade", "engineering"]},
            ],
            "certifications": ["iso9001"], "available_from": start, "available_to": end, "on_request": False,
            "contact_kind": "url", "contact_value": "https://bioatlas.invalid/demo/integrateur-c"}},
        {"name": "Plateforme démo D (synthétique)", "kind": "tech_platform", "postcode": "67000", "profile": {
            "summary_fr": "Démonstration\u202f: analytique et contrôle qualité de vecteurs AAV.",
            "summary_en": "Demo: analytics and quality control of AAV vectors.",
            "lines": [
                {"step": "analytics_qc", "modalities": ["aav"], "expression_systems": [], "scale_min_l": None,
                 "scale_max_l": None, "gmp": "none", "batch_types": ["research_grade"]},
            ],
            "certifications": ["iso17025"], "available_from": None, "available_to": None, "on_request": True,
            "contact_kind": "url", "contact_value": "https://bioatlas.invalid/demo/plateforme-d"}},
    ]


def _actor(session: Session, spec: Mapping[str, Any], source) -> int:
    place = atlas.gazetteer().geocode(postcode=spec["postcode"])
    site = SiteRecord(role="hq", postcode=spec["postcode"], commune_insee=place.insee, commune_name=place.name,
                      departement=place.departement, region=place.region, latitude=place.latitude,
                      longitude=place.longitude, precision="commune")
    existing = atlas.find_actor_by_name(session, name=spec["name"])
    record = ActorRecord(name=spec["name"], kind=spec["kind"], actor_id=existing.id if existing else None,
                         description_fr=DESCRIPTION, sites=[site])
    return atlas.upsert_actor(session, record=record, source=source, match_by_name=False, schemes=()).actor_id


def run(factory: sessionmaker[Session], *, taxonomies: Mapping[str, Taxonomy], today: date | None = None) -> dict:
    """Create or refresh the synthetic providers and their demo profiles; the summary counts them."""
    today = today or date.today()
    changed = 0
    with transaction(factory) as session:
        source = atlas.get_or_create_source(session, record=SOURCE)
        for spec in providers(today):
            actor_id = _actor(session, spec, source)
            changed += service.put_demo_profile(session, actor_id=actor_id, doc=spec["profile"],
                                                note=NOTE.format(source=SOURCE.title), taxonomies=taxonomies,
                                                today=today)
    return {"synthetic_providers": len(providers(today)), "profiles_changed": changed, "kind": "synthetic"}

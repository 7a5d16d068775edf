"""A small job-board world for the tests: two ROME occupations of a named version (written
directly, not the whole ROME file), offers published through the service; objects for the
authorisation matrix."""

from __future__ import annotations

from datetime import date, timedelta

from bioatlas.atlas.models import Source
from bioatlas.jobboard import service
from bioatlas.occupations.models import JobTitle, Occupation

ROME_VERSION = "rome:v460"


def add_rome(db) -> None:
    """H2302 with one appellation, and H1510 (a second family member), under ROME v4.60."""
    with db() as s:
        source = Source(key=ROME_VERSION, title="ROME 4.60 (France Travail)", kind="open_data")
        s.add(source)
        s.flush()
        for code, label in (("H2302", "Conducteur / Conductrice de procédé de fabrication en industrie pharmaceutique"),
                            ("H1510", "Technicien / Technicienne de laboratoire de contrôle en industrie pharmaceutique")):
            s.add(Occupation(code=code, label=label, label_key=label.lower(), domain=code[0], subdomain=code[:3],
                             source_id=source.id, bioproduction=True))
        s.flush()
        s.add(JobTitle(code="38052", label="Opérateur de production en biotechnologie",
                       label_key="operateur de production en biotechnologie", occupation_code="H2302",
                       source_id=source.id))
        s.add(JobTitle(code="38053", label="Technicien de contrôle qualité biologique",
                       label_key="technicien de controle qualite biologique", occupation_code="H1510",
                       source_id=source.id))
        s.commit()


def good_offer(**changes) -> dict:
    raw = {"title": "Opérateur de production USP", "rome_code": "H2302", "appellation_code": "38052",
           "contract": "cdi", "experience": "beginner", "education": "bac2", "skills": ["culture cellulaire", "BPF"],
           "gmp_environment": True, "remote_share": 0, "salary_min": 28000, "salary_max": 34000,
           "start_date": (date.today() + timedelta(days=30)).isoformat(),
           "description_fr": "Conduite des bioréacteurs en zone classée.", "description_en": "",
           "apply_url": "https://example.org/postuler", "expires_on": (date.today() + timedelta(days=30)).isoformat()}
    raw.update(changes)
    return raw


def site_of(db, actor_id: int) -> int:
    with db() as s:
        return service.sites_of(s, actor_id=actor_id)[0]["id"]


def make_offer(db, *, actor_id: int, user_id: int | None = None, **changes) -> int:
    with db() as s:
        offer = service.publish(s, actor_id=actor_id, site_id=site_of(db, actor_id), raw=good_offer(**changes),
                                user_id=user_id, ip=None)
        return offer.id


def matrix_world(db, *, a: int, b: int) -> dict:
    """For tests/test_authz_matrix.py: an offer of actor A (own: its members manage it) and one
    of actor B (other)."""
    add_rome(db)
    return {"offers": (make_offer(db, actor_id=a), make_offer(db, actor_id=b))}


def policy_objects(session, world: dict, role: str, action: str):
    if action != "jobboard.publish":
        return None
    return tuple(service.offer_scope(session, offer=service.get_offer(session, offer_id=o))
                 for o in world["jobboard_world"]["offers"])


def url_values(world: dict, role: str, whose: str) -> dict:
    return {"offer_id": world["jobboard_world"]["offers"][0 if whose == "own" else 1]}

"""Partner search tests' shared world: a CDMO, a smaller one, a platform with a capacity profile, a
start-up, their members and an editor (synthetic test actors), a good opportunity document, and
the helpers that log in, publish and count."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bioatlas.atlas.service import taxonomies as load_taxonomies
from bioatlas.capacity import service as capacity
from bioatlas.opportunities.models import Opportunity
from tests.accounts.fixtures import audit_events, csrf_of, login, make_user
from tests.contributions.helpers import add_actor

TODAY = date.today()
SOON, LATER = (TODAY + timedelta(days=20)).isoformat(), (TODAY + timedelta(days=120)).isoformat()
TOKEN = {"Authorization": "Bearer " + "t" * 32}
LONG = "Production de lots cliniques de vecteurs AAV en bioréacteur, procédé amont et aval, documentation GMP (test)."


def doc(**changes) -> dict:
    out = {"direction": "offer", "kind": "capacity", "title_fr": "Lots AAV GMP 200-500 L (test)",
           "title_en": "GMP AAV batches 200-500 L (test)", "description_fr": LONG, "modalities": ["aav"],
           "steps": ["upstream"], "capacity": {"scale_min_l": 200, "scale_max_l": 500, "gmp": "gmp_clinical",
                                               "window_from": SOON, "window_to": LATER},
           "expires_on": LATER}
    out.update(changes)
    return out


def cap(**changes) -> dict:
    return {**doc()["capacity"], **changes}


@pytest.fixture
def world(db, taxonomies):
    ids = {
        "cdmo": add_actor(db, "CDMO test A (synthétique)", "91000", kind="cdmo"),
        "small": add_actor(db, "CDMO test B (synthétique)", "75013", kind="cdmo"),
        "platform": add_actor(db, "Plateforme test C (synthétique)", "94000", kind="tech_platform"),
        "startup": add_actor(db, "Start-up test D (synthétique)", "75005", kind="startup"),
    }
    users = {
        "cdmo": make_user(db, "cdmo@test.invalid", roles=[("member", "actor", ids["cdmo"])]),
        "small": make_user(db, "small@test.invalid", roles=[("member", "actor", ids["small"])]),
        "startup": make_user(db, "startup@test.invalid", roles=[("member", "actor", ids["startup"])]),
        "editor": make_user(db, "editor@test.invalid", roles=[("editor", "region", "11")]),
        "someone": make_user(db, "someone@test.invalid"),
    }
    # a capacity profile (the directory of issue 9): AAV upstream, but only up to 100 L
    with db() as s:
        capacity.put_demo_profile(s, actor_id=ids["platform"], note="profil de test (synthétique)", taxonomies=taxonomies, doc={
            "summary_fr": "Vecteurs AAV (test)", "summary_en": "", "lines": [
                {"step": "upstream", "modalities": ["aav"], "scale_min_l": 10, "scale_max_l": 1000, "gmp": "gmp_clinical"},
                {"step": "downstream", "modalities": ["mab"], "scale_min_l": 1, "scale_max_l": 50, "gmp": "none"}],
            "certifications": [], "on_request": True, "contact_kind": "url", "contact_value": "https://bioatlas.invalid/c"})
        s.commit()
    return {"actors": ids, "users": users}


def login_as(client, email):
    client.cookies.clear()
    assert login(client, email).status_code == 303
    return {"X-CSRF-Token": csrf_of(client, "/opportunities/review" if email.startswith("editor") else "/account")}


def last_refused_field(db) -> str:
    return json.loads(audit_events(db, "refused")[-1].detail)["field"]


def count_rows(db, model=Opportunity) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(model))


def publish_via_api(client, actor_id: int, body: dict) -> int:
    r = client.post(f"/api/v1/opportunities/actors/{actor_id}", json=body, headers=TOKEN)
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert client.post(f"/api/v1/opportunities/{oid}/submit", headers=TOKEN).status_code == 200
    assert client.post(f"/api/v1/opportunities/{oid}/review", json={"decision": "publish"}, headers=TOKEN).status_code == 200
    return oid


def fresh_taxonomies():
    return load_taxonomies()

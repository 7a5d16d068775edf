"""The observatory reads the rooms through hooks: a roadmap's followed projects
(`bioatlas_roadmap_projects`, the calls portfolio's in the product), listed after its recorded
projects per action number; the words for a room's breakdown codes (`ObservatoryQuery.labels`);
and it imports no feature room."""

from __future__ import annotations

from pathlib import Path

import bioatlas
from bioatlas.core.i18n import Translator
from bioatlas.core.plugins import hookimpl, plugin_manager
from bioatlas.observatory import roadmaps
from bioatlas.observatory.labels import dimension_label
from tests.test_layers import imports_of, layer

CODE = "idf-assises-2021"


class _Followed:
    """A room following one project on action 2 of the IdF roadmap."""

    @hookimpl
    def bioatlas_roadmap_projects(self, session, code):
        if code != CODE:
            return {}
        return {2: [{"title": "Projet suivi de test", "budget_eur": 1000.0, "funding_source": None,
                     "partners": [], "source": None}]}


def _titles(page, number):
    [action] = [a for axis in page["axes"] for a in axis["actions"] if a["number"] == number]
    return [p["title"] for p in action["projects"]]


def test_the_roadmap_page_lists_the_projects_rooms_follow(session, loaded):
    before = _titles(roadmaps.roadmap_page(session, code=CODE), 2)
    pm = plugin_manager()
    pm.register(_Followed(), name="followed-test")
    try:
        page = roadmaps.roadmap_page(session, code=CODE)
        other = roadmaps.roadmap_page(session, code="bfc-assises-2024")
    finally:
        pm.unregister(name="followed-test")
    assert _titles(page, 2) == [*before, "Projet suivi de test"]  # after the recorded ones
    assert all("Projet suivi de test" not in _titles(page, a["number"]) for axis in page["axes"]
               for a in axis["actions"] if a["number"] != 2)
    assert all("Projet suivi de test" not in p["title"] for axis in other["axes"] for a in axis["actions"]
               for p in a["projects"])


def test_the_observatory_imports_no_feature_room():
    """It reads the rooms through hooks: roadmap projects, computed figures and their codes' words."""
    package = Path(bioatlas.__file__).resolve().parent
    rooms = {i.target.split(".")[1] for path in sorted((package / "observatory").glob("*.py"))
             for i in imports_of(path, package)}
    assert {"atlas", "core"} <= rooms and all(layer(room) < 5 or room == "observatory" for room in rooms), rooms


def test_a_room_names_its_breakdown_codes():
    """The products room's EMA statuses (its query's `labels`), else the code's words."""
    assert dimension_label("status=application_withdrawn", Translator("fr")).endswith(" Demande retirée")
    assert dimension_label("status=application_withdrawn", Translator("en")).endswith(" Application withdrawn")
    assert dimension_label("status=not_a_status", Translator("en")).endswith(" not a status")

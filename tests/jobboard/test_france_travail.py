"""Import of France Travail offer JSON: the mapping (contract, experience, salary label, place,
appellation, employer matched to an atlas actor), per-row rejections naming the field and nothing
half-imported, a file of another format refused whole, re-imports refreshing not duplicating,
the CLI. The offers of the fixture are made up for the test (no real offer)."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bioatlas.jobboard import francetravail, service
from bioatlas.jobboard.models import JobOffer
from tests.contributions.helpers import add_actor
from tests.jobboard.helpers import ROME_VERSION, add_rome


def offer(ext: str, **changes) -> dict:
    base = {"id": ext, "intitule": "Opérateur de production en biotechnologie (H/F)",
            "description": "Offre inventée pour les tests : conduite de bioréacteurs en zone classée.",
            "dateCreation": "2026-11-20T10:00:00.000Z", "romeCode": "H2302",
            "romeLibelle": "Conducteur de procédé de fabrication en industrie pharmaceutique",
            "appellationlibelle": "Opérateur de production en biotechnologie",
            "lieuTravail": {"libelle": "91 - EVRY-COURCOURONNES", "latitude": 48.63, "longitude": 2.44,
                            "codePostal": "91000", "commune": "91228"},
            "entreprise": {"nom": "Yposkesi"}, "typeContrat": "CDI", "typeContratLibelle": "Contrat à durée indéterminée",
            "natureContrat": "Contrat travail", "experienceExige": "D",
            "salaire": {"libelle": "Annuel de 30000,00 Euros à 36000,00 Euros"},
            "competences": [{"code": "1", "libelle": "Appliquer les Bonnes Pratiques de Fabrication", "exigence": "E"}],
            "origineOffre": {"origine": "1", "urlOrigine": "https://candidat.francetravail.fr/offres/recherche/detail/TEST01"}}
    base.update(changes)
    return base


@pytest.fixture
def world(db):
    add_rome(db)
    return {"ypo": add_actor(db, "Yposkesi", "91000")}


def _write(tmp_path, data, name="offers.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _count(db) -> int:
    with db() as s:
        return s.scalar(select(func.count(JobOffer.id))) or 0


def test_salary_labels():
    assert francetravail.yearly_salary("Annuel de 30000,00 Euros à 36000,00 Euros") == (30000, 36000)
    assert francetravail.yearly_salary("Mensuel de 2000,00 Euros sur 13 mois") == (26000, None)
    assert francetravail.yearly_salary("Mensuel de 1900,00 Euros à 2100,00 Euros") == (22800, 25200)
    assert francetravail.yearly_salary("Horaire de 11,88 Euros") == (None, None)
    assert francetravail.yearly_salary("Selon profil") == (None, None)


def test_import_maps_matches_and_refreshes(db, world, tmp_path):
    data = {"resultats": [offer("TEST01"),
                          offer("TEST02", typeContrat="CDD", natureContrat="Contrat apprentissage", experienceExige="E",
                                entreprise={"nom": "Entreprise inconnue"}, salaire={"libelle": "Selon profil"},
                                appellationlibelle="Inconnue", lieuTravail={"libelle": "69 - LYON 07",
                                                                            "latitude": 45.73, "longitude": 4.84})]}
    report = service.import_france_travail(db, path=str(_write(tmp_path, data)))
    assert (report.read, report.created, report.rejected, report.matched_actors, report.committed) == (2, 2, 0, 1, True)
    with db() as s:
        first, second = s.scalars(select(JobOffer).order_by(JobOffer.external_id)).all()
        assert (first.origin, first.actor_id, first.contract, first.experience) == ("france_travail", world["ypo"], "cdi", "beginner")
        assert (first.salary_min, first.salary_max, first.appellation_code, first.rome_version) == (30000, 36000, "38052", ROME_VERSION)
        assert (first.departement, first.region, first.commune_name) == ("91", "11", "EVRY-COURCOURONNES")
        assert first.apply_url.startswith("https://candidat.francetravail.fr/")
        assert first.skills == ["Appliquer les Bonnes Pratiques de Fabrication"]
        assert (second.actor_id, second.contract, second.experience, second.salary_min) == (None, "apprenticeship", "2_years", None)
        assert second.appellation_code is None and second.region == "84"
    # the same file again: nothing changes; a changed title: refreshed, not duplicated
    again = service.import_france_travail(db, path=str(_write(tmp_path, data)))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = copy.deepcopy(data)
    changed["resultats"][0]["intitule"] = "Opérateur de production USP (H/F)"
    refreshed = service.import_france_travail(db, path=str(_write(tmp_path, changed)))
    assert (refreshed.created, refreshed.updated, refreshed.unchanged) == (0, 1, 1)
    assert _count(db) == 2
    with db() as s:
        assert s.scalar(select(JobOffer.title).where(JobOffer.external_id == "TEST01")) == "Opérateur de production USP (H/F)"
        # an imported offer has no member: only admins manage it
        o = s.scalar(select(JobOffer).where(JobOffer.external_id == "TEST02"))
        assert service.offer_scope(s, offer=o).actor_id is None


def test_rejections_name_the_field_and_nothing_is_half_imported(db, world, tmp_path):
    bad = [offer("OK1"), offer("R1", romeCode="H9999"), offer("R2", typeContrat="LIB"),
           offer("R3", lieuTravail={"libelle": "75 - PARIS"}), offer("R4", description="<script>alert(1)</script>"),
           offer("R5", origineOffre={"urlOrigine": "javascript:alert(1)"}), {"intitule": "sans id"}]
    path = _write(tmp_path, {"resultats": bad})
    report = service.import_france_travail(db, path=str(path))
    assert report.committed is False and report.created == 0 and _count(db) == 0
    by_line = {e.line: e.column for e in report.errors}  # the offer's position in the file, from 1
    assert by_line == {2: "romeCode", 3: "typeContrat", 4: "lieuTravail", 5: "description",
                       6: "contact.urlPostulation", 7: "id"}
    assert sorted(e.column for e in report.errors) == sorted(
        ["romeCode", "typeContrat", "lieuTravail", "description", "contact.urlPostulation", "id"])
    assert report.rejected == 6
    dry = service.import_france_travail(db, path=str(path), dry_run=True, skip_invalid=True)
    assert dry.created == 1 and dry.committed is False and _count(db) == 0
    kept = service.import_france_travail(db, path=str(path), skip_invalid=True)
    assert kept.created == 1 and kept.rejected == 6 and kept.committed and _count(db) == 1


@pytest.mark.parametrize("content", [b"not json at all", b'{"offres": []}', b'[{"title": "x"}]', b"\xff\xfe"])
def test_a_file_of_another_format_is_refused_whole(db, world, tmp_path, content):
    path = tmp_path / "wrong.json"
    path.write_bytes(content)
    with pytest.raises(service.FormatError):
        service.import_france_travail(db, path=str(path))
    assert _count(db) == 0


def test_cli(db, world, tmp_path, settings, monkeypatch):
    from bioatlas.cli import app

    monkeypatch.setenv("BIOATLAS_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    good = _write(tmp_path, {"resultats": [offer("CLI1")]})
    r = runner.invoke(app, ["import", "france-travail", str(good), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["created"] == 1
    wrong = tmp_path / "wrong.json"
    wrong.write_text("{}")
    assert runner.invoke(app, ["import", "france-travail", str(wrong)]).exit_code == 2
    bad = _write(tmp_path, {"resultats": [offer("CLI2", romeCode="H9999")]}, name="bad.json")
    assert runner.invoke(app, ["import", "france-travail", str(bad)]).exit_code == 1

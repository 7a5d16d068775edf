"""Linking across sources (`resolve.links`, `bioatlas link`) on small real extracts of the shared
RNSR, i-Lab, IREP and Transparence-Santé files, loaded through their connectors next to real ROR
records (conftest) and the seed articles' organisations (tests/atlas/ecosystem.py)."""

from __future__ import annotations

import csv
import io
import json

import pytest
import typer
from rich.console import Console
from sqlalchemy import func, select
from typer.testing import CliRunner

from bioatlas.atlas.models import Actor, ActorName, Identifier, Site, Source
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.atlas.records import ActorRecord
from bioatlas.core.db import transaction
from bioatlas.resolve import links, links_cli
from bioatlas.resolve.links import link_sources
from bioatlas.resolve.models import ActorMerge, DuplicateCandidate
from bioatlas.sources.ilab_load import import_ilab
from bioatlas.sources.irep_load import import_irep
from bioatlas.sources.rnsr_load import import_rnsr
from bioatlas.sources.transparence_sante_load import import_transparence_sante
from tests.atlas import ecosystem

from .conftest import ror

SENSORION_TS = "ZQVUTTHT"  # Transparence-Santé's identifier of SENSORION (Montpellier)
CELLECTIS = "428859052"
THERAVECTYS = "482324282"
BIOMERIEUX = "673620399"

# file -> (delimiter, line end, with a BOM, which real rows are kept)
EXTRACTS = {
    "rnsr/fr-esr-structures-recherche-publiques-actives.csv": (";", "\r\n", False, lambda r: any(
        s.startswith((THERAVECTYS, BIOMERIEUX)) for s in r["siret_des_tutelles"].split(";"))),
    "ilab/fr-esr-laureats-concours-national-i-lab.csv": (";", "\r\n", True, lambda r: r["N° SIREN"] in (CELLECTIS, THERAVECTYS)),
    "irep/irep-etablissements-2015.csv": (",", "\r\n", False, lambda r: r["Numero_SIRET"].startswith(BIOMERIEUX)
                                          or "NOVASEP" in r["Nom_Etablissement"]),
    "transparence-sante/entreprises.csv": (",", "\n", False, lambda r: r["identifiant"] == SENSORION_TS),
}


def _extract(shared, tmp_path, name: str, *, edit=None):
    """The header and the chosen rows of a real file, in its own layout (`edit` changes a row)."""
    delimiter, line_end, bom, keep = EXTRACTS[name]
    text = (shared / "data" / name).read_bytes().decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    rows = [row for row in reader if keep(dict(zip(header, row)))]
    assert rows, f"no chosen row left in {name}"
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows([edit(dict(zip(header, r))) if edit else r for r in rows])
    path = tmp_path / name.replace("/", "-")
    path.write_bytes(("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8"))
    return path


@pytest.fixture
def world(registry, shared, tmp_path):
    """ROR records, the seed organisations (+ Novasep), then the four registries' extracts."""
    with transaction(registry) as session:
        seeds = ecosystem.load(session)
        source = get_or_create_source(session, ecosystem.ARTICLE_IDF)
        seeds["Novasep"] = upsert_actor(session, ActorRecord(name="Novasep", kind="company"), source=source).actor_id
    files = {name.split("/")[0]: _extract(shared, tmp_path, name) for name in EXTRACTS}
    assert import_rnsr(registry, files["rnsr"]).committed
    assert import_ilab(registry, files["ilab"]).committed
    assert import_irep(registry, path=files["irep"]).committed
    assert import_transparence_sante(registry, path=files["transparence-sante"]).committed
    return registry, seeds, files


def _holders(session, scheme: str, value: str) -> set[int]:
    return set(session.scalars(select(Identifier.actor_id).where(Identifier.scheme == scheme, Identifier.value == value)))


def _state(db) -> tuple:
    with db() as s:
        return (s.scalar(select(func.count()).select_from(Actor)), s.scalar(select(func.count()).select_from(ActorMerge)),
                s.scalar(select(func.count()).select_from(DuplicateCandidate)),
                s.scalar(select(func.count()).select_from(Identifier)), s.scalar(select(func.count()).select_from(Site)))


def test_links_by_identifier_and_by_name_queue_the_unsure_and_count_per_pair(world):
    db, seeds, _files = world
    before = _state(db)
    dry = link_sources(db, dry_run=True)
    assert not dry.committed and _state(db) == before  # a dry run finds the links, writes nothing
    report = link_sources(db)
    assert report.committed and report.pairs() == dry.pairs()
    with db() as s:
        # a shared SIREN: the i-Lab start-up and the RNSR supervising body are one actor
        theravectys = _holders(s, "siren", THERAVECTYS) | {i for i, in s.execute(
            select(Identifier.actor_id).where(Identifier.scheme == "siret", Identifier.value.startswith(THERAVECTYS)))}
        assert len(theravectys) == 1
        # bioMérieux in RNSR (a supervising body's SIRET) and its first IREP plant (same SIREN): one actor
        # with the plant's site; its other plants are reported, not folded (one record per registry)
        (bio,) = {a for a, in s.execute(select(Identifier.actor_id).join(Identifier.source).where(
            Identifier.scheme == "siret", Identifier.value.startswith(BIOMERIEUX), Source.key == "rnsr"))}
        plants = {irep_id: _holders(s, "irep", irep_id) for irep_id in ("061.03643", "03800001", "068.03890")}
        assert sorted(len(h) for h in plants.values()) == [1, 1, 1] and sum(bio in h for h in plants.values()) == 1
        assert "irep" in {site.source.key for site in s.get(Actor, bio).sites}
        # name + place, calibrated: the article's Sensorion is Transparence-Santé's SENSORION and gets its site
        sensorion = s.get(Actor, seeds["Sensorion"])
        assert _holders(s, "transparence_sante", SENSORION_TS) == {sensorion.id}
        assert sensorion.name == "Sensorion"  # the article's name stays; the registry's is an alias
        assert any(site.latitude is not None and site.commune_name == "Montpellier" for site in sensorion.sites)
        assert {site.source.key for site in sensorion.sites} == {"transparence_sante"}  # provenance kept
        # the i-Lab laureate CELLECTIS is the article's Cellectis
        assert _holders(s, "siren", CELLECTIS) == {seeds["Cellectis"]}
        # unsure: the article's Novasep and IREP's "SERIPHARM / NOVASEP" wait for a reviewer, both still there
        (novasep_plant,) = _holders(s, "irep", "063.01726")  # SERIPHARM / NOVASEP, Le Mans
        pair = tuple(sorted((seeds["Novasep"], novasep_plant)))
        row = s.scalar(select(DuplicateCandidate).where(DuplicateCandidate.actor_a_id == pair[0],
                                                        DuplicateCandidate.actor_b_id == pair[1]))
        assert row is not None and row.status == "pending"  # a part of the name only: never merged unreviewed
        assert s.get(Actor, seeds["Novasep"]) is not None and s.get(Actor, novasep_plant) is not None
        assert s.scalar(select(func.count()).select_from(ActorMerge)) == len(report.merges) == sum(report.sure.values())
    pairs = report.pairs()
    assert pairs["articles ↔ transparence_sante"] == {"sure": 1, "queued": 0, "conflicts": 0}
    assert pairs["articles ↔ ilab"]["sure"] == 1
    assert pairs["ilab ↔ rnsr"]["sure"] == 1
    assert pairs["articles ↔ irep"]["queued"] >= 1
    irep_conflicts = [c for c in report.conflicts if c.scheme == "irep"]
    assert len(irep_conflicts) == len(report.conflicts) == 2  # the two other plants
    assert all(c.actor_id == bio and c.how == "identifier" for c in irep_conflicts)
    assert report.articles_located_before == (4, len(seeds))  # Genopole, the two regions, CHU Dijon
    assert report.articles_located == (5, len(seeds))  # and now Sensorion
    assert report.as_dict()["links"] == pairs


def test_second_run_and_re_imports_change_nothing(world):
    db, _seeds, files = world
    link_sources(db)
    state = _state(db)
    again = link_sources(db)
    assert sum(again.sure.values()) == sum(again.queued.values()) == 0
    assert again.already >= 1 and _state(db) == state
    assert {c.scheme for c in again.conflicts} == {"irep"}  # still reported, still not merged
    # the registries re-imported after the link: every record found on its actor, nothing changed
    for report in (import_rnsr(db, files["rnsr"]), import_ilab(db, files["ilab"]),
                   import_irep(db, path=files["irep"]), import_transparence_sante(db, path=files["transparence-sante"])):
        assert report.created == report.updated == 0 and report.unchanged > 0
    assert _state(db) == state


def test_a_record_already_linked_to_another_actor_is_reported_not_moved(world, shared, tmp_path):
    db, seeds, _files = world
    link_sources(db)
    # the same company under another Transparence-Santé identifier: its best match, the article's
    # Sensorion, is already linked to ZQVUTTHT, so the new record is reported and left alone
    other = _extract(shared, tmp_path, "transparence-sante/entreprises.csv",
                     edit=lambda r: [v if k != "identifiant" else "ZZTESTID" for k, v in r.items()])
    assert import_transparence_sante(db, path=other).created == 1
    state = _state(db)
    report = link_sources(db)
    assert sum(report.sure.values()) == 0 and _state(db)[0] == state[0]
    (conflict,) = [c for c in report.conflicts if c.scheme != "irep"]  # bioMérieux's plants: see above
    assert (conflict.actor_id, conflict.scheme) == (seeds["Sensorion"], "transparence_sante")
    assert conflict.record_values == ["ZZTESTID"] and conflict.actor_values == [SENSORION_TS]
    assert report.pairs()["articles ↔ transparence_sante"]["conflicts"] == 1
    with db() as s:
        assert _holders(s, "transparence_sante", SENSORION_TS) == {seeds["Sensorion"]}
        assert _holders(s, "transparence_sante", "ZZTESTID") == {conflict.record_id} != {seeds["Sensorion"]}


def test_a_failed_run_leaves_the_atlas_as_it_was(world, monkeypatch):
    db, _seeds, _files = world
    state = _state(db)
    calls = []

    def failing(session, **kwargs):
        calls.append(kwargs)
        if len(calls) > 1:
            raise RuntimeError("disk full")
        return original(session, **kwargs)

    original = links.merge_actors
    monkeypatch.setattr(links, "merge_actors", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        link_sources(db)
    assert len(calls) == 2 and _state(db) == state
    with db() as s:
        assert s.scalar(select(func.count()).select_from(ActorName).where(ActorName.value == "SENSORION")) == 0


def test_cli_prints_the_pairs_and_json(world, database_url, monkeypatch):
    db, _seeds, _files = world
    monkeypatch.setenv("BIOATLAS_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    app = typer.Typer()
    app.command("noop")(lambda: None)
    links_cli.register(app, Console(width=200))
    runner = CliRunner()
    dry = runner.invoke(app, ["link", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    data = json.loads(dry.output)
    assert data["dry_run"] and not data["committed"] and data["links"]["ilab ↔ rnsr"]["sure"] == 1
    done = runner.invoke(app, ["link"])
    assert done.exit_code == 0, done.output
    assert "articles ↔ transparence_sante" in done.output and "queued on /admin/duplicates" in done.output
    with db() as s:
        assert s.scalar(select(func.count()).select_from(ActorMerge)) == sum(p["sure"] for p in data["links"].values())
    assert ror("02vjkv261")  # the ROR records of the conftest are there to be linked to

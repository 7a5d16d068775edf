"""The Sirene connector on small SYNTHETIC files in INSEE's official layout (CSV, gzipped CSV and
Parquet) written in tmp_path: every establishment, SIREN and name below is invented; only the
commune codes are real (they must be, to be located)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bioatlas.atlas.models import Actor, ActorChange, ActorName, Site, Source
from bioatlas.sources import sirene
from bioatlas.sources.sirene import SireneError, SireneFilter, import_sirene
from tests.sources.sirene_data import (
    DAY, ESTABLISHMENTS, KEPT, actor_of, count, kept, write_csv, write_parquet,
)


# -- reference data ------------------------------------------------------------------------------


def test_reference_data():
    assert sirene.default_naf() == ("21.10Z", "21.20Z", "72.11Z", "72.19Z", "32.50A")
    assert all(n.label_fr and n.label_en and n.reason for n in sirene.naf_codes().values())
    bands = sirene.headcount_bands()
    assert list(bands) == ["NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32", "41", "42", "51", "52", "53"]
    band = sirene.decode_headcount("12")
    assert (band.min, band.max, band.label_fr, band.label_en) == (20, 49, "20 à 49 salariés", "20 to 49 employees")
    assert sirene.decode_headcount("53").max is None and sirene.decode_headcount("NN").max == 0
    assert sirene.decode_headcount("") is None and sirene.decode_headcount("99") is None
    assert sirene.normalise_naf("2120z") == sirene.normalise_naf(" 21.20Z ") == "21.20Z"
    with pytest.raises(SireneError, match="NAF"):
        sirene.normalise_naf("pharma")


# -- reading and filtering -----------------------------------------------------------------------


def test_default_filter_keeps_active_health_industry(files):
    found = kept(*files)
    assert set(found) == KEPT
    lyon = found["90000000100029"]
    assert (lyon.naf, lyon.is_siege, lyon.legal_name, lyon.acronym, lyon.kind) == ("21.20Z", False, "SYNTHEBIO", "SYB", "sme")
    assert lyon.address == "BATIMENT SYNTHESE, 12 BIS AVENUE TONY GARNIER"
    assert lyon.headcount.label_en == "50 to 99 employees"
    assert found["90000000200018"].kind == "midcap"
    assert found["90000000700013"].legal_name is None and found["90000000700013"].kind == "company"


def test_filters_by_naf_region_departement_and_status(files):
    etab_file, units = files
    assert set(kept(etab_file, naf=("2120Z",))) == {"90000000100029"}
    assert set(kept(etab_file, regions=("84",))) == {"90000000100029"}  # Auvergne-Rhône-Alpes: Lyon
    assert set(kept(etab_file, regions=("04",))) == {"90000000700013"}  # La Réunion: 974, three characters
    assert set(kept(etab_file, departements=("31", "974"))) == {"90000000200018", "90000000700013"}
    assert set(kept(etab_file, regions=("11",), departements=("91",))) == {"90000000100011", "90000000500019"}
    assert set(kept(etab_file, regions=("11",), departements=("69",))) == set()  # both must hold, as in the atlas
    closed = kept(etab_file, units, include_closed=True)
    assert set(closed) == KEPT | {"90000000300015"}
    assert not closed["90000000300015"].active and closed["90000000300015"].kind == "large_group"


def test_bad_filter_options_are_refused(files):
    with pytest.raises(SireneError, match="region"):
        SireneFilter(regions=("99",)).resolved()
    with pytest.raises(SireneError, match="département"):
        SireneFilter(departements=("20",)).resolved()


def test_gzip_and_parquet_read_like_csv(files, tmp_path):
    etab_file, units = files
    expected = kept(etab_file, units)
    gz = write_csv(tmp_path / "StockEtablissement_utf8.csv.gz", ESTABLISHMENTS)
    parquet = write_parquet(tmp_path / "StockEtablissement_utf8.parquet", ESTABLISHMENTS)
    assert kept(gz, units) == expected
    from_parquet = kept(parquet, units)
    assert set(from_parquet) == set(expected)
    for siret, est in expected.items():  # booleans, dates and integers typed in Parquet read the same
        assert from_parquet[siret] == est


# -- loading ---------------------------------------------------------------------------------------


def test_import_creates_actors_with_sites_and_provenance(db, files):
    report = import_sirene(db, files[0], legal_units=files[1], file_date=DAY)
    assert (report.read, report.created, report.updated, report.unchanged, report.rejected) == (6, 4, 0, 0, 2)
    assert report.rejections == {sirene.REASON_UNKNOWN_COMMUNE: 1, sirene.REASON_ABROAD: 1}
    assert report.examples[sirene.REASON_UNKNOWN_COMMUNE] == ["90000000500019 (91999)"]
    assert report.examples[sirene.REASON_ABROAD] == ["90000000600016 (ALLEMAGNE)"]
    assert report.headcount == {"12": 1, "21": 1, "32": 1, "NN": 1}
    assert report.as_dict()["headcount"] == {"Non-employer unit": 1, "20 to 49 employees": 1, "50 to 99 employees": 1,
                                             "250 to 499 employees": 1}
    with db() as session:
        source = session.scalars(select(Source)).one()
        assert (source.key, source.kind, source.title, source.licence, source.published) == (
            "sirene:StockEtablissement:2025-03-01", "open_data",
            "INSEE – base Sirene des entreprises et de leurs établissements (StockEtablissement)",
            "Licence Ouverte / Open Licence 2.0", DAY)
        hq = actor_of(session, "90000000100011")
        assert (hq.name, hq.kind, hq.status) == ("SYNTHEBIO", "sme", "active")
        assert {(n.type, n.value) for n in hq.names} == {("acronym", "SYB")}  # the legal name is the name
        assert {(i.scheme, i.value) for i in hq.identifiers} == {("siret", "90000000100011"), ("siren", "900000001")}
        (site,) = hq.sites
        assert (site.role, site.address, site.postcode, site.commune_insee, site.departement, site.region) == (
            "hq", "5 RUE DES ESSAIS SYNTHETIQUES", "91000", "91228", "91", "11")
        assert site.commune_name == "Evry Courcouronnes" and site.latitude and site.longitude
        lyon = actor_of(session, "90000000100029")
        assert lyon.name == "SYNTHEBIO LYON" and lyon.sites[0].role == "other"
        assert {(n.type, n.value) for n in lyon.names} == {("legal", "SYNTHEBIO"), ("acronym", "SYB")}
        assert lyon.sites[0].region == "84"
        reunion = actor_of(session, "90000000700013")
        assert (reunion.name, reunion.kind) == ("LABO SYNTHETIQUE REUNION", "company")
        assert (reunion.sites[0].departement, reunion.sites[0].region) == ("974", "04")
        assert count(session, ActorChange) == 4  # one "created" row each


def test_closed_establishments_are_inactive(db, files):
    report = import_sirene(db, files[0], legal_units=files[1], flt=SireneFilter(include_closed=True), file_date=DAY)
    assert report.created == 5
    with db() as session:
        assert actor_of(session, "90000000300015").status == "inactive"


def test_same_file_twice_changes_nothing(db, files):
    import_sirene(db, files[0], legal_units=files[1], file_date=DAY)
    with db() as session:
        before = (count(session, Actor), count(session, ActorName), count(session, Site), count(session, ActorChange))
    again = import_sirene(db, files[0], legal_units=files[1], file_date=DAY)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 4, 2)
    with db() as session:
        assert (count(session, Actor), count(session, ActorName), count(session, Site), count(session, ActorChange)) == before


def test_changed_value_is_an_update_with_history(db, files, tmp_path):
    import_sirene(db, files[0], legal_units=files[1], file_date=DAY)
    moved = [dict(r) for r in ESTABLISHMENTS]
    moved[2].update(numeroVoieEtablissement="40", libelleVoieEtablissement="DES CHANGEMENTS")
    changed = write_csv(tmp_path / "changed.csv", moved)
    report = import_sirene(db, changed, legal_units=files[1], file_date=DAY)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    with db() as session:
        actor = actor_of(session, "90000000200018")
        assert [s.address for s in actor.sites] == ["40 RUE DES CHANGEMENTS"]
        change = session.scalars(select(ActorChange).where(ActorChange.actor_id == actor.id, ActorChange.action == "updated")).one()
        assert change.field == "sites" and "40 RUE DES CHANGEMENTS" in change.new_value and "5 RUE" in change.old_value


def test_a_newer_file_replaces_what_older_files_said(db, files, tmp_path):
    import_sirene(db, files[0], legal_units=files[1], file_date=DAY)
    april = [dict(r) for r in ESTABLISHMENTS[1:]]  # the head office in Évry is gone from the file
    april[1].update(numeroVoieEtablissement="40", libelleVoieEtablissement="DES CHANGEMENTS")  # moved
    report = import_sirene(db, write_csv(tmp_path / "april.csv", april), legal_units=files[1], file_date=date(2025, 4, 1))
    assert (report.source_key, report.created, report.updated, report.unchanged) == (
        "sirene:StockEtablissement:2025-04-01", 0, 1, 2)
    with db() as session:
        march, new = (session.scalar(select(Source.id).where(Source.key == f"sirene:StockEtablissement:{d}"))
                      for d in ("2025-03-01", "2025-04-01"))
        moved = actor_of(session, "90000000200018")
        assert [(s.address, s.source_id) for s in moved.sites] == [("40 RUE DES CHANGEMENTS", new)]  # one site
        assert {n.source_id for a in (moved, actor_of(session, "90000000100029")) for n in [*a.names, *a.identifiers]} == {new}
        change = session.scalars(select(ActorChange).where(ActorChange.actor_id == moved.id,
                                                           ActorChange.action == "updated")).one()
        assert (change.field, change.source_id) == ("sites", new)
        gone = actor_of(session, "90000000100011")  # not in April's file: still cited from March
        assert {i.source_id for i in gone.identifiers} == {gone.sites[0].source_id} == {march}


def test_without_legal_units_the_establishment_names_the_actor(db, files):
    report = import_sirene(db, files[0], file_date=DAY)
    assert report.created == 4
    with db() as session:
        assert actor_of(session, "90000000100011").name == "ÉTABLISSEMENT 90000000100011"
        assert actor_of(session, "90000000100029").kind == "company"


def test_dry_run_writes_nothing(db, files):
    report = import_sirene(db, files[0], legal_units=files[1], file_date=DAY, dry_run=True)
    assert report.created == 4 and not report.committed
    with db() as session:
        assert count(session, Actor) == count(session, Source) == 0


def test_register_addresses_are_placed_at_their_commune(db, files):
    """The register gives a street address but no coordinates: the point is the commune's centre,
    so the site says its position is approximate (sites.precision "commune")."""
    import_sirene(db, files[0], legal_units=files[1], file_date=DAY)
    with db() as session:
        sites = session.scalars(select(Site)).all()
    assert sites and all(s.address for s in sites)
    assert {s.precision for s in sites} == {"commune"}

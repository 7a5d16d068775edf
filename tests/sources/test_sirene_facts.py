"""What the Sirene register says of an establishment beyond its name and place: its main
activity (NAF rév. 2) and its headcount band with the year, stored on the actor with provenance
and history, shown on its page and in the API. SYNTHETIC files (tests/sources/sirene_data.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bioatlas.atlas.models import ActorChange, FieldSource
from bioatlas.sources.sirene import import_sirene
from tests.sources.sirene_data import DAY, ESTABLISHMENTS, actor_of, write_csv


def test_activity_and_headcount_are_stored_with_their_source(db, files):
    import_sirene(db, files[0], legal_units=files[1], file_date=DAY)
    with db() as session:
        got = {siret: (a.naf_code, a.headcount_band, a.headcount_year) for siret in
               ("90000000100011", "90000000100029", "90000000200018", "90000000700013")
               for a in [actor_of(session, siret)]}
        sources = {fs.field for fs in session.scalars(select(FieldSource).where(
            FieldSource.actor_id == actor_of(session, "90000000100011").id))}
    assert got == {"90000000100011": ("72.11Z", "12", 2022), "90000000100029": ("21.20Z", "21", 2022),
                   "90000000200018": ("21.10Z", "32", 2022), "90000000700013": ("72.19Z", "NN", 2022)}
    assert {"naf_code", "headcount_band", "headcount_year"} <= sources


def test_older_nomenclatures_and_unknown_bands_are_left_out(db, tmp_path):
    rows = [dict(ESTABLISHMENTS[0], nomenclatureActivitePrincipaleEtablissement="NAFRev1"),  # same code, older list
            dict(ESTABLISHMENTS[2], trancheEffectifsEtablissement="", anneeEffectifsEtablissement="")]
    import_sirene(db, write_csv(tmp_path / "old.csv", rows), file_date=DAY)
    with db() as session:
        evry, toulouse = actor_of(session, "90000000100011"), actor_of(session, "90000000200018")
        assert (evry.naf_code, evry.headcount_band) == (None, "12")
        assert (toulouse.naf_code, toulouse.headcount_band, toulouse.headcount_year) == ("21.10Z", None, None)


def test_a_new_band_is_an_update_with_history_and_shows_on_the_page(db, files, tmp_path, client):
    import_sirene(db, files[0], legal_units=files[1], file_date=DAY)
    grown = [dict(r) for r in ESTABLISHMENTS]
    grown[0].update(trancheEffectifsEtablissement="21", anneeEffectifsEtablissement="2023")
    report = import_sirene(db, write_csv(tmp_path / "grown.csv", grown), legal_units=files[1], file_date=date(2025, 4, 1))
    assert (report.created, report.updated) == (0, 1)
    with db() as session:
        hq = actor_of(session, "90000000100011")
        fields = {c.field: (c.old_value, c.new_value) for c in session.scalars(
            select(ActorChange).where(ActorChange.actor_id == hq.id, ActorChange.action == "updated"))}
        hq_id = hq.id
    assert fields["headcount_band"] == ('"12"', '"21"') and fields["headcount_year"] == ("2022", "2023")
    page = client.get(f"/actors/{hq_id}").text
    assert "Effectif salarié" in page and "50 à 99 salariés (2023)" in page and "72.11Z" in page
    body = client.get(f"/api/v1/actors/{hq_id}", params={"lang": "en"}).json()
    assert (body["naf_code"], body["headcount_band"], body["headcount_label"], body["headcount_year"]) == (
        "72.11Z", "21", "50 to 99 employees", 2023)

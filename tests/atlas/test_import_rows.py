"""One row of an import file -> ActorRecord, or errors naming line, column (as written) and reason."""

from __future__ import annotations

from datetime import date

import pytest

from bioatlas.atlas.importer import validators
from bioatlas.atlas.importer.headers import map_headers
from bioatlas.atlas.importer.rows import RowContext, build_record
from bioatlas.atlas.records import ActorRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor

FILE_SOURCE = SourceRecord(key="file:acteurs.csv", title="acteurs.csv")
# Synthetic identifiers: checksum-valid numbers that belong to no real organisation.
SYNTHETIC_SIREN = "123456782"
SYNTHETIC_SIRET = "12345678200010"
SYNTHETIC_VAT = "FR11123456782"


def build(row: dict[str, str], taxonomies, *, session=None, known=None, line=2):
    ctx = RowContext(taxonomies=taxonomies, mapping=map_headers(list(row)), file_source=FILE_SOURCE, session=session)
    ctx.known_names.update(known or {})
    return build_record(line, row, ctx)


def only_error(result):
    assert result.record is None
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def test_full_row(taxonomies):
    result = build(
        {
            "Nom": "Genopole",
            "Raison sociale": "GIP Genopole",
            "Sigle": "GIP; Genopole",
            "Type de structure": "Incubateur",
            "ROR": "0380K9K47",
            "Site web": "www.genopole.fr",
            "Adresse": "5 rue Henri Desbruères",
            "CP": "91000",
            "Ville": "Évry-Courcouronnes",
            "Modalités": "Thérapie génique | vaccins",
            "Étapes": "Recherche, Lots cliniques",
            "Systèmes d'expression": "CHO",
            "BPF": "en cours",
            "Capacité (L)": "2 000 L",
            "Description": "Biocluster <b>français</b>",
        },
        taxonomies,
    )
    assert result.errors == []
    record = result.record
    assert isinstance(record, ActorRecord)
    assert record.name == "Genopole"
    assert record.kind == "incubator"
    assert record.names == [("legal", "GIP Genopole", "fr"), ("acronym", "GIP", None), ("acronym", "Genopole", None)]
    assert record.identifiers == {"ror": ["https://ror.org/0380k9k47"], "website": ["https://www.genopole.fr"]}
    assert record.capabilities == {
        "modalities": ["viral_vector", "vaccine"],
        "value_chain": ["research", "clinical_batches"],
        "expression_systems": ["cho"],
    }
    assert record.gmp == "in_progress"
    assert record.scale_litres == 2000.0
    assert record.description_fr == "Biocluster <b>français</b>"  # HTML kept as written
    assert record.source == FILE_SOURCE
    (site,) = record.sites
    assert (site.role, site.address, site.postcode) == ("hq", "5 rue Henri Desbruères", "91000")
    assert (site.commune_insee, site.commune_name, site.departement, site.region) == (
        "91228", "Evry Courcouronnes", "91", "11"
    )
    assert site.latitude == pytest.approx(48.6295, abs=1e-3) and site.longitude == pytest.approx(2.4401, abs=1e-3)


def test_name_falls_back_to_legal_name(taxonomies):
    result = build({"Nom": "", "Raison sociale": "Conseil régional de Bourgogne-Franche-Comté", "CP": "21000"}, taxonomies)
    assert result.record.name == "Conseil régional de Bourgogne-Franche-Comté"
    assert result.record.names == [("legal", "Conseil régional de Bourgogne-Franche-Comté", "fr")]


def test_name_is_required(taxonomies):
    error = only_error(build({"Nom": "  ", "Ville": "Dijon"}, taxonomies, line=7))
    assert (error.line, error.column, error.reason) == (7, "Nom", "the name is required")


def test_unknown_kind_lists_accepted_codes(taxonomies):
    error = only_error(build({"Nom": "Polepharma", "Catégorie": "Pôle de la mort"}, taxonomies))
    assert error.column == "Catégorie" and error.value == "Pôle de la mort"
    assert "unknown value 'Pôle de la mort'" in error.reason
    assert "company" in error.reason and "cluster" in error.reason


def test_unknown_multi_values_are_named_one_by_one(taxonomies):
    result = build({"Nom": "Cellectis", "Technologies": "CAR-T; allogénique; téléportation; magie"}, taxonomies)
    assert [e.value for e in result.errors] == ["téléportation", "magie"]
    assert all(e.column == "Technologies" for e in result.errors)
    assert "unknown value 'téléportation'" in result.errors[0].reason and "mab" in result.errors[0].reason


def test_site_role_gmp_and_status(taxonomies):
    result = build(
        {"Nom": "CHU Dijon Bourgogne", "Rôle du site": "R&D", "GMP": "oui clinique", "Statut": "actif", "CP": "21000"},
        taxonomies,
    )
    assert result.record.sites[0].role == "rd"
    assert result.record.gmp == "gmp_clinical"
    assert result.record.status == "active"
    bad = build({"Nom": "CHU Dijon Bourgogne", "Statut": "peut-être"}, taxonomies)
    assert "unknown status 'peut-être'" in only_error(bad).reason


@pytest.mark.parametrize("text, litres", [("2 000", 2000.0), ("2000 L", 2000.0), ("2,5", 2.5), ("1\u202f000 litres", 1000.0),
                                          ("12.5", 12.5), ("1,000.5", 1000.5)])
def test_scale_in_litres(taxonomies, text, litres):
    assert build({"Nom": "Genopole", "Capacité (L)": text}, taxonomies).record.scale_litres == litres


@pytest.mark.parametrize("text, reason", [("-5", "positive"), ("0", "positive"), ("beaucoup", "not a number"), ("inf", "not a number")])
def test_bad_scale(taxonomies, text, reason):
    error = only_error(build({"Nom": "Genopole", "Volume (L)": text}, taxonomies))
    assert error.column == "Volume (L)" and reason in error.reason


def test_siren_siret_vat(taxonomies):
    result = build({"Nom": "Synthetic row", "SIREN": "123 456 782", "SIRET": SYNTHETIC_SIRET, "TVA": "FR 11 123456782"}, taxonomies)
    assert result.record.identifiers == {"siren": [SYNTHETIC_SIREN], "siret": [SYNTHETIC_SIRET], "vat": [SYNTHETIC_VAT]}


@pytest.mark.parametrize(
    "column, value, reason",
    [
        ("SIREN", "123456789", "checksum"),
        ("SIREN", "12345678", "9 digits"),
        ("SIRET", "12345678200011", "checksum"),
        ("SIRET", "1234567820001", "14 digits"),
        ("TVA", "FR12123456782", "key does not match"),
        ("ROR", "0380k9k48", "checksum"),
        ("ROR", "https://ror.org/xyz", "ror.org/0"),
        ("RNSR", "20021272", "9 digits and a letter"),
        ("Wikidata", "158205", "Q158205"),
        ("Site web", "javascript:alert(1)", "http(s)"),
        ("Site web", "ftp://genopole.fr", "http(s)"),
        ("Site web", "pas une adresse", "not a web address"),
    ],
)
def test_bad_identifiers(taxonomies, column, value, reason):
    error = only_error(build({"Nom": "Genopole", column: value}, taxonomies))
    assert (error.column, error.value) == (column, value)
    assert reason in error.reason


@pytest.mark.parametrize("value", ["0380k9k47", "ror.org/0380k9k47", "https://ror.org/0380K9K47", "http://www.ror.org/0380k9k47/"])
def test_ror_is_normalised_to_the_full_url(value):
    assert validators.ror(value) == "https://ror.org/0380k9k47"


def test_wikidata_and_rnsr_forms():
    assert validators.wikidata("https://www.wikidata.org/wiki/Q158205") == "Q158205"
    assert validators.rnsr("200212720a") == "200212720A"


def test_la_poste_siret_rule():
    # La Poste's establishments (SIREN 356000000) follow a digit-sum rule instead of Luhn.
    assert validators.siret("35600000049837") == "35600000049837"


def test_explicit_coordinates_win_over_the_commune_centre(taxonomies):
    result = build({"Nom": "CHU Dijon Bourgogne", "CP": "21000", "Ville": "Dijon", "Lat": "47,3236", "Lng": "5.0745"}, taxonomies)
    site = result.record.sites[0]
    assert (site.latitude, site.longitude) == (47.3236, 5.0745)
    assert (site.commune_insee, site.departement, site.region) == ("21231", "21", "27")


def test_coordinates_alone_get_the_nearest_commune(taxonomies):
    result = build({"Nom": "Genopole", "Latitude": "48.6305", "Longitude": "2.4420"}, taxonomies)
    site = result.record.sites[0]
    # Évry-Courcouronnes has two postcodes (91000, 91080): which one is not guessed
    assert (site.commune_insee, site.commune_name, site.postcode) == ("91228", "Evry Courcouronnes", None)
    assert (site.departement, site.region) == ("91", "11")
    site = build({"Nom": "CHU Dijon Bourgogne", "Latitude": "47.33", "Longitude": "5.03"}, taxonomies).record.sites[0]
    assert (site.commune_insee, site.postcode) == ("21231", "21000")  # Dijon has one postcode
    assert (site.latitude, site.longitude) == (47.33, 5.03)  # the given point, not the commune centre


def test_coordinates_outside_france_are_kept_without_commune(taxonomies):
    result = build({"Nom": "Sanofi", "Latitude": "40.4168", "Longitude": "-3.7038"}, taxonomies)
    site = result.record.sites[0]
    assert site.commune_insee is None and site.latitude == 40.4168
    assert "not within 30 km of a French commune" in result.warnings[0]


@pytest.mark.parametrize(
    "row, column, reason",
    [
        ({"Latitude": "95", "Longitude": "2.4"}, "Latitude", "between -90 and 90"),
        ({"Latitude": "48.6", "Longitude": "200"}, "Longitude", "between -180 and 180"),
        ({"Latitude": "48.6"}, "Latitude", "needs a longitude"),
        ({"Longitude": "2.44"}, "Longitude", "needs a latitude"),
        ({"Latitude": "nord", "Longitude": "2.44"}, "Latitude", "not a number"),
    ],
)
def test_bad_coordinates(taxonomies, row, column, reason):
    error = only_error(build({"Nom": "Genopole", **row}, taxonomies))
    assert error.column == column and reason in error.reason


def test_four_digit_postcode_from_excel_gets_its_zero(taxonomies):
    site = build({"Nom": "Test", "CP": "1000", "Ville": "Bourg-en-Bresse"}, taxonomies).record.sites[0]
    assert (site.postcode, site.commune_insee) == ("01000", "01053")


@pytest.mark.parametrize(
    "row, column, fragment",
    [
        ({"CP": "99999"}, "CP", "unknown postcode '99999'"),
        ({"CP": "91000", "Ville": "Dijon"}, "Ville", "commune 'Dijon' not found under postcode 91000"),
        ({"Ville": "Saint-Ouen"}, "Ville", "matches 2 communes"),
        ({"Ville": "Paris"}, "Ville", "matches 20 communes"),
        ({"Code INSEE": "99999"}, "Code INSEE", "unknown INSEE commune code"),
        ({"CP": "01000"}, "CP", "matches 2 communes"),
    ],
)
def test_places_that_cannot_be_located(taxonomies, row, column, fragment):
    error = only_error(build({"Nom": "Cellectis", **row}, taxonomies))
    assert error.column == column and fragment in error.reason


def test_insee_code_and_real_places(taxonomies):
    site = build({"Nom": "Région Île-de-France", "CP": "93400", "Ville": "Saint-Ouen-sur-Seine"}, taxonomies).record.sites[0]
    assert (site.commune_insee, site.departement, site.region) == ("93070", "93", "11")
    site = build({"Nom": "CHU Dijon Bourgogne", "Code commune": "21231"}, taxonomies).record.sites[0]
    assert (site.commune_name, site.postcode) == ("Dijon", "21000")


def test_no_location_means_no_site_and_a_warning(taxonomies):
    result = build({"Nom": "Medicen Paris Region", "Ville": ""}, taxonomies, line=5)
    assert result.errors == [] and result.record.sites is None
    assert result.warnings == ["line 5: no location (postcode, commune, INSEE code or coordinates): the actor has no site"]


def test_address_alone_is_kept_off_the_map(taxonomies):
    result = build({"Nom": "Genopole", "Adresse": "5 rue Henri Desbruères"}, taxonomies)
    site = result.record.sites[0]
    assert site.address == "5 rue Henri Desbruères" and site.latitude is None
    assert "not on the map" in result.warnings[0]


def test_control_characters_and_overlong_text_are_refused(taxonomies):
    error = only_error(build({"Nom": "Gen\x00opole"}, taxonomies))
    assert error.column == "Nom" and "control character (U+0000)" in error.reason
    error = only_error(build({"Nom": "Genopole", "Description": "x" * 5001}, taxonomies))
    assert error.column == "Description" and "5001 characters" in error.reason
    error = only_error(build({"Nom": "G" * 501}, taxonomies))
    assert "at most 500" in error.reason


def test_newlines_tabs_and_html_are_kept(taxonomies):
    text = "Ligne 1\r\n\t<script>alert('x')</script> & <b>gras</b>"
    record = build({"Nom": "  Genopole  ", "Description": text}, taxonomies).record
    assert record.name == "Genopole"
    assert record.description_fr == "Ligne 1\n\t<script>alert('x')</script> & <b>gras</b>"


def test_clusters_resolve_against_the_atlas_and_earlier_rows(session, taxonomies):
    source = get_or_create_source(session, FILE_SOURCE)
    upsert_actor(session, ActorRecord(name="Medicen Paris Region", kind="cluster"), source=source)
    result = build(
        {"Nom": "Genopole", "Pôles": "medicen paris région; Polepharma"}, taxonomies, session=session,
        known={"polepharma": 3},
    )
    assert result.errors == []
    assert result.clusters == ["medicen paris région", "Polepharma"]
    assert result.record.relations == []  # ids are filled in when the row is written
    error = only_error(build({"Nom": "Genopole", "Pôles": "Pôle imaginaire"}, taxonomies, session=session))
    assert error.column == "Pôles" and error.value == "Pôle imaginaire"
    assert "no actor named 'Pôle imaginaire'" in error.reason


def test_row_source_columns(taxonomies):
    row = {
        "Nom": "Medicen Paris Region",
        "Source": "Succès du Congrès France Bioproduction",
        "URL de la source": "https://www.example.org/article",
        "Date de la source": "30/06/2021",
        "Licence": "Tous droits réservés",
    }
    first, again = build(row, taxonomies).record.source, build(row, taxonomies).record.source
    assert first == again and first.key.startswith("row:")
    assert (first.title, first.kind, first.url, first.published, first.licence) == (
        "Succès du Congrès France Bioproduction", "article", "https://www.example.org/article", date(2021, 6, 30),
        "Tous droits réservés",
    )
    titled = build({"Nom": "Medicen Paris Region", "Source": "Congrès France Bioproduction 2021"}, taxonomies).record.source
    assert titled.kind == "file" and titled.key != first.key


def test_source_date_without_title_or_url(taxonomies):
    error = only_error(build({"Nom": "Genopole", "Date de la source": "2021-06-30"}, taxonomies))
    assert error.column == "Date de la source" and "needs a source title or URL" in error.reason
    error = only_error(build({"Nom": "Genopole", "Source": "x", "Date de la source": "juin"}, taxonomies))
    assert "not a date" in error.reason


def test_id_column(taxonomies):
    assert build({"id": "12", "name": "Genopole"}, taxonomies).record.actor_id == 12
    assert "positive whole number" in only_error(build({"id": "douze", "name": "Genopole"}, taxonomies)).reason


def test_duplicate_keys(taxonomies):
    result = build({"Nom": "Genopole", "ROR": "0380k9k47", "CP": "91000"}, taxonomies)
    assert ("ROR", "https://ror.org/0380k9k47", "ror", "https://ror.org/0380k9k47") in result.keys
    assert ("name and postcode", "genopole|91000", "name", "Genopole") in result.keys


def test_a_stated_precision_is_kept_and_a_bad_one_named(taxonomies):
    """An export's `precision` column comes back as it was (a commune-centre point stays
    approximate); without coordinates it says nothing; an unknown value is refused by name."""
    row = {"Nom": "CHU Dijon Bourgogne", "CP": "21000", "Ville": "Dijon", "Latitude": "47.3236", "Longitude": "5.0745"}
    assert build(row, taxonomies).record.sites[0].precision == "address"
    assert build({**row, "Précision": "commune"}, taxonomies).record.sites[0].precision == "commune"
    no_point = {"Nom": "CHU Dijon Bourgogne", "CP": "21000", "Ville": "Dijon", "precision": "address"}
    assert build(no_point, taxonomies).record.sites[0].precision == "commune"  # the town's centre, approximate
    error = only_error(build({**row, "precision": "rooftop"}, taxonomies))
    assert error.column == "precision" and "expected one of address, commune, city_registry" in error.reason

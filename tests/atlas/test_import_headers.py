"""Mapping messy French/English headers to the actor fields."""

from __future__ import annotations

import csv

import pytest

from bioatlas.atlas.importer.errors import ImportFileError
from bioatlas.atlas.importer.headers import ALIASES_FILE, FIELDS, aliases, map_headers, read_mapping_file


@pytest.mark.parametrize(
    "header, field",
    [
        ("Raison sociale", "legal_name"), ("Dénomination", "legal_name"),
        ("Nom", "name"), ("Nom usuel", "name"), ("Name", "name"), ("Organisation", "name"), ("Structure", "name"),
        ("CP", "postcode"), ("Code postal", "postcode"), ("Postcode", "postcode"), ("Zip", "postcode"),
        ("Ville", "commune"), ("Commune", "commune"), ("City", "commune"),
        ("Type", "kind"), ("Catégorie", "kind"), ("Type de structure", "kind"), ("Kind", "kind"),
        ("Technologies", "modalities"), ("Modalités", "modalities"),
        ("Modalités thérapeutiques", "modalities"), ("Modalities", "modalities"),
        ("Adresse", "address"), ("Address", "address"),
        ("Site web", "website"), ("Website", "website"), ("URL", "website"),
        ("Description", "description_fr"), ("Description (FR)", "description_fr"),
        ("Étapes", "value_chain"), ("Chaîne de valeur", "value_chain"), ("Value chain", "value_chain"),
        ("Capacité (L)", "scale_litres"), ("Volume (L)", "scale_litres"), ("Scale (L)", "scale_litres"),
        ("BPF", "gmp"), ("GMP", "gmp"),
        ("Clusters", "clusters"), ("Pôles", "clusters"), ("Réseaux", "clusters"),
        ("Sigle", "acronym"), ("Acronyme", "acronym"),
        ("SIREN", "siren"), ("N° SIRET", "siret"), ("TVA", "vat"), ("ROR", "ror"), ("RNSR", "rnsr"),
        ("Wikidata", "wikidata"),
        ("Code INSEE", "insee"), ("Code commune", "insee"),
        ("Latitude", "latitude"), ("Lat", "latitude"), ("Longitude", "longitude"), ("Lon", "longitude"),
        ("Lng", "longitude"),
        ("  NOM  *", "name"), ("nom_usuel", "name"), ("description_en", "description_en"),
    ],
)
def test_messy_header_maps_to_field(header, field):
    mapping = map_headers(["Nom" if field != "name" else "Raison sociale", header])
    assert mapping.columns[header] == field
    assert mapping.header(field) == header


def test_realistic_french_sheet(tmp_path):
    headers = ["Nom de la structure", "Type de structure", "Code Postal", "Ville", "Modalités thérapeutiques",
               "Chaîne de valeur", "Capacité (L)", "BPF", "Remarques internes"]
    mapping = map_headers(headers)
    assert mapping.columns == {
        "Nom de la structure": "name", "Type de structure": "kind", "Code Postal": "postcode", "Ville": "commune",
        "Modalités thérapeutiques": "modalities", "Chaîne de valeur": "value_chain", "Capacité (L)": "scale_litres",
        "BPF": "gmp",
    }
    assert mapping.unmapped == ["Remarques internes"]
    assert mapping.warnings == ["column 'Remarques internes' is not a known field; its values are ignored"]


def test_every_field_name_maps_to_itself():
    mapping = map_headers(list(FIELDS))
    assert mapping.columns == {f: f for f in FIELDS}
    assert not mapping.warnings


def test_alias_table_is_a_data_file_naming_only_known_fields():
    with ALIASES_FILE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {r["field"] for r in rows} <= set(FIELDS)
    assert aliases()["raison sociale"] == "legal_name"


def test_export_sources_column_is_ignored_silently():
    mapping = map_headers(["name", "sources"])
    assert mapping.ignored == ["sources"] and not mapping.warnings


def test_no_name_column_is_an_error():
    with pytest.raises(ImportFileError) as exc:
        map_headers(["Ville", "CP", "SIREN"], file="acteurs.csv", line=1)
    assert "acteurs.csv, line 1" in str(exc.value)
    assert "no column for the actor's name" in str(exc.value)
    assert "'Ville', 'CP', 'SIREN'" in str(exc.value)


def test_legal_name_alone_is_enough():
    mapping = map_headers(["Raison sociale", "Ville"])
    assert mapping.has("legal_name") and not mapping.has("name")


def test_two_columns_for_one_field_is_an_error():
    with pytest.raises(ImportFileError, match="columns 'Ville' and 'City' both hold the field 'commune'"):
        map_headers(["Nom", "Ville", "City"], file="a.csv")


def write(tmp_path, text, name="mapping.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_mapping_file_names_columns_and_ignores_some(tmp_path):
    mapping_file = write(
        tmp_path,
        '[columns]\n"Société" = "name"\n"Ville du siège" = "commune"\n"Commentaire" = "-"\n"Tutelle" = ""\n',
    )
    mapping = map_headers(["Société", "Ville du siège", "Commentaire", "Tutelle", "CP"], mapping_file=mapping_file)
    # the mapping file decides for its columns; the others are still mapped automatically
    assert mapping.columns == {"Société": "name", "Ville du siège": "commune", "CP": "postcode"}
    assert mapping.ignored == ["Commentaire", "Tutelle"]
    assert mapping.mapping_file == str(mapping_file)
    assert not mapping.warnings


def test_mapping_file_overrides_an_alias(tmp_path):
    mapping_file = write(tmp_path, '[columns]\n"Description" = "description_en"\n')
    mapping = map_headers(["Nom", "Description"], mapping_file=mapping_file)
    assert mapping.columns["Description"] == "description_en"


def test_mapping_file_key_matches_headers_loosely_and_warns_on_absent_ones(tmp_path):
    mapping_file = write(tmp_path, '[columns]\n"societe" = "name"\n"Absente" = "siren"\n')
    mapping = map_headers(["Société"], mapping_file=mapping_file)
    assert mapping.columns == {"Société": "name"}
    assert mapping.warnings == ["mapping file names column 'Absente', which is not in the file"]


def test_mapping_file_unknown_field_names_file_and_key(tmp_path):
    mapping_file = write(tmp_path, '[columns]\n"Société" = "name"\n"Effectif" = "employees"\n')
    with pytest.raises(ImportFileError) as exc:
        read_mapping_file(mapping_file)
    message = str(exc.value)
    assert str(mapping_file) in message
    assert "'Effectif'" in message and "unknown field 'employees'" in message


@pytest.mark.parametrize(
    "text, reason",
    [
        ('[columns\n"a" = "name"\n', "not valid TOML"),
        ('[options]\nsheet = "x"\n', r"no \[columns\] table"),
        ('[columns]\n"Nom" = 3\n', "must be a string"),
    ],
)
def test_bad_mapping_files(tmp_path, text, reason):
    with pytest.raises(ImportFileError, match=reason) as exc:
        read_mapping_file(write(tmp_path, text))
    assert "mapping.toml" in str(exc.value)


def test_missing_mapping_file(tmp_path):
    with pytest.raises(ImportFileError, match="cannot read the mapping file"):
        read_mapping_file(tmp_path / "absent.toml")


def test_values_by_field():
    mapping = map_headers(["Nom", "CP", "Divers"])
    assert mapping.values({"Nom": "Genopole", "CP": "91000", "Divers": "x"}) == {"name": "Genopole", "postcode": "91000"}

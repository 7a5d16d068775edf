"""Spreadsheets may carry an establishment's main activity (NAF) and headcount band, as the
Sirene register writes them or in words; bad values are refused naming line and column."""

from __future__ import annotations

from tests.atlas.test_import_rows import build, only_error


def test_naf_and_headcount_in_codes_or_words(taxonomies):
    rows = [
        ({"Nom": "SYNTHETIC LAB A", "Code APE": "7211z", "Tranche d'effectif": "12", "Année effectif": "2023"},
         ("72.11Z", "12", 2023)),
        ({"Nom": "SYNTHETIC LAB B", "code NAF": "21.20Z", "Effectif": "50 à 99 salariés"}, ("21.20Z", "21", None)),
        ({"Nom": "SYNTHETIC LAB C", "activitePrincipaleEtablissement": " 21.10 Z ", "headcount": "250 to 499 employees"},
         ("21.10Z", "32", None)),
    ]
    for row, expected in rows:
        result = build(row, taxonomies)
        assert result.record is not None, result.errors
        r = result.record
        assert (r.naf_code, r.headcount_band, r.headcount_year) == expected


def test_bad_activity_headcount_or_year_name_the_column(taxonomies):
    cases = [
        ({"Nom": "SYNTHETIC LAB", "Code NAF": "pharma"}, "Code NAF", "not a NAF code"),
        ({"Nom": "SYNTHETIC LAB", "Tranche d'effectif": "beaucoup"}, "Tranche d'effectif", "unknown value"),
        ({"Nom": "SYNTHETIC LAB", "Année effectif": "23"}, "Année effectif", "not a year"),
    ]
    for row, column, reason in cases:
        error = only_error(build(row, taxonomies, line=7))
        assert error.line == 7 and error.column == column and reason in error.reason, error

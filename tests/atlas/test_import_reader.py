"""Reading CSV and XLSX files into rows of text, and refusing unreadable files clearly."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest

from bioatlas.atlas.importer.errors import ImportFileError
from bioatlas.atlas.importer.reader import cell_text, neutralise_formula, open_table, read_rows, restore_formula


def rows_of(path, **options):
    with open_table(path, **options) as table:
        return table.headers, list(table)


def test_semicolon_csv_with_bom_blank_lines_and_multiline_cell(tmp_path):
    path = tmp_path / "acteurs.csv"
    path.write_bytes(
        "\ufeffNom;Code postal;Ville\n"
        "Genopole;91000;Évry-Courcouronnes\n"
        "\n"
        '"CHU Dijon Bourgogne";21000;"Dijon\nCôte-d\'Or"\n'
        "Région Île-de-France;93400;Saint-Ouen-sur-Seine\n".encode("utf-8")
    )
    with open_table(path) as table:
        assert table.delimiter == ";"
        assert table.headers == ["Nom", "Code postal", "Ville"]  # no BOM glued to the first header
        rows = list(table)
    assert [line for line, _ in rows] == [2, 4, 6]  # physical line where each record starts
    assert rows[0][1] == {"Nom": "Genopole", "Code postal": "91000", "Ville": "Évry-Courcouronnes"}
    assert rows[1][1]["Ville"] == "Dijon\nCôte-d'Or"


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_delimiter_is_sniffed(tmp_path, delimiter):
    path = tmp_path / "actors.csv"
    lines = [["Name", "Postcode", "City"], ["Genopole", "91000", "Evry-Courcouronnes"], ["CHU Dijon Bourgogne", "21000", "Dijon"]]
    path.write_text("\n".join(delimiter.join(cells) for cells in lines) + "\n", encoding="utf-8")
    headers, rows = rows_of(path)
    assert headers == ["Name", "Postcode", "City"]
    assert rows[1] == (3, {"Name": "CHU Dijon Bourgogne", "Postcode": "21000", "City": "Dijon"})


def test_comma_inside_quotes_does_not_fool_the_sniffer(tmp_path):
    path = tmp_path / "actors.csv"
    path.write_text('Nom;Technologies\nSanofi;"Anticorps monoclonaux, vaccins"\n', encoding="utf-8")
    headers, rows = rows_of(path)
    assert headers == ["Nom", "Technologies"]
    assert rows[0][1]["Technologies"] == "Anticorps monoclonaux, vaccins"


def test_cp1252_bytes_are_refused_as_utf8_with_line_byte_and_hint(tmp_path):
    path = tmp_path / "export-excel.csv"
    path.write_bytes("Nom;Ville\nGenopole;Evry\nCHU Dijon Bourgogne;Côte-d'Or\n".encode("cp1252"))
    with pytest.raises(ImportFileError) as exc:
        open_table(path)
    message = str(exc.value)
    assert "export-excel.csv" in message
    assert "line 3" in message
    assert "0xf4" in message  # 'ô' in cp1252
    assert "--encoding cp1252" in message
    assert exc.value.line == 3


def test_cp1252_file_reads_with_the_encoding_option(tmp_path):
    path = tmp_path / "export-excel.csv"
    path.write_bytes("Nom;Catégorie\nRégion Île-de-France;Collectivité\n".encode("cp1252"))
    headers, rows = rows_of(path, encoding="cp1252")
    assert headers == ["Nom", "Catégorie"]
    assert rows == [(2, {"Nom": "Région Île-de-France", "Catégorie": "Collectivité"})]


def test_unknown_encoding_is_a_file_error(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Nom\nGenopole\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="unknown encoding 'klingon'"):
        open_table(path, encoding="klingon")


def test_explicit_utf8_still_drops_the_bom(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"\xef\xbb\xbfNom;CP\nGenopole;91000\n")
    headers, _ = rows_of(path, encoding="utf-8")
    assert headers == ["Nom", "CP"]


def test_xlsx_header_after_blank_rows_and_cell_values_as_text(tmp_path):
    path = tmp_path / "acteurs.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Acteurs"
    ws.append([])
    ws.append([None, None])
    ws.append(["Nom", "CP", "Latitude", "Date de la source", "Capacité (L)"])
    ws.append(["Genopole", 91000.0, 48.6294831659, datetime(2021, 6, 30), 2000])
    ws.append([None, None, None, None, None])
    ws.append(["CHU Dijon Bourgogne", 21000, 47.3229437965, date(2024, 3, 13), 2.5])
    wb.create_sheet("Notes").append(["not read"])
    wb.save(path)
    with open_table(path) as table:
        assert table.header_line == 3
        assert table.headers == ["Nom", "CP", "Latitude", "Date de la source", "Capacité (L)"]
        rows = list(table)
    assert rows[0] == (4, {"Nom": "Genopole", "CP": "91000", "Latitude": "48.6294831659",
                           "Date de la source": "2021-06-30", "Capacité (L)": "2000"})
    assert rows[1][0] == 6  # the Excel row number
    assert rows[1][1]["Capacité (L)"] == "2.5"
    assert rows[1][1]["Date de la source"] == "2024-03-13"


def test_xlsx_named_sheet_and_unknown_sheet(tmp_path):
    path = tmp_path / "classeur.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Sommaire"])
    ws = wb.create_sheet("Acteurs")
    ws.append(["Nom", "Ville"])
    ws.append(["CHU Dijon Bourgogne", "Dijon"])
    wb.save(path)
    _, rows = rows_of(path, sheet="Acteurs")
    assert rows == [(2, {"Nom": "CHU Dijon Bourgogne", "Ville": "Dijon"})]
    with pytest.raises(ImportFileError, match=r"no sheet named 'Feuil1' \(sheets: Sheet, Acteurs\)"):
        open_table(path, sheet="Feuil1")


def test_truncated_xlsx_is_reported_as_corrupt(tmp_path):
    good = tmp_path / "good.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Nom"])
    wb.active.append(["Genopole"])
    wb.save(good)
    cut = tmp_path / "coupé.xlsx"
    data = good.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ImportFileError) as exc:
        open_table(cut)
    assert "coupé.xlsx" in str(exc.value)
    assert "corrupt or truncated" in str(exc.value)


def test_xlsx_content_named_csv_gets_a_hint(tmp_path):
    path = tmp_path / "acteurs.csv"
    wb = openpyxl.Workbook()
    wb.active.append(["Nom"])
    wb.save(path)
    with pytest.raises(ImportFileError, match="looks like an XLSX"):
        open_table(path)


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"  \n\n  \n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "vide.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=r"vide\.csv: empty file"):
        open_table(path)


def test_empty_xlsx_sheet(tmp_path):
    path = tmp_path / "vide.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(ImportFileError, match="empty file|no header"):
        open_table(path)


def test_no_header_row(tmp_path):
    blank = tmp_path / "blank.csv"
    blank.write_text(";;;\n;;;\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="no header row"):
        open_table(blank)
    numbers = tmp_path / "numbers.csv"
    numbers.write_text("\n91000;48.62\n21000;47.32\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as exc:
        open_table(numbers)
    assert "no header row" in str(exc.value) and exc.value.line == 2


def test_duplicated_header_names(tmp_path):
    path = tmp_path / "doublon.csv"
    path.write_text("Nom;Ville;Nom\nGenopole;Évry;Genopole\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as exc:
        open_table(path)
    assert "duplicated column name 'Nom' (column 1 and column 3)" in str(exc.value)
    assert "doublon.csv, line 1" in str(exc.value)


def test_row_with_more_cells_than_headers(tmp_path):
    path = tmp_path / "decale.csv"
    path.write_text("Nom;Ville\nGenopole;Évry\nCHU Dijon Bourgogne;Dijon;21000\n", encoding="utf-8")
    table = open_table(path)
    with pytest.raises(ImportFileError) as exc:
        list(table)
    assert exc.value.line == 3
    assert "3 cells but the header (line 1) names 2 columns" in str(exc.value)


def test_trailing_empty_cells_are_tolerated(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("Nom;Ville;;\nGenopole;Évry;;\n", encoding="utf-8")
    headers, rows = rows_of(path)
    assert headers == ["Nom", "Ville"]
    assert rows == [(2, {"Nom": "Genopole", "Ville": "Évry"})]


def test_values_under_a_nameless_column_are_ignored_with_a_warning(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Nom;;Ville\nGenopole;note;Évry\n", encoding="utf-8")
    with open_table(path) as table:
        rows = list(table)
        assert rows == [(2, {"Nom": "Genopole", "Ville": "Évry"})]
        assert table.warnings == ["line 2: column 2 has no name in the header; its values are ignored"]


@pytest.mark.parametrize("name", ["acteurs.xls", "acteurs.ods", "acteurs.json", "acteurs"])
def test_unsupported_extension(tmp_path, name):
    path = tmp_path / name
    path.write_text("Nom\nGenopole\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="unsupported file type"):
        open_table(path)


def test_file_larger_than_the_limit(tmp_path):
    path = tmp_path / "gros.csv"
    path.write_text("Nom\n" + "Genopole\n" * 200, encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"gros\.csv: file is .* larger than the .* limit"):
        open_table(path, max_bytes=1024)


def test_unterminated_quote_names_the_line(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('Nom;Description\nGenopole;ok\nCHU Dijon Bourgogne;"jamais fermé\n', encoding="utf-8")
    table = open_table(path)
    with pytest.raises(ImportFileError) as exc:
        list(table)
    assert exc.value.line == 3 and "malformed CSV" in str(exc.value)


def test_read_rows_shortcut(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Nom\nGenopole\nCellectis\n", encoding="utf-8")
    assert [row["Nom"] for _, row in read_rows(path)] == ["Genopole", "Cellectis"]


@pytest.mark.parametrize(
    "text", ["=1+1", "+33 1 00", "-2.35", "@SUM(A1)", "\tx", "'=already", "''", "'plain", "plain", "", "'"]
)
def test_formula_neutralisation_is_reversible(text):
    shown = neutralise_formula(text)
    if text[:1] in ("=", "+", "-", "@", "\t"):
        assert shown == "'" + text
    assert restore_formula(shown) == text


def test_apostrophe_prefix_is_removed_when_reading(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Nom;Longitude;Note\n'=HYPERLINK(\"x\");'-1.55;'plain\n", encoding="utf-8")
    _, rows = rows_of(path)
    assert rows[0][1] == {"Nom": '=HYPERLINK("x")', "Longitude": "-1.55", "Note": "'plain"}


def test_cell_text_conversions():
    assert cell_text(None) == ""
    assert cell_text(91000.0) == "91000"
    assert cell_text(1000) == "1000"
    assert cell_text(2.5) == "2.5"
    assert cell_text(True) == "true"
    assert cell_text(datetime(2021, 6, 30, 0, 0)) == "2021-06-30"
    assert cell_text(datetime(2021, 6, 30, 14, 5)) == "2021-06-30T14:05:00"
    assert cell_text(date(2024, 3, 13)) == "2024-03-13"
    assert cell_text(55203253400646.0) == "55203253400646"

"""Spreadsheet bombs (issue 20 item 3): a shared-strings bomb and a million-row sheet are refused
from the zip's directory or while streaming, with the file named, before memory grows; over-long
cells and too many lines in CSV too. Peak memory is measured by `bench/import_bombs.py`."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from bioatlas.atlas.importer import reader
from bioatlas.atlas.importer.errors import ImportFileError
from bioatlas.atlas.importer.reader import open_table


def _workbook(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Nom", "CP"])
    ws.append(["Genethon", "91000"])
    wb.save(path)


def shared_strings_bomb(path: Path, inflated: int = 300 * 1024 * 1024) -> Path:
    """A real workbook whose sharedStrings.xml inflates to `inflated` bytes (written streaming)."""
    _workbook(path.with_suffix(".base.xlsx"))
    with zipfile.ZipFile(path.with_suffix(".base.xlsx")) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for item in src.infolist():
            if item.filename != "xl/sharedStrings.xml":
                out.writestr(item, src.read(item.filename))
        with out.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            chunk = b"<si><t>" + b"A" * 65536 + b"</t></si>"
            for _ in range(inflated // len(chunk)):
                fh.write(chunk)
            fh.write(b"</sst>")
    return path


def million_rows(path: Path, rows: int = 1_000_000, dimension: bool = True) -> Path:
    """A workbook of a header and `rows` - 1 rows of one small number (a few hundred KB zipped)."""
    _workbook(path.with_suffix(".base.xlsx"))
    with zipfile.ZipFile(path.with_suffix(".base.xlsx")) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item, src.read(item.filename))
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            if dimension:
                fh.write(f'<dimension ref="A1:A{rows}"/>'.encode())
            fh.write(b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Nom</t></is></c></row>')
            for r in range(2, rows + 1):
                fh.write(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>'.encode())
            fh.write(b"</sheetData></worksheet>")
    return path


def _rows(path: Path) -> list:
    with open_table(path, max_bytes=50 * 1024 * 1024) as table:
        return list(table)


def test_a_shared_strings_bomb_is_refused_from_the_zip_directory(tmp_path):
    bomb = shared_strings_bomb(tmp_path / "bomb.xlsx", inflated=20 * 1024 * 1024)  # the bench inflates to 300 MB
    assert bomb.stat().st_size < 200 * 1024
    with pytest.raises(ImportFileError) as exc:
        _rows(bomb)
    assert "bomb.xlsx" in str(exc.value) and "inflate" in str(exc.value)


def test_a_million_row_sheet_is_refused_by_its_dimension_or_while_streaming(tmp_path, monkeypatch):
    with pytest.raises(ImportFileError, match="1,000,000 rows"):
        _rows(million_rows(tmp_path / "declared.xlsx"))  # (the full million: the check reads the dimension only)
    monkeypatch.setattr(reader, "MAX_ROWS", 1000)  # undeclared: counted as the rows stream in
    with pytest.raises(ImportFileError) as exc:
        _rows(million_rows(tmp_path / "undeclared.xlsx", rows=5000, dimension=False))
    assert exc.value.line == 1001 and "1,000 lines" in str(exc.value)


def test_an_over_long_cell_names_its_line_and_column(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("Nom;CP\nGenethon;91000\n" + "x;" + "9" * (reader.MAX_CELL_CHARS + 1) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as exc:
        _rows(path)
    assert exc.value.line == 3 and "column 2" in str(exc.value)


def test_an_ordinary_workbook_still_reads(tmp_path):
    _workbook(tmp_path / "ok.xlsx")
    assert [row for _, row in _rows(tmp_path / "ok.xlsx")] == [{"Nom": "Genethon", "CP": "91000"}]

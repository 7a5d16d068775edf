"""Reading the real ROME v4.60 files (France Travail), and the errors on bad or wrong files."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from bioatlas.sources import rome
from bioatlas.sources.rome import RomeFileError

OCC = "unix_referentiel_code_rome_v460_utf8.csv"
TITLES = "unix_referentiel_appellation_v460_utf8.csv"


@pytest.fixture(scope="module")
def folder(shared) -> Path:
    return shared / "data" / "rome"


@pytest.fixture(scope="module")
def occupations(folder):
    return rome.read_occupations(folder / OCC)


@pytest.fixture(scope="module")
def titles(folder, occupations):
    return rome.read_titles(folder / TITLES, {r.code for r in occupations.rows})


def test_occupations_file(occupations):
    assert occupations.read == len(occupations.rows) == 1584
    assert occupations.rejections == [] and occupations.warnings == []
    assert len({r.code for r in occupations.rows}) == 1584
    fiches = [r for r in occupations.rows if r.parent_code == r.code]
    assert len(fiches) == 532  # the historical ROME fiches; the others are ROME 4 occupations under them
    h2302 = next(r for r in occupations.rows if r.code == "H2302")
    assert h2302.label == "Conducteur / Conductrice de procédé de fabrication en industrie pharmaceutique"
    assert (h2302.domain, h2302.subdomain, h2302.parent_code, h2302.ogr_code) == ("H", "H23", "H2301", "488276")
    assert h2302.line == 1 + 1 + [r.code for r in occupations.rows].index("H2302")


def test_titles_file(titles, occupations):
    assert titles.read == len(titles.rows) == 13120
    assert titles.rejections == [] and titles.warnings == []
    assert sum(r.main for r in titles.rows) == 1584  # one PRINCIPALE title per occupation
    assert sum(r.rarely_used for r in titles.rows) == 199
    assert {r.occupation_code for r in titles.rows} == {r.code for r in occupations.rows}
    bio = next(r for r in titles.rows if r.label == "Biotechnologue")
    assert (bio.code, bio.occupation_code, bio.short_label, bio.main) == ("11528", "K2402", "Biotechnologue", False)
    short = next(r for r in titles.rows if r.code == "10202")
    assert short.short_label == "Accastilleur(se)-monteur(se) électronique de marine"


def test_version_and_source(folder):
    assert rome.version_of(folder / OCC) == "v460"
    assert rome.version_of("rome.csv") is None
    src = rome.source_record(folder / OCC, folder / TITLES)
    assert (src.key, src.title, src.kind) == ("rome:v460", "ROME 4.60 (France Travail)", "open_data")
    assert src.licence.startswith("Licence Ouverte") and src.url.startswith("https://")
    assert rome.source_record(Path("a.csv"), Path("b.csv")).key == "rome"


def test_files_in_the_wrong_order(folder):
    with pytest.raises(RomeFileError) as exc:
        rome.read_occupations(folder / TITLES)
    message = str(exc.value)
    assert message.startswith(str(folder / TITLES))
    assert "missing column(s) libelle_rome" in message and "other ROME file" in message
    with pytest.raises(RomeFileError) as exc:
        rome.read_titles(folder / OCC)
    assert "missing column(s) libelle_appellation_long" in str(exc.value) and "other ROME file" in str(exc.value)


def test_csv_of_another_kind(shared):
    communes = shared / "data" / "geo" / "laposte_hexasmal.csv"  # `;`-separated, other columns
    with pytest.raises(RomeFileError) as exc:
        rome.read_occupations(communes)
    assert "laposte_hexasmal.csv" in str(exc.value)
    assert "missing column(s) code_rome, libelle_rome, code_rome_parent" in str(exc.value)


def test_binary_and_non_utf8_files(shared, folder, tmp_path):
    with pytest.raises(RomeFileError, match="binary content"):
        rome.read_occupations(shared / "data" / "ror" / "ror-records.jsonl.gz")
    latin = tmp_path / OCC
    latin.write_bytes((folder / OCC).read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    with pytest.raises(RomeFileError, match="not UTF-8"):
        rome.read_occupations(latin)


def test_missing_empty_and_header_only(tmp_path, folder):
    with pytest.raises(RomeFileError, match="no such file"):
        rome.read_titles(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(RomeFileError, match="empty"):
        rome.read_occupations(empty)
    header = tmp_path / "header.csv"
    header.write_text((folder / OCC).read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(RomeFileError, match="no occupation rows"):
        rome.read_occupations(header)


def test_semicolons_and_bom_are_read(folder, tmp_path):
    lines = (folder / OCC).read_text(encoding="utf-8").splitlines()[:6]
    copy = tmp_path / "rome.csv"
    copy.write_text("\ufeff" + "\n".join(line.replace('","', '";"') for line in lines) + "\n", encoding="utf-8")
    parsed = rome.read_occupations(copy)
    assert [r.code for r in parsed.rows] == ["A1101", "A1102", "A1201", "A1202", "A1203"]
    assert parsed.rejections == []


HEADER = '"code_rome","code_fiche_metier","code_ogr","libelle_rome","transition_eco","transition_num",' \
         '"transition_demo","emploi_reglemente","emploi_cadre","code_rome_parent"\n'


def _row(code, label, parent, ogr="1"):
    return f'"{code}","1","{ogr}","{label}","Emploi Blanc","","","","","{parent}"\n'


def test_bad_occupation_rows_are_rejected_with_line_and_reason(tmp_path):
    f = tmp_path / "rome.csv"
    f.write_text(
        HEADER
        + _row("H2301", "Conducteur", "H2301")
        + _row("H2302", "Conducteur pharma", "H2301")
        + _row("H2302", "Encore", "H2301")           # line 4: duplicate
        + _row("X123", "Pas un code", "X123")       # line 5: bad code
        + _row("H2303", "", "H2301")                 # line 6: empty label
        + _row("H2304", "Orphelin", "H9999")         # line 7: unknown parent
        + _row("H2305", "OGR", "H2301", ogr="abc")   # line 8: bad code_ogr
        + '"H2306","1","2"\n'                          # line 9: too few fields
        + "\n",                                        # blank line: ignored
        encoding="utf-8",
    )
    parsed = rome.read_occupations(f)
    assert parsed.read == 8
    assert [r.code for r in parsed.rows] == ["H2301", "H2302"]
    got = {(r.line, r.value): r.reason for r in parsed.rejections}
    assert got[(4, "H2302")] == "duplicate code_rome H2302 (first on line 3)"
    assert "not a ROME code" in got[(5, "X123")]
    assert got[(6, "H2303")] == "empty libelle_rome"
    assert got[(7, "H2304")] == "code_rome_parent H9999 is not in the file"
    assert "code_ogr 'abc'" in got[(8, "H2305")]
    assert got[(9, "H2306")] == "3 fields, expected 10"
    assert str(parsed.rejections[0]).startswith("rome.csv, line ")


def test_bad_title_rows_are_rejected(folder, tmp_path):
    lines = (folder / TITLES).read_text(encoding="utf-8").splitlines(keepends=True)
    f = tmp_path / "titles.csv"
    f.write_text(
        lines[0] + lines[1]
        + lines[1]                                                      # line 3: duplicate code_ogr
        + lines[2].replace('"10201"', '"x1"')                          # line 4: bad code
        + lines[3].replace('"I1601"', '"Z0000"', 1)                   # line 5: bad ROME code
        + lines[4].replace('"L1503"', '"A1101"', 1)                   # line 6: unknown occupation
        + lines[5][: lines[5].index('","') + 1],                       # line 7: cut after a field, no line break
        encoding="utf-8",
    )
    parsed = rome.read_titles(f, occupation_codes={"F1402", "I1601", "L1503"})
    assert [r.code for r in parsed.rows] == ["10200"]
    reasons = {r.line: r.reason for r in parsed.rejections}
    assert reasons[3].startswith("duplicate code_ogr 10200")
    assert reasons[4] == "code_ogr 'x1' is not a number"
    assert "not a ROME code" in reasons[5]
    assert reasons[6] == "code_rome A1101 is not in the occupations file"
    assert "expected 13" in reasons[7]
    assert parsed.warnings and "truncated" in parsed.warnings[0]


def test_truncated_inside_quotes_is_a_file_error(folder, tmp_path):
    data = (folder / OCC).read_bytes()
    f = tmp_path / OCC
    f.write_bytes(data[: data.index(b'"Conducteur / Conductrice d\'engins agricoles"') + 5])  # inside quotes
    with pytest.raises(RomeFileError) as exc:
        rome.read_occupations(f)
    assert exc.value.line is not None and "truncated" in str(exc.value)


def test_gzip_rome_is_rejected_as_binary(folder, tmp_path):
    f = tmp_path / "rome.csv"
    f.write_bytes(gzip.compress((folder / OCC).read_bytes()))
    with pytest.raises(RomeFileError, match="binary"):
        rome.read_occupations(f)

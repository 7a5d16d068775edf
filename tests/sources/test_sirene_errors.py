"""Bad Sirene files: a clear error naming the file, and nothing written."""

from __future__ import annotations


import pytest

from bioatlas.atlas.models import Actor, ActorChange, Source
from bioatlas.sources import sirene
from bioatlas.sources.sirene import ETABLISSEMENT_COLUMNS, UNITE_LEGALE_COLUMNS, SireneError, import_sirene
from tests.sources.sirene_data import DAY, ESTABLISHMENTS, LEGAL_UNITS, count, etab, write_csv




def assert_nothing_written(db) -> None:
    with db() as session:
        assert count(session, Actor) == count(session, Source) == count(session, ActorChange) == 0


def test_missing_columns_are_named_before_anything_is_written(db, tmp_path):
    renamed = [c if c not in ("codeCommuneEtablissement", "etatAdministratifEtablissement") else c.lower()
               for c in ETABLISSEMENT_COLUMNS]
    path = tmp_path / "old_layout.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(renamed) + "\n")
    with pytest.raises(SireneError) as err:
        import_sirene(db, path, file_date=DAY)
    assert "old_layout.csv" in str(err.value)
    assert "codeCommuneEtablissement" in str(err.value) and "etatAdministratifEtablissement" in str(err.value)
    assert_nothing_written(db)


def test_missing_column_in_legal_units(db, files, tmp_path):
    units = write_csv(tmp_path / "units.csv", [{c: r[c] for c in UNITE_LEGALE_COLUMNS if c != "categorieEntreprise"}
                                               for r in LEGAL_UNITS],
                      [c for c in UNITE_LEGALE_COLUMNS if c != "categorieEntreprise"])
    with pytest.raises(SireneError, match=r"units\.csv: not a StockUniteLegale file.*categorieEntreprise"):
        import_sirene(db, files[0], legal_units=units, file_date=DAY)
    assert_nothing_written(db)


def test_truncated_gzip_is_a_clear_error(db, tmp_path):
    rows = [etab(f"9{i:08d}", "00011", enseigne1Etablissement=f"ETABLISSEMENT SYNTHETIQUE {i}") for i in range(3000)]
    whole = write_csv(tmp_path / "full.csv.gz", rows).read_bytes()
    cut = tmp_path / "StockEtablissement_cut.csv.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(SireneError, match=r"StockEtablissement_cut\.csv\.gz: cannot be read \(.*GZIP"):
        import_sirene(db, cut, file_date=DAY)
    assert_nothing_written(db)


def test_malformed_row_and_zip_are_clear_errors(db, tmp_path):
    path = write_csv(tmp_path / "bad.csv", ESTABLISHMENTS[:2])
    with path.open("a", encoding="utf-8") as fh:
        fh.write("900000009,00010,90000000900010\n")
    with pytest.raises(SireneError, match=r"bad\.csv: cannot be read \(.*Line"):
        import_sirene(db, path, file_date=DAY)
    zipped = tmp_path / "StockEtablissement_utf8.zip"
    zipped.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(SireneError, match="unzip it first"):
        import_sirene(db, zipped, file_date=DAY)
    assert_nothing_written(db)


def test_failure_while_loading_rolls_everything_back(db, files, monkeypatch):
    calls = []
    real = sirene.to_actor_record

    def failing(est, geo=None):
        calls.append(est.siret)
        if len(calls) == 5:
            raise RuntimeError("disk full (simulated)")
        return real(est, geo)

    monkeypatch.setattr(sirene, "to_actor_record", failing)
    with pytest.raises(RuntimeError, match="simulated"):
        import_sirene(db, files[0], legal_units=files[1], file_date=DAY, batch_size=1)
    assert_nothing_written(db)

"""Benchmark of the Sirene connector on a SYNTHETIC StockEtablissement file (default 10,000,000
establishments) in INSEE's official layout, against raw DuckDB doing the same filter.

    .venv/bin/python bench/ingest_sirene.py               # 10M rows (the file is generated once, ~3 GB)
    .venv/bin/python bench/ingest_sirene.py --rows 200000 # a quick run

Every row is invented ("ETABLISSEMENT SYNTHETIQUE 123", "SOCIETE SYNTHETIQUE 45"); only the
commune codes are real, drawn from the communes file shipped with the atlas, so that the
connector can locate them. The files are cached under bench/.data/ (git-ignored).

Phases, each in its own process so that its peak memory (RSS high-water mark, from wait4) is
its own:
  anchor  raw DuckDB: COPY (SELECT … same filter, same legal-unit join …) TO a Parquet file
  atlas   the real connector (`bioatlas.sources.sirene.import_sirene`) into a fresh SQLite atlas
          migrated with `bioatlas.core.migrate.upgrade`
  rerun   the same import again: every establishment unchanged
Goal: 10M rows in under 3 minutes, under 3 GB peak, atlas / raw DuckDB ratio <= 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
FILE_DATE = date(2025, 3, 1)
GOAL_SECONDS, GOAL_BYTES, GOAL_RATIO = 180.0, 3 * 1024**3, 1.5

# Common NAF rév. 2 codes outside the health industry, drawn uniformly for the other rows.
OTHER_NAF = (
    "68.20B", "70.10Z", "47.11F", "56.10A", "43.21A", "86.21Z", "41.20A", "62.01Z", "96.02A", "49.32Z",
    "85.59A", "94.99Z", "01.11Z", "68.20A", "46.90Z", "81.10Z", "70.22Z", "69.20Z", "47.73Z", "86.90D",
    "45.20A", "43.99C", "56.30Z", "10.71C", "47.71Z", "74.90B", "90.01Z", "93.12Z", "64.20Z", "71.12B",
    "55.10Z", "43.32A", "47.26Z", "88.10A", "84.11Z", "66.22Z", "73.11Z", "82.99Z", "58.11Z", "95.11Z",
)
# Health-industry codes (the connector's default) with their share in ten-thousandths of a
# percent: 0.5 % of the rows in all, of which 90 % active -> about 0.45 % kept.
HEALTH_NAF = (("21.10Z", 10), ("21.20Z", 40), ("72.11Z", 80), ("72.19Z", 170), ("32.50A", 200))
# Headcount bands with cumulative thresholds out of 10,000 ('' = not filled in).
HEADCOUNT = (
    ("NN", 3500), ("", 5500), ("00", 6000), ("01", 7500), ("02", 8300), ("03", 8800), ("11", 9300), ("12", 9700),
    ("21", 9850), ("22", 9930), ("31", 9950), ("32", 9980), ("41", 9990), ("42", 9995), ("51", 9997), ("52", 9998),
    ("53", 10000),
)
STREET_TYPES = ("RUE", "AV", "BD", "CHE", "PL", "IMP", "RTE", "ALL", "QUAI", "ZA")


def q(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def paths(rows: int) -> tuple[Path, Path]:
    tag = f"{rows // 1_000_000}M" if rows % 1_000_000 == 0 else str(rows)
    return DATA / f"StockEtablissement_synthetic_{tag}.csv", DATA / f"StockUniteLegale_synthetic_{tag}.csv"


# -- generation --------------------------------------------------------------------------------------


def generate(rows: int, etab: Path, units: Path) -> float:
    """Write both synthetic files with DuckDB SQL; returns the seconds it took."""
    import duckdb

    from bioatlas.atlas.geocode import GEODATA
    from bioatlas.sources.sirene import ETABLISSEMENT_COLUMNS, UNITE_LEGALE_COLUMNS

    DATA.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = duckdb.connect(config={"temp_directory": str(DATA / "duckdb-tmp")})
    con.execute("SET enable_progress_bar = false")
    con.execute(
        "CREATE TABLE communes AS SELECT row_number() OVER (ORDER BY insee) - 1 AS idx, insee, postcode, name FROM ("
        f"SELECT insee, min(postcode) AS postcode, min(name) AS name FROM read_csv({q(GEODATA / 'communes.csv.gz')}, "
        "delim=';', header=true, all_varchar=true) GROUP BY insee)"
    )
    n_communes = con.execute("SELECT count(*) FROM communes").fetchone()[0]
    naf_case = "CASE"
    threshold = 0
    for code, share in HEALTH_NAF:
        threshold += share
        naf_case += f" WHEN hash(i, 'naf') % 100000 < {threshold} THEN {q(code)}"
    naf_case += f" ELSE ({'[' + ', '.join(map(q, OTHER_NAF)) + ']'})[CAST(1 + hash(i, 'other') % {len(OTHER_NAF)} AS BIGINT)] END"
    band_case = "CASE " + " ".join(
        f"WHEN hash(i, 'band') % 10000 < {limit} THEN {q(code) if code else 'NULL'}" for code, limit in HEADCOUNT
    ) + " END"
    streets = "[" + ", ".join(map(q, STREET_TYPES)) + "]"
    # siren index: about 1.4 establishments per legal unit, like the real register
    values = {
        "siren": "lpad(CAST(100000000 + s AS VARCHAR), 9, '0')",
        "nic": "lpad(CAST(10 + i % 99990 AS VARCHAR), 5, '0')",
        "siret": "lpad(CAST(100000000 + s AS VARCHAR), 9, '0') || lpad(CAST(10 + i % 99990 AS VARCHAR), 5, '0')",
        "statutDiffusionEtablissement": "CASE WHEN hash(i, 'diff') % 100 = 0 THEN 'P' ELSE 'O' END",
        "dateCreationEtablissement": "CAST(DATE '1970-01-01' + CAST(hash(i, 'created') % 20000 AS INTEGER) AS VARCHAR)",
        "trancheEffectifsEtablissement": "band",
        "anneeEffectifsEtablissement": "CASE WHEN band IS NOT NULL AND band <> 'NN' THEN '2022' END",
        "activitePrincipaleRegistreMetiersEtablissement": "NULL",
        "dateDernierTraitementEtablissement": "'2024-11-05T10:31:12'",
        "etablissementSiege": "CASE WHEN hash(i, 'siege') % 10 < 7 THEN 'true' ELSE 'false' END",
        "nombrePeriodesEtablissement": "CAST(1 + hash(i, 'periods') % 4 AS VARCHAR)",
        "complementAdresseEtablissement": "CASE WHEN hash(i, 'compl') % 10 = 0 THEN 'BATIMENT ' || CAST(hash(i, 'bat') % 20 AS VARCHAR) END",
        "numeroVoieEtablissement": "CASE WHEN diff = 'P' THEN '[ND]' ELSE CAST(1 + hash(i, 'num') % 200 AS VARCHAR) END",
        "indiceRepetitionEtablissement": "CASE WHEN hash(i, 'bis') % 30 = 0 THEN 'B' END",
        "typeVoieEtablissement": f"CASE WHEN diff = 'P' THEN '[ND]' ELSE {streets}[CAST(1 + hash(i, 'street') % {len(STREET_TYPES)} AS BIGINT)] END",
        "libelleVoieEtablissement": "CASE WHEN diff = 'P' THEN '[ND]' ELSE 'DE LA SYNTHESE ' || CAST(hash(i, 'voie') % 1000 AS VARCHAR) END",
        "codePostalEtablissement": "CASE WHEN abroad THEN NULL ELSE c.postcode END",
        "libelleCommuneEtablissement": "CASE WHEN abroad THEN NULL ELSE c.name END",
        "libelleCommuneEtrangerEtablissement": "CASE WHEN abroad THEN 'BERLIN' END",
        "codeCommuneEtablissement": "CASE WHEN abroad THEN NULL WHEN hash(i, 'obsolete') % 2000 = 0 THEN '91999' ELSE c.insee END",
        "codePaysEtrangerEtablissement": "CASE WHEN abroad THEN '99109' END",
        "libellePaysEtrangerEtablissement": "CASE WHEN abroad THEN 'ALLEMAGNE' END",
        "coordonneeLambertAbscisseEtablissement": "CAST(100000 + hash(i, 'x') % 1000000 AS VARCHAR)",
        "coordonneeLambertOrdonneeEtablissement": "CAST(6000000 + hash(i, 'y') % 1100000 AS VARCHAR)",
        "dateDebut": "CAST(DATE '2000-01-01' + CAST(hash(i, 'debut') % 9000 AS INTEGER) AS VARCHAR)",
        "etatAdministratifEtablissement": "CASE WHEN hash(i, 'state') % 10 = 0 THEN 'F' ELSE 'A' END",
        "enseigne1Etablissement": "CASE WHEN hash(i, 'ens') % 10 = 0 THEN 'ETABLISSEMENT SYNTHETIQUE ' || CAST(i AS VARCHAR) END",
        "denominationUsuelleEtablissement": "CASE WHEN hash(i, 'usu') % 20 = 0 THEN 'SITE SYNTHETIQUE ' || CAST(i AS VARCHAR) END",
        "activitePrincipaleEtablissement": naf_case,
        "nomenclatureActivitePrincipaleEtablissement": "'NAFRev2'",
        "caractereEmployeurEtablissement": "CASE WHEN band IS NOT NULL AND band NOT IN ('NN', '00') THEN 'O' ELSE 'N' END",
    }
    select = ", ".join(f"{values.get(col, 'NULL')} AS {col}" for col in ETABLISSEMENT_COLUMNS)
    con.execute(
        f"COPY (SELECT {select} FROM ("
        f"  SELECT i, (i * 5) // 7 AS s, {band_case} AS band, "
        "   CASE WHEN hash(i, 'diff') % 100 = 0 THEN 'P' ELSE 'O' END AS diff, "
        "   hash(i, 'abroad') % 1000 < 3 AS abroad, "
        f"  hash(i, 'commune') % {n_communes} AS cidx FROM range({rows}) t(i)"
        ") r JOIN communes c ON c.idx = r.cidx"
        f") TO {q(etab)} (FORMAT csv, HEADER true, DELIMITER ',')"
    )
    legal_units = (rows * 5 + 6) // 7
    unit_values = {
        "siren": "lpad(CAST(100000000 + s AS VARCHAR), 9, '0')",
        "statutDiffusionUniteLegale": "'O'",
        "dateCreationUniteLegale": "CAST(DATE '1970-01-01' + CAST(hash(s, 'created') % 20000 AS INTEGER) AS VARCHAR)",
        "sigleUniteLegale": "CASE WHEN hash(s, 'sigle') % 5 = 0 THEN 'SS' || CAST(s AS VARCHAR) END",
        "trancheEffectifsUniteLegale": "'12'",
        "anneeEffectifsUniteLegale": "'2022'",
        "dateDernierTraitementUniteLegale": "'2024-11-05T10:31:12'",
        "nombrePeriodesUniteLegale": "'1'",
        "categorieEntreprise": (
            "CASE WHEN hash(s, 'cat') % 1000 = 0 THEN 'GE' WHEN hash(s, 'cat') % 1000 < 11 THEN 'ETI' "
            "WHEN hash(s, 'cat') % 1000 < 860 THEN 'PME' END"
        ),
        "anneeCategorieEntreprise": "'2022'",
        "dateDebut": "'2015-01-01'",
        "etatAdministratifUniteLegale": "CASE WHEN hash(s, 'state') % 20 = 0 THEN 'C' ELSE 'A' END",
        "denominationUniteLegale": "'SOCIETE SYNTHETIQUE ' || CAST(s AS VARCHAR)",
        "categorieJuridiqueUniteLegale": "'5710'",
        "activitePrincipaleUniteLegale": "'72.11Z'",
        "nomenclatureActivitePrincipaleUniteLegale": "'NAFRev2'",
        "nicSiegeUniteLegale": "'00010'",
        "caractereEmployeurUniteLegale": "'O'",
    }
    select = ", ".join(f"{unit_values.get(col, 'NULL')} AS {col}" for col in UNITE_LEGALE_COLUMNS)
    con.execute(
        f"COPY (SELECT {select} FROM range({legal_units}) t(s)) TO {q(units)} (FORMAT csv, HEADER true, DELIMITER ',')"
    )
    con.close()
    return time.perf_counter() - started


# -- phases (each run in a child process) ------------------------------------------------------------


def phase_anchor(etab: Path, units: Path | None, out: Path) -> dict:
    """Raw DuckDB: the same columns, filter and legal-unit join as the connector, to Parquet."""
    import duckdb

    from bioatlas.sources.sirene import (
        ETABLISSEMENT_COLUMNS, ETABLISSEMENT_REQUIRED, UNITE_LEGALE_COLUMNS, UNITE_LEGALE_REQUIRED, default_naf,
    )

    def scan(path: Path, header: tuple[str, ...]) -> str:
        cols = "{" + ", ".join(f"{q(c)}: 'VARCHAR'" for c in header) + "}"
        return (f"read_csv({q(path)}, header=true, auto_detect=false, columns={cols}, delim=',', quote='\"', "
                "escape='\"', strict_mode=true)")

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    kept = (
        f"SELECT {', '.join(ETABLISSEMENT_REQUIRED)} FROM {scan(etab, ETABLISSEMENT_COLUMNS)} "
        f"WHERE activitePrincipaleEtablissement IN ({', '.join(map(q, default_naf()))}) "
        "AND etatAdministratifEtablissement = 'A'"
    )
    if units is not None:
        unit_cols = ", ".join(UNITE_LEGALE_REQUIRED)
        query = (
            f"WITH kept AS MATERIALIZED ({kept}) SELECT k.*, {', '.join('u.' + c for c in UNITE_LEGALE_REQUIRED[1:])} "
            f"FROM kept k LEFT JOIN (SELECT {unit_cols} FROM {scan(units, UNITE_LEGALE_COLUMNS)} "
            "WHERE siren IN (SELECT siren FROM kept)) u USING (siren)"
        )
    else:
        query = kept
    con.execute(f"COPY ({query}) TO {q(out)} (FORMAT parquet)")
    rows = con.execute(f"SELECT count(*) FROM read_parquet({q(out)})").fetchone()[0]
    con.close()
    return {"kept": rows, "seconds": time.perf_counter() - started}


def phase_atlas(etab: Path, units: Path | None, database: Path) -> dict:
    """The connector, as `bioatlas import sirene` runs it, into the SQLite atlas."""
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.sources.sirene import import_sirene

    started = time.perf_counter()
    engine = make_engine(f"sqlite:///{database}")
    report = import_sirene(make_sessionmaker(engine), etab, legal_units=units, file_date=FILE_DATE)
    engine.dispose()
    body = report.as_dict()
    body["seconds_total"] = time.perf_counter() - started
    return body


def run_child(phase: str, args: list[str]) -> tuple[dict, float, int, float]:
    """Run one phase in a child process: its result, wall seconds, peak RSS in bytes and CPU
    seconds (user + system: unlike wall time, hardly moved by other jobs on the machine)."""
    result = DATA / f"result-{phase}.json"
    result.unlink(missing_ok=True)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--phase", phase, "--result", str(result), *args])
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"phase {phase} failed with exit status {proc.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    return json.loads(result.read_text()), wall, usage.ru_maxrss * 1024, cpu  # ru_maxrss is in KiB on Linux


# -- report ------------------------------------------------------------------------------------------


def mib(n: int) -> str:
    return f"{n / 1024**2:,.0f} MiB"


def main() -> None:
    from bioatlas.core import listeners

    listeners.install()  # change log, search documents, vectors
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="establishments in the synthetic file")
    parser.add_argument("--no-legal-units", action="store_true", help="leave StockUniteLegale out (no join)")
    parser.add_argument("--regenerate", action="store_true", help="write the synthetic files again")
    parser.add_argument("--phase", choices=("anchor", "atlas"), help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--etab", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--units", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase == "anchor":
        args.result.write_text(json.dumps(phase_anchor(args.etab, args.units, args.out)))
        return
    if args.phase == "atlas":
        args.result.write_text(json.dumps(phase_atlas(args.etab, args.units, args.out), default=str))
        return

    etab, units = paths(args.rows)
    generated = None
    if args.regenerate or not etab.exists() or not units.exists():
        print(f"generating {args.rows:,} synthetic establishments in {etab.parent} …", flush=True)
        generated = generate(args.rows, etab, units)
    use_units = None if args.no_legal_units else units
    unit_args = [] if use_units is None else ["--units", str(use_units)]

    anchor, anchor_wall, anchor_rss, anchor_cpu = run_child("anchor", ["--etab", str(etab), *unit_args, "--out", str(DATA / "anchor.parquet")])

    from bioatlas.core import migrate
    from bioatlas.core.db import make_engine

    database = DATA / "atlas-bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{database}")
    migrate.upgrade(engine)  # setup, not timed
    engine.dispose()
    first, first_wall, first_rss, first_cpu = run_child("atlas", ["--etab", str(etab), *unit_args, "--out", str(database)])
    again, again_wall, again_rss, again_cpu = run_child("atlas", ["--etab", str(etab), *unit_args, "--out", str(database)])

    rows = args.rows
    ratio = first_wall / anchor_wall
    size = etab.stat().st_size + (units.stat().st_size if use_units else 0)
    print()
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, duckdb "
          f"{__import__('duckdb').__version__}, SQLite {__import__('sqlite3').sqlite_version}")
    print(f"file: {etab.name} ({rows:,} rows, {etab.stat().st_size / 1024**3:.2f} GiB)"
          + (f" + {units.name} ({units.stat().st_size / 1024**3:.2f} GiB)" if use_units else "")
          + (f"; generated in {generated:.1f} s" if generated is not None else "; cached"))
    print(f"kept by the filter: {first['read']:,} establishments ({first['read'] / rows:.2%}); raw DuckDB kept {anchor['kept']:,}")
    rejections = ", ".join(f"{r['reason']} {r['count']:,}" for r in first["rejections"])
    print(f"atlas: created {first['created']:,}, rejected {first['rejected']:,} "
          f"({rejections}); "
          f"re-run: unchanged {again['unchanged']:,}, created {again['created']}, updated {again['updated']}")
    print()
    header = f"{'phase':<34}{'wall':>9}{'cpu':>9}{'rows/s':>13}{'MiB/s':>9}{'peak RSS':>12}"
    print(header)
    print("-" * len(header))
    for label, wall, rss, cpu in (
        ("raw DuckDB COPY … TO parquet", anchor_wall, anchor_rss, anchor_cpu),
        ("atlas import (filter + load)", first_wall, first_rss, first_cpu),
        ("atlas re-import (all unchanged)", again_wall, again_rss, again_cpu),
    ):
        print(f"{label:<34}{wall:>8.1f}s{cpu:>8.1f}s{rows / wall:>13,.0f}{size / 1024**2 / wall:>9,.0f}{mib(rss):>12}")
    print(f"  of which in the connector: filter {first['seconds']['filter']} s, load {first['seconds']['load']} s "
          f"(re-run: filter {again['seconds']['filter']} s, load {again['seconds']['load']} s)")
    print()
    peak = max(anchor_rss, first_rss, again_rss)
    checks = (
        (f"atlas import of {rows:,} rows < {GOAL_SECONDS:.0f} s", f"{first_wall:.1f} s", first_wall < GOAL_SECONDS),
        (f"peak memory < {GOAL_BYTES / 1024**3:.0f} GiB", mib(peak), peak < GOAL_BYTES),
        (f"ratio atlas / raw DuckDB <= {GOAL_RATIO}", f"{ratio:.2f} (CPU time ratio {first_cpu / anchor_cpu:.2f})",
         ratio <= GOAL_RATIO),
    )
    for goal, value, ok in checks:
        print(f"{'PASS' if ok else 'MISS'}  {goal}: {value}")
    if rows != 10_000_000:
        print("(the goals are set for 10,000,000 rows; small files are dominated by ~2.5 s of start-up)")


if __name__ == "__main__":
    main()

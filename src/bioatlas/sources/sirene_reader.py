"""Reading Sirene stock files with DuckDB in streaming: format detection, header checks, the
filter in SQL, the join to legal units and the batches of kept establishments."""

from __future__ import annotations

import csv
import gzip
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from bioatlas.atlas.service import Gazetteer
from bioatlas.sources.sirene_layout import (
    _ETAB_READ,
    _UL_READ,
    ETABLISSEMENT_REQUIRED,
    NOT_PUBLISHED,
    UNITE_LEGALE_REQUIRED,
    Establishment,
    SireneError,
    SireneFilter,
)

# -- reading the files ---------------------------------------------------------------------------


def _format_of(path: Path) -> str:
    """'csv', 'csv.gz' or 'parquet', from the file's first bytes."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise SireneError(path, f"cannot open ({exc.strerror or exc})") from None
    if magic == b"PAR1":
        return "parquet"
    if magic[:2] == b"\x1f\x8b":
        return "csv.gz"
    if magic[:2] == b"PK":
        raise SireneError(
            path, "a zip archive; unzip it first (StockEtablissement_utf8.csv) or use the Parquet file INSEE publishes"
        )
    return "csv"


def read_header(path: Path) -> list[str]:
    """The column names of a Sirene stock file (CSV, gzipped CSV or Parquet)."""
    fmt = _format_of(path)
    if fmt == "parquet":
        import duckdb

        try:
            with duckdb.connect() as con:
                return [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_quote(path)})").fetchall()]
        except duckdb.Error as exc:
            raise SireneError(path, f"not a readable Parquet file ({_first_line(exc)})") from None
    opener = gzip.open if fmt == "csv.gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
    except UnicodeDecodeError as exc:  # the operator's words, not the codec's
        raise SireneError(path, f"not UTF-8 (byte {exc.object[exc.start]:#04x}): INSEE publishes the stock file as UTF-8",
                          line=1) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise SireneError(path, f"cannot read the header line ({exc})") from None
    if not first.strip():
        raise SireneError(path, "empty file (no header line)")
    return [c.strip() for c in next(csv.reader([first]))]


def check_layout(path: Path, required: tuple[str, ...] = ETABLISSEMENT_REQUIRED, what: str = "StockEtablissement") -> list[str]:
    """The file's columns; SireneError naming the file and every missing column otherwise."""
    header = read_header(path)
    missing = [c for c in required if c not in header]
    if missing:
        raise SireneError(
            path, f"not a {what} file in INSEE's layout: missing column{'s' if len(missing) > 1 else ''} "
            + ", ".join(missing)
        )
    return header


def _quote(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def scan_sql(path: Path, header: list[str]) -> str:
    """A DuckDB table expression reading the file: Parquet as is, CSV with the header's columns
    all as text (SIREN, postcodes and commune codes keep their leading zeros) and strict parsing."""
    fmt = _format_of(path)
    if fmt == "parquet":
        return f"read_parquet({_quote(path)})"
    columns = "{" + ", ".join(f"{_quote(c)}: 'VARCHAR'" for c in header) + "}"
    return (
        f"read_csv({_quote(path)}, header=true, auto_detect=false, columns={columns}, delim=',', quote='\"', "
        f"escape='\"', strict_mode=true, compression={_quote('gzip' if fmt == 'csv.gz' else 'none')})"
    )


def departement_sql(column: str = "codeCommuneEtablissement") -> str:
    """The département of a commune code, in SQL (97x overseas: 3 characters, otherwise 2)."""
    return f"CASE WHEN {column} LIKE '97%' THEN substr({column}, 1, 3) ELSE substr({column}, 1, 2) END"


def filter_sql(scan: str, flt: SireneFilter, geo: Gazetteer | None = None) -> str:
    """SELECT of the kept establishments' raw rows (all columns) for a resolved filter."""
    conds = [f"activitePrincipaleEtablissement IN ({', '.join(map(_quote, flt.naf))})"]
    if not flt.include_closed:
        conds.append("etatAdministratifEtablissement = 'A'")
    allowed = flt.allowed_departements(geo)
    if allowed is not None:
        conds.append(f"{departement_sql()} IN ({', '.join(map(_quote, allowed)) or 'NULL'})")
    return f"SELECT * FROM {scan} WHERE " + " AND ".join(conds)


def _clean(column: str, alias: str) -> str:
    return f"NULLIF(NULLIF(trim(CAST({column} AS VARCHAR)), ''), {_quote(NOT_PUBLISHED)}) AS {alias}"


class StockReader:
    """Filters a StockEtablissement file (and joins StockUniteLegale) with DuckDB, then hands the
    kept establishments out in batches. Use as a context manager:

        with StockReader(etab, legal_units, flt) as reader:
            kept = reader.prepare()          # reads the files; errors are raised here
            for batch in reader.batches(5000):
                ...
    """

    def __init__(
        self,
        etablissements: Path,
        legal_units: Path | None = None,
        flt: SireneFilter | None = None,
        *,
        memory_limit: str = "2GB",
        threads: int | None = None,
    ):
        import duckdb

        self.etablissements = Path(etablissements)
        self.legal_units = Path(legal_units) if legal_units else None
        self.filter = (flt or SireneFilter()).resolved()
        self._tmp = tempfile.mkdtemp(prefix="bioatlas-sirene-")
        self.con = duckdb.connect(config={"memory_limit": memory_limit, "temp_directory": self._tmp})
        self.con.execute("SET enable_progress_bar = false")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.kept: int | None = None

    def __enter__(self) -> StockReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def prepare(self) -> int:
        """Check both layouts, filter the establishments, fetch their legal units; the number kept."""
        import duckdb

        etab_header = check_layout(self.etablissements, ETABLISSEMENT_REQUIRED, "StockEtablissement")
        ul_header = check_layout(self.legal_units, UNITE_LEGALE_REQUIRED, "StockUniteLegale") if self.legal_units else None
        etab_cols = ", ".join(_clean(col, alias) for col, alias in _ETAB_READ)
        ul_cols = ", ".join(_clean(col, alias) for col, alias in _UL_READ)
        try:
            self.con.execute(
                f"CREATE TEMP TABLE kept AS SELECT {etab_cols} FROM ("
                f"{filter_sql(scan_sql(self.etablissements, etab_header), self.filter)})"
            )
        except duckdb.Error as exc:
            raise SireneError(self.etablissements, f"cannot be read ({_first_line(exc)})") from None
        try:
            if ul_header is not None:
                # DuckDB cannot estimate a CSV's size, and would build its hash table on the whole
                # legal-units file (GBs); the kept SIRENs are the small side, keep them there.
                self.con.execute("SET disabled_optimizers = 'build_side_probe_side'")
                self.con.execute(
                    f"CREATE TEMP TABLE ul AS SELECT DISTINCT ON (siren) CAST(siren AS VARCHAR) AS siren, {ul_cols} "
                    f"FROM {scan_sql(self.legal_units, ul_header)} "
                    "WHERE CAST(siren AS VARCHAR) IN (SELECT siren FROM kept)"
                )
                self.con.execute("RESET disabled_optimizers")
            else:
                self.con.execute(
                    "CREATE TEMP TABLE ul (siren VARCHAR, " + ", ".join(f"{a} VARCHAR" for _, a in _UL_READ) + ")"
                )
        except duckdb.Error as exc:
            raise SireneError(self.legal_units, f"cannot be read ({_first_line(exc)})") from None
        self.kept = self.con.execute("SELECT count(*) FROM kept").fetchone()[0]
        return self.kept

    def batches(self, size: int = 5000) -> Iterator[list[Establishment]]:
        """The kept establishments, joined with their legal unit, by SIRET order."""
        if self.kept is None:
            self.prepare()
        ul = ", ".join(f"u.{a}" for _, a in _UL_READ)
        cursor = self.con.execute(f"SELECT k.*, {ul} FROM kept k LEFT JOIN ul u USING (siren) ORDER BY k.siret")
        while rows := cursor.fetchmany(size):
            yield [Establishment(*row) for row in rows]

"""INSEE's Sirene register: the `StockEtablissement` file (one row per establishment, SIRET) and,
optionally, `StockUniteLegale` (one row per legal unit, SIREN) for legal names and company size.

The files are read in their official layout (CSV, gzipped CSV or Parquet) with DuckDB, which
filters them in SQL while streaming (NAF codes, region / département, active establishments), so
a 40-million-row file never sits in memory: only the kept establishments do, in a DuckDB
temporary table, and they are handed out in batches. The required columns are checked before
anything is read or written.

Each kept establishment becomes an actor matched on its SIRET (`to_actor_record`), loaded with
`atlas.bulk.bulk_upsert`. Records whose commune is unknown are rejected with the reason, never
guessed. Licence of the data: Licence Ouverte / Open Licence 2.0 (Etalab).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from bioatlas.atlas.service import (
    ActorRecord,
    Gazetteer,
    SiteRecord,
    SourceRecord,
    bulk_upsert,
    check_naf,
    find_sources,
    gazetteer,
    get_or_create_source,
)
from bioatlas.core.reports import OUTCOMES, ImportReport, write_or_rollback
from bioatlas.sources.sirene_layout import *  # noqa: F401,F403  (re-exported: one import place)
from bioatlas.sources.sirene_layout import (
    LICENCE,
    REASON_ABROAD,
    REASON_BAD_SIRET,
    REASON_NO_COMMUNE,
    REASON_NOT_PUBLISHED,
    REASON_UNKNOWN_COMMUNE,
    SCHEME,
    SOURCE_KEY_PREFIX,
    TITLE,
    URL,
    Establishment,
    Rejected,
    SireneError,
    SireneFilter,
    headcount_bands,
)
from bioatlas.sources.sirene_reader import *  # noqa: F401,F403  (re-exported: one import place)
from bioatlas.sources.sirene_reader import StockReader


def to_actor_record(est: Establishment, geo: Gazetteer | None = None) -> ActorRecord:
    """The actor an establishment describes: one site located on its commune (INSEE code).

    Raises Rejected when the SIRET is malformed or the commune is abroad, withheld or unknown."""
    if not est.siret or len(est.siret) != 14 or not est.siret.isdigit():
        raise Rejected(REASON_BAD_SIRET, est.siret)
    code = (est.commune_code or "").upper()
    if not code:
        if est.foreign_country_code or est.foreign_country:
            raise Rejected(REASON_ABROAD, est.foreign_country or est.foreign_country_code)
        raise Rejected(REASON_NOT_PUBLISHED if est.diffusion == "P" else REASON_NO_COMMUNE)
    geo = geo or gazetteer()
    places = geo.by_insee.get(code)
    if not places:
        raise Rejected(REASON_UNKNOWN_COMMUNE, code)
    place = next((p for p in places if p.postcode == est.postcode), places[0])
    name = est.name
    names: list[tuple[str, str, str | None]] = []
    if est.legal_name:
        names.append(("legal", est.legal_name, None))
    if est.acronym:
        names.append(("acronym", est.acronym, None))
    for other in (est.enseigne1, est.usual_name, est.enseigne2, est.enseigne3, est.legal_usual_name):
        if other:
            names.append(("alias", other, None))
    site = SiteRecord(
        role="hq" if est.is_siege else "other",
        address=est.address,
        postcode=est.postcode or est.cedex_code,
        commune_insee=place.insee,
        commune_name=place.name,
        departement=place.departement,
        region=place.region or None,
        country="FR",
        latitude=place.latitude,
        longitude=place.longitude,
        precision="commune",  # the street address is kept, the point is the commune's centre
    )
    identifiers = {SCHEME: [est.siret]}
    if est.siren:
        identifiers["siren"] = [est.siren]
    band = est.headcount
    return ActorRecord(
        name=name,
        kind=est.kind,
        status="active" if est.active else "inactive",
        names=names,
        identifiers=identifiers,
        sites=[site],
        naf_code=_naf_rev2(est),
        headcount_band=band.code if band else None,
        headcount_year=int(est.headcount_year) if band and (est.headcount_year or "").isdigit() else None,
    )


def _naf_rev2(est: Establishment) -> str | None:
    """The establishment's main activity when coded in NAF rév. 2 (older nomenclatures are left out)."""
    if not est.naf or (est.naf_nomenclature or "NAFRev2") != "NAFRev2":
        return None
    try:
        return check_naf(est.naf)
    except ValueError:
        return None


# -- provenance and the whole import -------------------------------------------------------------


def file_date_of(path: Path) -> date:
    """The file's date when none is given: its modification time (SireneError naming the file
    when it cannot be read: was a traceback)."""
    try:
        return date.fromtimestamp(Path(path).stat().st_mtime)
    except OSError as exc:
        raise SireneError(path, f"cannot read the file ({exc.strerror or exc})") from None


def source_record(file_date: date) -> SourceRecord:
    """One source per file date: each monthly stock file is cited by its own date. A newer file
    takes over what older ones said about the establishments it describes."""
    return SourceRecord(
        key=f"{SOURCE_KEY_PREFIX}{file_date.isoformat()}",
        title=TITLE,
        kind="open_data",
        url=URL,
        licence=LICENCE,
        published=file_date,
    )


def earlier_editions(session, file_date: date) -> list[int]:
    """Ids of the sources of older StockEtablissement files: a newer file supersedes them for
    the establishments it describes (see `atlas.bulk.bulk_upsert`)."""
    return [s.id for s in find_sources(session, key_prefix=SOURCE_KEY_PREFIX)
            if s.published is not None and s.published < file_date]


@dataclass(kw_only=True)
class SireneReport(ImportReport):
    """The shared import report (`read`: establishments that passed the filters). A stock file
    may reject millions of establishments: they are counted by reason with a few examples
    (`rejections`, `examples`), not listed one by one in `errors`."""

    file_date: date
    source_key: str
    filter: SireneFilter
    rejections: Counter = field(default_factory=Counter)  # reason -> count
    examples: dict[str, list[str]] = field(default_factory=dict)  # reason -> a few "SIRET (value)"
    headcount: Counter = field(default_factory=Counter)  # band code ("" unknown) -> count, of loaded records
    seconds_filter: float = 0.0
    seconds_load: float = 0.0

    def reject_establishment(self, est: Establishment, exc: Rejected) -> None:
        self.rejected += 1
        self.rejections[exc.reason] += 1
        sample = self.examples.setdefault(exc.reason, [])
        if len(sample) < 5:
            sample.append(f"{est.siret}" + (f" ({exc.value})" if exc.value else ""))

    def as_dict(self) -> dict:
        bands = headcount_bands()
        return {
            **super().as_dict(),
            "file_date": self.file_date.isoformat(),
            "source": self.source_key,
            "naf": list(self.filter.naf),
            "regions": list(self.filter.regions),
            "departements": list(self.filter.departements),
            "include_closed": self.filter.include_closed,
            "rejections": [
                {"reason": reason, "count": n, "examples": self.examples.get(reason, [])}
                for reason, n in self.rejections.most_common()
            ],
            "headcount": {
                (bands[code].label_en if code in bands else "unknown"): n
                for code, n in sorted(self.headcount.items(), key=lambda kv: list(bands).index(kv[0]) if kv[0] in bands else 99)
            },
            "seconds": {"filter": round(self.seconds_filter, 2), "load": round(self.seconds_load, 2)},
        }


def import_sirene(
    factory,
    etablissements: Path,
    *,
    legal_units: Path | None = None,
    flt: SireneFilter | None = None,
    file_date: date | None = None,
    dry_run: bool = False,
    batch_size: int = 5000,
    on_filtered: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
    memory_limit: str = "2GB",
) -> SireneReport:
    """Filter the stock file(s) and load the kept establishments as actors, in one transaction
    (rolled back on any error, and at the end of a dry run).

    `on_filtered(kept)` is called once the files are filtered, `progress(n)` as establishments are
    loaded. Raises SireneError for an unreadable file, a wrong layout or a bad option."""

    etablissements = Path(etablissements)
    file_date = file_date or file_date_of(etablissements)
    src = source_record(file_date)
    geo = gazetteer()
    with StockReader(etablissements, legal_units, flt, memory_limit=memory_limit) as reader:
        report = SireneReport(file=str(etablissements), file_date=file_date, source_key=src.key, filter=reader.filter,
                              dry_run=dry_run)
        started = time.perf_counter()
        report.read = reader.prepare()
        report.seconds_filter = time.perf_counter() - started
        if on_filtered is not None:
            on_filtered(report.read)

        def records() -> Iterator[ActorRecord]:
            for batch in reader.batches(batch_size):
                for est in batch:
                    try:
                        record = to_actor_record(est, geo)
                    except Rejected as exc:
                        report.reject_establishment(est, exc)
                    else:
                        report.headcount[est.headcount_code or ""] += 1
                        yield record
                if progress is not None:
                    progress(len(batch))

        def write(session) -> None:
            source = get_or_create_source(session, record=src)
            counts = bulk_upsert(session, records=records(), source=source, scheme=SCHEME, batch_size=batch_size,
                                 supersedes=earlier_editions(session, file_date))
            for outcome in OUTCOMES:
                report.count(outcome, counts[outcome])

        started = time.perf_counter()
        write_or_rollback(factory, report, write)
        report.seconds_load = time.perf_counter() - started
    return report


def parse_file_date(value: str) -> date:
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise SireneError(None, "expected YYYY-MM-DD", field="--file-date", value=value) from None

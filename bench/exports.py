"""Exports of the whole atlas view (CSV, XLSX, JSON, GeoJSON of Île-de-France) timed in-process,
against the sqlite3 command-line tool exporting the same actors, one row each with the same 34
columns (joined names, identifiers, head-office site, capabilities, clusters, sources), timed in
the same run: the anchor of issue 19 (CSV within 3x of it, <= 0.5 s on the demo; XLSX <= 1.5 s).

    .venv/bin/python bench/exports.py                           # the atlas of the settings (var/atlas.sqlite3)
    .venv/bin/python bench/exports.py --db var/atlas.sqlite3 --repeat 5

Only `bioatlas.atlas.exporter.export_actors` is called, so the same script times an older
checkout for a before/after: `BENCH_SRC=<that checkout>/src` (and `OPENPYXL_LXML=False` for
openpyxl's pure-Python writer, as before lxml was a dependency).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("BENCH_SRC", str(ROOT / "src")))  # BENCH_SRC: another checkout's src/

_IDS = ("siren", "siret", "ror", "rnsr", "wikidata", "vat", "website")
_FACETS = ("modalities", "value_chain", "expression_systems")
ANCHOR_SQL = """
.headers on
.mode csv
.separator ;
WITH hq AS (
  SELECT s.* FROM sites s WHERE s.id = (
    SELECT s2.id FROM sites s2 WHERE s2.actor_id = s.actor_id ORDER BY s2.role != 'hq', s2.id LIMIT 1))
SELECT a.id, a.name,
  (SELECT min(value) FROM actor_names n WHERE n.actor_id = a.id AND n.type = 'legal') AS legal_name,
  (SELECT group_concat(value, '; ') FROM actor_names n WHERE n.actor_id = a.id AND n.type = 'acronym') AS acronym,
  (SELECT min(value) FROM actor_names n WHERE n.actor_id = a.id AND n.type = 'label_en') AS name_en,
  a.kind, a.status,
  {ids},
  hq.role, hq.address, hq.postcode, hq.commune_name, hq.commune_insee, hq.latitude, hq.longitude, hq.precision,
  {facets},
  a.scale_litres, a.gmp, a.naf_code, a.headcount_band, a.headcount_year, a.description_fr, a.description_en,
  (SELECT group_concat(t.name, '; ') FROM actor_relations r JOIN actors t ON t.id = r.target_id
     WHERE r.actor_id = a.id AND r.relation = 'member_of') AS clusters,
  (SELECT group_concat(title, '; ') FROM sources WHERE id IN (
     SELECT source_id FROM actor_field_sources WHERE actor_id = a.id UNION
     SELECT source_id FROM actor_names WHERE actor_id = a.id UNION
     SELECT source_id FROM actor_identifiers WHERE actor_id = a.id UNION
     SELECT source_id FROM sites WHERE actor_id = a.id UNION
     SELECT source_id FROM actor_capabilities WHERE actor_id = a.id UNION
     SELECT source_id FROM actor_relations WHERE actor_id = a.id)) AS sources
FROM actors a LEFT JOIN hq ON hq.actor_id = a.id
WHERE a.status = 'active'  -- the default view
ORDER BY lower(a.name), a.id;
""".format(
    ids=",\n  ".join(f"(SELECT group_concat(value, '; ') FROM actor_identifiers i WHERE i.actor_id = a.id "
                     f"AND i.scheme = '{s}') AS {s}" for s in _IDS),
    facets=",\n  ".join(f"(SELECT group_concat(code, '; ') FROM actor_capabilities c WHERE c.actor_id = a.id "
                        f"AND c.facet = '{f}') AS {f}" for f in _FACETS),
)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the sqlite3 CLI)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median wall and CPU time of `repeat` calls (seconds; on a shared machine the wall time moves
    with the other jobs, the CPU time much less) and the last result."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), _cpu()
        out = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(_cpu() - c)
    return statistics.median(walls), statistics.median(cpus), out


def pdf_figures(path: Path, repeat: int, region: str = "11") -> None:
    """The region's factsheet PDF: rendered (WeasyPrint) and served from the cache
    (`observatory.factsheet_cache`, a scratch data directory), both through the function the
    page calls."""
    import tempfile

    from bioatlas.core.config import load_settings
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.core.i18n import Translator
    from bioatlas.observatory import factsheet_cache, factsheet_render, views  # noqa: F401 (template filters)

    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"))
    t = Translator("fr")
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(database_url=f"sqlite:///{path}", data_dir=Path(tmp))

        def rendered() -> bytes:
            with factory() as session:
                return factsheet_render.render_pdf(session, code=region, t=t)

        def cached() -> bytes:
            with factory() as session:
                return factsheet_cache.cached_pdf(session, settings=settings, code=region, lang="fr",
                                                  render=lambda: factsheet_render.render_pdf(session, code=region, t=t))

        cold_wall, cold_cpu, body = timed(rendered, repeat)
        cached()  # fills the cache
        hit_wall, hit_cpu, _ = timed(cached, max(repeat, 5))
    print(f"  {'factsheet PDF ' + region + ' rendered':<24} {cold_wall * 1000:>8.0f} ms  {cold_cpu * 1000:>8.0f} ms  "
          f"{len(body):>11,} bytes")  # type: ignore[arg-type]
    print(f"  {'factsheet PDF ' + region + ' cached':<24} {hit_wall * 1000:>8.0f} ms  {hit_cpu * 1000:>8.0f} ms  "
          "(goal <= 200 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=None, help="SQLite atlas (default: the settings' database)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the median is printed)")
    parser.add_argument("--no-pdf", action="store_true", help="skip the factsheet PDF (rendered, then cached)")
    args = parser.parse_args()

    from bioatlas.atlas.exporter import export_actors
    from bioatlas.atlas.filters import ActorFilter
    from bioatlas.atlas.taxonomy import load_taxonomies
    from bioatlas.core.config import load_settings
    from bioatlas.core.db import make_engine, make_sessionmaker

    path = args.db.resolve() if args.db else load_settings().data_dir.resolve() / "atlas.sqlite3"
    if not path.exists():
        sys.exit(f"no atlas at {path} (run `bioatlas demo load` or pass --db)")
    if shutil.which("sqlite3") is None:
        sys.exit("the sqlite3 command-line tool is needed for the anchor (apt-get install sqlite3)")
    taxonomies = load_taxonomies()
    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"))

    def export(fmt: str, f: ActorFilter = ActorFilter()) -> bytes:
        with factory() as session:
            return export_actors(session, f=f, taxonomies=taxonomies, fmt=fmt, lang="fr")

    export("csv")  # imports, taxonomies and the gazetteer loaded before any timing

    def anchor() -> bytes:
        return subprocess.run(["sqlite3", "-readonly", str(path)], input=ANCHOR_SQL.encode(), capture_output=True,
                              check=True).stdout

    anchor_s, anchor_cpu, anchor_out = timed(anchor, args.repeat)
    figures = {}
    for fmt, f in (("csv", ActorFilter()), ("xlsx", ActorFilter()), ("json", ActorFilter()),
                   ("geojson", ActorFilter(region=("11",)))):
        wall, cpu, body = timed(lambda fmt=fmt, f=f: export(fmt, f), args.repeat)
        figures[fmt] = (wall, cpu, len(body))  # type: ignore[arg-type]
    csv_rows = len(export("csv").decode("utf-8-sig").splitlines()) - 1
    anchor_rows = len(anchor_out.decode("utf-8", "replace").splitlines()) - 1  # type: ignore[union-attr]
    load = os.getloadavg()[0]
    print(f"bench/exports.py: {path}, median of {args.repeat}, load average {load:.1f} on {os.cpu_count()} CPUs")
    print(f"  {csv_rows:,} CSV lines, {anchor_rows:,} from sqlite3 (one per actor unless a description holds a line break)")
    print(f"  {'':<24} {'wall':>8}     {'CPU':>8}")
    print(f"  {'sqlite3 CLI (anchor)':<24} {anchor_s * 1000:>8.0f} ms  {anchor_cpu * 1000:>8.0f} ms  "
          f"{len(anchor_out):>11,} bytes")  # type: ignore[arg-type]
    for fmt, (wall, cpu, size) in figures.items():
        label = "geojson (region 11)" if fmt == "geojson" else fmt
        print(f"  {label:<24} {wall * 1000:>8.0f} ms  {cpu * 1000:>8.0f} ms  {size:>11,} bytes")
    if not args.no_pdf:
        pdf_figures(path, args.repeat)
    wall, cpu, _ = figures["csv"]
    print(f"  CSV / sqlite3 CLI: {wall / anchor_s:.2f}x wall, {cpu / anchor_cpu:.2f}x CPU (goal <= 3x); "
          f"CSV {wall:.2f} s (goal <= 0.5 s), XLSX {figures['xlsx'][0]:.2f} s (goal <= 1.5 s)")


if __name__ == "__main__":
    main()

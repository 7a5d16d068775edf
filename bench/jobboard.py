"""Job-board query timings at N synthetic offers (issue 16's closing note: 100,000).

    PYTHONPATH=src python bench/jobboard.py [--offers 100000] [--url sqlite:///tmp/jb.db]

Creates a fresh migrated database (SQLite file by default, or a PostgreSQL URL whose tables are
emptied first: use a scratch database), one ROME occupation per family used, 200 synthetic
actors with a site each, N synthetic offers spread over them (bulk insert, labelled synthetic),
then times the jobs page's queries (search with facets: none, a contract, a region, words, a ROME
family), the map layer over France and the indicators; median of 5 runs each."""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import delete, insert, select  # noqa: E402

from bioatlas.atlas.models import Actor, Site, Source  # noqa: E402
from bioatlas.core import migrate  # noqa: E402
from bioatlas.core.db import make_engine, make_sessionmaker  # noqa: E402
from bioatlas.jobboard import layers, service  # noqa: E402
from bioatlas.jobboard.fields import CONTRACTS  # noqa: E402
from bioatlas.jobboard.models import JobOffer  # noqa: E402
from bioatlas.occupations.models import Occupation  # noqa: E402

ROME = ["H2302", "H2303", "H1510", "H1502", "H1402", "H1206", "K2402", "J1202"]
REGIONS = [("11", "91", 48.63, 2.44), ("84", "69", 45.75, 4.85), ("44", "67", 48.58, 7.75), ("76", "31", 43.6, 1.44),
           ("52", "44", 47.22, -1.55), ("32", "59", 50.63, 3.06)]
WORDS = ["Opérateur", "Technicien", "Ingénieur", "Responsable", "Chargé", "Pharmacien"]


def timed(fn, runs: int = 5) -> float:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--offers", type=int, default=100_000)
    ap.add_argument("--url", default="sqlite:////tmp/bioatlas-jobboard-bench.db")
    args = ap.parse_args()
    if args.url.startswith("sqlite:///"):
        Path(args.url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    engine = make_engine(args.url)
    migrate.upgrade(engine)
    factory = make_sessionmaker(engine)
    rng = random.Random(16)
    t0 = time.perf_counter()
    with factory() as s:
        s.execute(delete(JobOffer))
        old = s.scalar(select(Source.id).where(Source.key == "bench:jobboard-synthetic"))
        if old is not None:  # a previous run on this (scratch) database
            s.execute(delete(Site).where(Site.source_id == old))
            s.execute(delete(Actor).where(Actor.name.like("Employeur synthétique %")))
            s.execute(delete(Occupation).where(Occupation.source_id == old))
            s.execute(delete(Source).where(Source.id == old))
        src = Source(key="bench:jobboard-synthetic", title="Synthetic bench data", kind="synthetic")
        s.add(src)
        s.flush()
        for code in ROME:
            s.add(Occupation(code=code, label=f"Occupation {code}", label_key=code.lower(), domain=code[0],
                             subdomain=code[:3], source_id=src.id))
        actors = []
        for i in range(200):
            a = Actor(name=f"Employeur synthétique {i}", name_key=f"employeur synthetique {i}", kind="company")
            s.add(a)
            s.flush()
            region, dept, lat, lon = REGIONS[i % len(REGIONS)]
            site = Site(actor_id=a.id, region=region, departement=dept, latitude=lat + rng.uniform(-.3, .3),
                        longitude=lon + rng.uniform(-.3, .3), commune_name="Commune", source_id=src.id)
            s.add(site)
            s.flush()
            actors.append((a.id, site.id, region, dept, site.latitude, site.longitude))
        now = datetime.now(timezone.utc)
        rows = []
        for n in range(args.offers):
            actor_id, site_id, region, dept, lat, lon = actors[n % len(actors)]
            code, word = rng.choice(ROME), rng.choice(WORDS)
            title = f"{word} synthétique {n}"
            rows.append(dict(actor_id=actor_id, site_id=site_id, employer_name=f"Employeur synthétique {actor_id}",
                             title=title, search_key=title.lower().replace("é", "e"), rome_code=code,
                             rome_label="", rome_version="bench", contract=rng.choice(CONTRACTS), experience="any",
                             education="any", skills=[], gmp_environment=rng.random() < .5, remote_share=0,
                             description_fr="Offre synthétique de mesure.", description_en="", apply_url="https://bench.invalid",
                             expires_on=date.today() + timedelta(days=rng.randint(-30, 90)),
                             status="open", origin="demo", external_id=f"bench-{n}", synthetic=True,
                             commune_name="Commune", departement=dept, region=region, latitude=lat, longitude=lon,
                             created_at=now - timedelta(minutes=n), updated_at=now))
            if len(rows) == 5000:
                s.execute(insert(JobOffer), rows)
                rows = []
        if rows:
            s.execute(insert(JobOffer), rows)
        s.commit()
    print(f"{args.offers:,} synthetic offers loaded in {time.perf_counter() - t0:.1f} s ({engine.dialect.name})")
    with factory() as s:
        cases = {
            "search, no filter (facets)": {},
            "search, contract=cdi": {"contract": ["cdi"]},
            "search, region=11": {"region": ["11"]},
            "search, q=technicien": {"q": ["technicien"]},
            "search, rome=H23 + gmp": {"rome": ["H23"], "gmp": ["1"]},
        }
        for label, params in cases.items():
            q = service.parse_query(params)
            total = service.search(s, query=q).total
            print(f"{label:32} {timed(lambda q=q: service.search(s, query=q)):8.1f} ms  ({total:,} matches)")
        france = (-5.5, 41.0, 10.0, 51.5)
        print(f"{'map layer, France, limit 5000':32} "
              f"{timed(lambda: layers.offer_points(s, bbox=france, filters={}, lang='fr', limit=5000)):8.1f} ms")
        print(f"{'indicators':32} {timed(lambda: service.indicators(s)):8.1f} ms")


if __name__ == "__main__":
    main()

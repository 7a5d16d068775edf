"""Partner-search matching: latency of "matches for one request".

SYNTHETIC DATA. Offers, requests and their actors are invented and say so ("Acteur synthétique
N", opportunities titled "Opportunité synthétique N", `synthetic_note` set); nothing in them
describes a real organisation or need.

    .venv/bin/python bench/matching.py                       # pure: 100,000 sides; service/HTTP: 2,000 rows
    .venv/bin/python bench/matching.py --pure 100000 --db 20000 --requests 50

1. **pure** (`opportunities.matching`, no database): N sides (half offers, half requests) with
   random modalities, steps, expression systems, scale ranges, GMP grades, windows and regions
   drawn from the atlas's taxonomies; for R random requests, pair it with every offer and rank
   (one per actor, top 10). Prints p50/p95 per request and the mean number of survivors of the
   hard constraints.
2. **service and HTTP**: a fresh SQLite database (migrated), M synthetic actors spread over the
   regions, M published opportunities; `service.matches(...)` in-process and
   `GET /api/v1/opportunities/{id}/matches` through the ASGI test client, R requests each;
   p50/p95.

Not measured here: precision@10 on hand-labelled requests against the demo's real actors (no
labelled set exists yet; see docs/opportunities.md).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from bioatlas.atlas.service import taxonomies as load_taxonomies  # noqa: E402
from bioatlas.opportunities import matching  # noqa: E402

REGIONS = ("11", "84", "76", "75", "44", "32", "93", "52", "53", "28", "27", "24", "94")
KINDS = ("startup", "cdmo", "research_unit", "university", "tech_platform", "sme", "large_group")
GMP = ("none", "gmp_clinical", "gmp_commercial")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def random_doc(rnd: random.Random, tax, today: date, direction: str) -> dict:
    low = rnd.choice((1, 10, 50, 200, 500, 1000))
    start = today + timedelta(days=rnd.randint(0, 200))
    return {"direction": direction, "kind": rnd.choice(("capacity", "capacity", "technology")),
            "modalities": rnd.sample(tax["mods"], 2), "steps": [rnd.choice(tax["steps"])],
            "expression_systems": [rnd.choice(tax["systems"])],
            "capacity": {"scale_min_l": float(low), "scale_max_l": float(low * rnd.choice((2, 5, 10))),
                         "gmp": rnd.choice(GMP), "window_from": start.isoformat(),
                         "window_to": (start + timedelta(days=rnd.randint(30, 300))).isoformat()},
            "regions": [rnd.choice(REGIONS)] if direction == "request" and rnd.random() < 0.3 else []}


def pure(n: int, requests: int, seed: int) -> None:
    taxonomies = load_taxonomies()
    tax = {"mods": sorted(taxonomies["modalities"].terms), "steps": sorted(taxonomies["value_chain"].terms),
           "systems": sorted(taxonomies["expression_systems"].terms)}
    rnd, today = random.Random(seed), date.today()
    words = [f"mot{i}" for i in range(400)]
    sides = []
    for i in range(n):
        direction = "offer" if i % 2 == 0 else "request"
        d = random_doc(rnd, tax, today, direction)
        actor = rnd.randint(1, n // 4)
        sides.append(matching.Side(direction=direction, kind=d["kind"], actor_id=actor,
                                   actor_kind=rnd.choice(KINDS), actor_regions=frozenset({rnd.choice(REGIONS)}),
                                   modalities=frozenset(d["modalities"]), steps=frozenset(d["steps"]),
                                   expression_systems=frozenset(d["expression_systems"]), capacity=d["capacity"],
                                   regions=frozenset(d["regions"]), words=frozenset(rnd.sample(words, 12))))
    offers = [s for s in sides if s.direction == "offer"]
    asks = [s for s in sides if s.direction == "request"]
    times, survivors = [], []
    for request in rnd.sample(asks, requests):
        started = time.perf_counter()
        fits = [(i, o.actor_id, f) for i, o in enumerate(offers)
                if (f := matching.pair(request, o, modalities=taxonomies["modalities"])) is not None]
        matching.rank(fits, limit=10)
        times.append(time.perf_counter() - started)
        survivors.append(len(fits))
    print(f"pure: {n:,} synthetic sides ({len(offers):,} offers), {requests} requests: "
          f"p50 {1000 * pct(times, 0.5):.0f} ms, p95 {1000 * pct(times, 0.95):.0f} ms, "
          f"mean survivors {statistics.mean(survivors):.0f}")


def service_and_http(m: int, requests: int, seed: int) -> None:
    from fastapi.testclient import TestClient

    from bioatlas.accounts.policy import ANONYMOUS
    from bioatlas.app import create_app
    from bioatlas.atlas.service import ActorRecord, SiteRecord, SourceRecord, gazetteer, get_or_create_source, upsert_actor
    from bioatlas.core.config import load_settings
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.core.migrate import upgrade
    from bioatlas.opportunities import service
    from bioatlas.opportunities.models import Opportunity

    taxonomies = load_taxonomies()
    tax = {"mods": sorted(taxonomies["modalities"].terms), "steps": sorted(taxonomies["value_chain"].terms),
           "systems": sorted(taxonomies["expression_systems"].terms)}
    rnd, today = random.Random(seed), date.today()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        engine = make_engine(url)
        upgrade(engine)
        factory = make_sessionmaker(engine)
        started = time.perf_counter()
        postcodes = ("91000", "69007", "75013", "33000", "67000", "31000", "13001", "44000", "35000", "59000")
        places = {p: gazetteer().geocode(postcode=p) for p in postcodes}
        n_actors = max(10, m // 5)
        with factory() as s:
            source = get_or_create_source(s, record=SourceRecord(key="bench:matching-synthetic", kind="synthetic",
                                                                 title="Acteurs synthétiques du banc de mesure"))
            actors = []
            for i in range(n_actors):
                pc = rnd.choice(postcodes)
                place = places[pc]
                rec = ActorRecord(name=f"Acteur synthétique {i}", kind=rnd.choice(KINDS), sites=[SiteRecord(
                    role="hq", postcode=pc, commune_insee=place.insee, commune_name=place.name,
                    departement=place.departement, region=place.region, latitude=place.latitude,
                    longitude=place.longitude, precision="commune")])
                actors.append(upsert_actor(s, record=rec, source=source, match_by_name=False, schemes=()).actor_id)
            s.commit()
            for i in range(m):
                d = random_doc(rnd, tax, today, "offer" if i % 2 == 0 else "request")
                s.add(Opportunity(actor_id=rnd.choice(actors), status="published", title_fr=f"Opportunité synthétique {i}",
                                  title_en="", description_fr="", description_en="", countries=[],
                                  synthetic_note="synthetic benchmark record", published_at=service.now(),
                                  expires_on=today + timedelta(days=90), **d))
            s.commit()
            ids = [o for (o,) in s.execute(Opportunity.__table__.select().with_only_columns(Opportunity.id)
                                           .where(Opportunity.direction == "request"))]
        print(f"service/HTTP: {n_actors:,} synthetic actors, {m:,} published opportunities loaded in "
              f"{time.perf_counter() - started:.1f} s")
        sample = rnd.sample(ids, min(requests, len(ids)))
        times = []
        with factory() as s:
            for oid in sample:
                t0 = time.perf_counter()
                service.matches(s, opportunity_id=oid, taxonomies=taxonomies, principal=ANONYMOUS)
                times.append(time.perf_counter() - t0)
        print(f"  service.matches in-process: p50 {1000 * pct(times, 0.5):.0f} ms, p95 {1000 * pct(times, 0.95):.0f} ms")
        app = create_app(load_settings(database_url=url, data_dir=Path(tmp), environment="test"))
        times = []
        with TestClient(app) as client:
            for oid in sample:
                t0 = time.perf_counter()
                r = client.get(f"/api/v1/opportunities/{oid}/matches")
                times.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text
        print(f"  GET /api/v1/opportunities/{{id}}/matches (ASGI test client): p50 {1000 * pct(times, 0.5):.0f} ms, "
              f"p95 {1000 * pct(times, 0.95):.0f} ms")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pure", type=int, default=100_000, help="synthetic sides for the pure pairing")
    parser.add_argument("--db", type=int, default=2_000, help="synthetic published opportunities in the database")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    if args.pure:
        pure(args.pure, args.requests, args.seed)
    if args.db:
        service_and_http(args.db, args.requests, args.seed)


if __name__ == "__main__":
    main()

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
import shutil
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


def _load(url: str, m: int, rnd: random.Random, tax: dict, today: date) -> list[int]:
    """A migrated SQLite file with M/50 synthetic actors over ten real places and M published
    synthetic opportunities (bulk inserts with the same derived columns the model keeps);
    the ids of the requests."""
    from sqlalchemy import insert, select

    from bioatlas.atlas.service import ActorRecord, SiteRecord, SourceRecord, gazetteer, get_or_create_source, upsert_actor
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.core.migrate import upgrade
    from bioatlas.opportunities import service
    from bioatlas.opportunities.models import Opportunity, OpportunityModality, capacity_columns

    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    postcodes = ("91000", "69007", "75013", "33000", "67000", "31000", "13001", "44000", "35000", "59000")
    places = {p: gazetteer().geocode(postcode=p) for p in postcodes}
    with factory() as s:
        source = get_or_create_source(s, record=SourceRecord(key="bench:matching-synthetic", kind="synthetic",
                                                             title="Acteurs synthétiques du banc de mesure"))
        actors = []
        for i in range(max(10, m // 50)):
            pc = rnd.choice(postcodes)
            place = places[pc]
            rec = ActorRecord(name=f"Acteur synthétique {i}", kind=rnd.choice(KINDS), sites=[SiteRecord(
                role="hq", postcode=pc, commune_insee=place.insee, commune_name=place.name,
                departement=place.departement, region=place.region, latitude=place.latitude,
                longitude=place.longitude, precision="commune")])
            actors.append(upsert_actor(s, record=rec, source=source, match_by_name=False, schemes=()).actor_id)
        s.commit()
        published, expires = service.now(), today + timedelta(days=90)
        for chunk in range(0, m, 5000):
            rows, first = [], chunk + 1
            for i in range(chunk, min(m, chunk + 5000)):
                d = random_doc(rnd, tax, today, "offer" if i % 2 == 0 else "request")
                rows.append({"id": i + 1, "actor_id": rnd.choice(actors), "status": "published",
                             "title_fr": f"Opportunité synthétique {i}", "title_en": "", "description_fr": "",
                             "description_en": "", "countries": [], "partner_kinds": [], "confidential": False,
                             "synthetic_note": "synthetic benchmark record", "published_at": published,
                             "created_at": published, "updated_at": published, "expires_on": expires,
                             **d, **capacity_columns(d["capacity"])})
            s.execute(insert(Opportunity), rows)
            s.execute(insert(OpportunityModality), [{"opportunity_id": r["id"], "code": c} for r in rows
                                                    for c in (sorted(set(r["modalities"])) or [""])])
            assert rows[0]["id"] == first
        s.commit()
        ids = list(s.scalars(select(Opportunity.id).where(Opportunity.direction == "request")))
    engine.dispose()
    return ids


def _timed(fn, times: list[float]) -> None:
    t0 = time.perf_counter()
    fn()
    times.append(time.perf_counter() - t0)


def _line(what: str, times: list[float], anchor: list[float]) -> str:
    p50, p95 = pct(times, 0.5), pct(times, 0.95)
    return (f"  {what}: p50 {1000 * p50:.0f} ms, p95 {1000 * p95:.0f} ms; anchor p50 {1000 * pct(anchor, 0.5):.1f} ms, "
            f"p95 {1000 * pct(anchor, 0.95):.1f} ms; ratio p50 {p50 / pct(anchor, 0.5):.1f}x, p95 {p95 / pct(anchor, 0.95):.1f}x")


def service_and_http(m: int, requests: int, seed: int, *, serve: bool) -> None:
    """matches for one request over M synthetic published opportunities in a SQLite file:
    in-process (anchor: a plain page of 20 opportunities read by id), through the ASGI test
    client and over HTTP from `bioatlas serve` (anchor: GET /api/v1/actors?limit=20, a plain
    list page of the atlas), the same requests, interleaved with the anchor."""
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from bioatlas.accounts.policy import ANONYMOUS
    from bioatlas.app import create_app
    from bioatlas.core.config import load_settings
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.opportunities import service
    from bioatlas.opportunities.models import Opportunity

    taxonomies = load_taxonomies()
    tax = {"mods": sorted(taxonomies["modalities"].terms), "steps": sorted(taxonomies["value_chain"].terms),
           "systems": sorted(taxonomies["expression_systems"].terms)}
    rnd, today = random.Random(seed), date.today()
    with tempfile.TemporaryDirectory() as tmp:
        cached = ROOT / "var" / "bench" / f"matching-{m}-{seed}-{today.isoformat()}.sqlite3"
        url = f"sqlite:///{cached}"
        started = time.perf_counter()
        if cached.exists():  # built by an earlier run today (same size and seed): the same rows
            from bioatlas.core.db import make_engine as _engine

            with _engine(url).connect() as conn:
                ids = [i for (i,) in conn.execute(select(Opportunity.id).where(Opportunity.direction == "request"))]
        else:
            cached.parent.mkdir(parents=True, exist_ok=True)
            ids = _load(f"sqlite:///{tmp}/bench.sqlite3", m, rnd, tax, today)
            shutil.copyfile(f"{tmp}/bench.sqlite3", cached)
        print(f"service/HTTP: {m:,} synthetic published opportunities, {max(10, m // 50):,} synthetic actors, "
              f"{'read from ' + str(cached.relative_to(ROOT)) if time.perf_counter() - started < 5 else 'loaded'} in "
              f"{time.perf_counter() - started:.0f} s; {requests} requests each, interleaved with the anchor")
        sample = rnd.sample(ids, min(requests, len(ids)))
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        times, anchor, sizes = [], [], []
        with factory() as s:
            for oid in sample:
                _timed(lambda oid=oid: sizes.append(len(service.matches(s, opportunity_id=oid, taxonomies=taxonomies,
                                                                        principal=ANONYMOUS))), times)
                _timed(lambda oid=oid: list(s.scalars(select(Opportunity).where(Opportunity.id >= oid)
                                                      .order_by(Opportunity.id).limit(20))), anchor)
        engine.dispose()
        print(_line("service.matches in-process", times, anchor) + f"; mean suggestions {statistics.mean(sizes):.1f}")
        app = create_app(load_settings(database_url=url, data_dir=Path(tmp), environment="test"))
        times, anchor = [], []
        with TestClient(app) as client:
            for oid in sample:
                _timed(lambda oid=oid: _ok(client.get(f"/api/v1/opportunities/{oid}/matches")), times)
                _timed(lambda: _ok(client.get("/api/v1/actors", params={"limit": 20})), anchor)
        print(_line("GET /api/v1/opportunities/{id}/matches, ASGI test client", times, anchor))
        if serve:
            _over_http(url, tmp, sample)


def _ok(response) -> None:
    assert response.status_code == 200, response.text[:500]


def _over_http(url: str, tmp: str, sample: list[int]) -> None:
    """The same requests from `bioatlas serve` (one uvicorn worker) on 127.0.0.1, one at a time."""
    import os

    import httpx

    sys.path.insert(0, str(ROOT))
    from bench.common import free_port, start_server, stop_server, wait_warm
    from bench.http_load import wait_port

    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "BIOATLAS_DATA_DIR": tmp, "PYTHONPATH": str(ROOT / "src"),
           "BIOATLAS_RESPONSE_CACHE": "false"}  # every answer computed, the anchor too
    server = start_server([sys.executable, "-m", "bioatlas", "serve", "--port", str(port), "--workers", "1"], env,
                   Path(tmp) / "server.log")
    try:
        wait_port(port, server)
        wait_warm(port)
        times, anchor = [], []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for oid in sample:
                _timed(lambda oid=oid: _ok(client.get(f"/api/v1/opportunities/{oid}/matches")), times)
                _timed(lambda: _ok(client.get("/api/v1/actors", params={"limit": 20})), anchor)
        print(_line("GET /api/v1/opportunities/{id}/matches over HTTP (bioatlas serve, 1 worker)", times, anchor))
    finally:
        stop_server(server)


def precision(demo_db: Path, *, verbose: bool) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.matching_precision import run

    if not demo_db.exists():
        raise SystemExit(f"{demo_db}: no demo database (DATABASE_URL=sqlite:///{demo_db} bioatlas demo load)")
    for state_partner in (False, True):
        started = time.perf_counter()
        _, summary = run(demo_db, verbose=verbose, state_partner=state_partner)
        how = "requests stating the partner sought" if state_partner else "requests without the partner sought"
        print(f"precision@10 on the gold set ({how}; synthetic requests, real demo actors): {summary['precision_at_k']} "
          f"(n={summary['n']} requests with a relevant actor; left out, none relevant: {', '.join(summary['left_out']) or '-'}); "
              f"ceiling min(10,|gold|)/10: {summary['ceiling']}; precision of what is shown: {summary['shown_precision']} "
              f"(n={summary['n_shown']}); no suggestion at all: {', '.join(summary['empty']) or '-'} "
              f"[{time.perf_counter() - started:.0f} s]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pure", type=int, default=100_000, help="synthetic sides for the pure pairing")
    parser.add_argument("--db", type=int, default=100_000, help="synthetic published opportunities in the database")
    parser.add_argument("--no-serve", action="store_true", help="skip the measure over HTTP from `bioatlas serve`")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--precision", action="store_true",
                        help="precision@10 on the gold set (bench/data/matching_gold) against a demo database")
    parser.add_argument("--demo-db", type=Path, default=ROOT / "var" / "bench" / "demo.sqlite3",
                        help="a SQLite file holding the demo (`bioatlas demo load`); copied, never changed")
    parser.add_argument("--verbose", action="store_true", help="print each request's suggestions (+ relevant, - not)")
    args = parser.parse_args()
    if args.precision:
        precision(args.demo_db, verbose=args.verbose)
        return
    if args.pure:
        pure(args.pure, args.requests, args.seed)
    if args.db:
        service_and_http(args.db, args.requests, args.seed, serve=not args.no_serve)


if __name__ == "__main__":
    main()

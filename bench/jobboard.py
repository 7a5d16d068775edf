"""Job-board query timings at N synthetic offers (issue 16's closing note: 100,000).

    PYTHONPATH=src python bench/jobboard.py [--offers 100000] [--url sqlite:///tmp/jb.db]

Creates a fresh migrated database (SQLite file by default, or a PostgreSQL URL whose tables are
emptied first: use a scratch database), one ROME occupation per family used, 200 synthetic
actors with a site each, N synthetic offers spread over them (bulk insert, labelled synthetic),
then times the jobs page's queries (search with facets: none, a contract, a region, words, a ROME
family, the employer's modality and value-chain step), the map layer over France and the
indicators; median of 5 runs each. Then --searches saved searches (10,000) and the alert matching
of new offers: SQL prefilter + Python on the candidates (`alerts.matching_searches`) against the
previous way (every saved search parsed and checked in Python), with the same answers checked.

The machine is shared: every figure is also given as a ratio to an anchor measured in the same
run (a full count of the offers table, `SELECT count(*) ... WHERE description_fr LIKE '%x%'`),
which moves with the load like the rest."""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import delete, func, insert, select  # noqa: E402

from bioatlas.accounts.models import User  # noqa: E402
from bioatlas.atlas.models import Actor, Capability, Site, Source  # noqa: E402
from bioatlas.core import migrate  # noqa: E402
from bioatlas.core.db import make_engine, make_sessionmaker  # noqa: E402
from bioatlas.jobboard import alerts, employers, layers, search, service  # noqa: E402
from bioatlas.jobboard.fields import CONTRACTS  # noqa: E402
from bioatlas.jobboard.models import JobOffer, SavedSearch  # noqa: E402
from bioatlas.occupations.models import Occupation  # noqa: E402

ROME = ["H2302", "H2303", "H1510", "H1502", "H1402", "H1206", "K2402", "J1202"]
REGIONS = [("11", "91", 48.63, 2.44), ("84", "69", 45.75, 4.85), ("44", "67", 48.58, 7.75), ("76", "31", 43.6, 1.44),
           ("52", "44", 47.22, -1.55), ("32", "59", 50.63, 3.06)]
WORDS = ["Opérateur", "Technicien", "Ingénieur", "Responsable", "Chargé", "Pharmacien"]
MODALITIES = ["mab", "recombinant_protein", "vaccine", "aav", "lentiviral", "car_t", "nucleic_acid"]
STEPS = ["research", "process_development", "upstream", "downstream", "fill_finish", "analytics_qc"]
BENCH_USER = "bench-jobboard@bench.invalid"
NEAR = ["91000", "69007", "67000", "31000", "44000", "59000", "75013"]


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
    ap.add_argument("--searches", type=int, default=10_000)
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
        s.execute(delete(SavedSearch))
        old = s.scalar(select(Source.id).where(Source.key == "bench:jobboard-synthetic"))
        if old is not None:  # a previous run on this (scratch) database
            s.execute(delete(Site).where(Site.source_id == old))
            s.execute(delete(Capability).where(Capability.source_id == old))
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
            for facet, pool in (("modalities", MODALITIES), ("value_chain", STEPS)):
                for code in rng.sample(pool, 2):
                    s.add(Capability(actor_id=a.id, facet=facet, code=code, source_id=src.id))
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
        def anchor_query():
            return s.scalar(select(func.count(JobOffer.id)).where(JobOffer.description_fr.like("%x%")))
        anchor = timed(anchor_query)
        print(f"{'anchor: count(*) LIKE scan':32} {anchor:8.1f} ms  (ratio 1.0)")

        def line(label: str, ms: float, extra: str = "") -> None:
            print(f"{label:32} {ms:8.1f} ms  ratio {ms / anchor:5.2f}  {extra}")
        cases = {
            "search, no filter (facets)": {},
            "search, contract=cdi": {"contract": ["cdi"]},
            "search, region=11": {"region": ["11"]},
            "search, q=technicien": {"q": ["technicien"]},
            "search, rome=H23 + gmp": {"rome": ["H23"], "gmp": ["1"]},
            "search, modality=viral_vector": {"modality": ["viral_vector"]},
            "search, step=upstream+region=11": {"step": ["upstream"], "region": ["11"]},
        }
        for label, params in cases.items():
            q = service.parse_query(params)
            total = service.search(s, query=q).total
            line(label, timed(lambda q=q: service.search(s, query=q)), f"({total:,} matches)")
        nothing = service.parse_query({})
        line("search, no filter, no facets", timed(lambda: service.search(s, query=nothing, facets=False)))
        where = search.conditions(nothing, date.today())
        line("  employer capability facets", timed(lambda: employers.facet_counts(s, where=where)))
        france = (-5.5, 41.0, 10.0, 51.5)
        line("map layer, France, limit 5000", timed(lambda: layers.offer_points(s, bbox=france, filters={}, lang="fr",
                                                                                limit=5000)))
        line("indicators", timed(lambda: service.indicators(s)))
    if args.searches:
        bench_alerts(factory, rng, args.searches, anchor)


def _search_params(rng: random.Random) -> dict[str, list[str]]:
    """A saved search as users make them: one to three conditions."""
    pool = [("contract", lambda: [rng.choice(CONTRACTS)]), ("region", lambda: [rng.choice(REGIONS)[0]]),
            ("rome", lambda: [rng.choice(ROME)[:3]]), ("q", lambda: [rng.choice(WORDS)]),
            ("gmp", lambda: ["1"]), ("modality", lambda: [rng.choice(MODALITIES)]),
            ("step", lambda: [rng.choice(STEPS)]), ("near", lambda: [rng.choice(NEAR)])]
    params = {name: make() for name, make in rng.sample(pool, rng.randint(1, 3))}
    if "near" in params:
        params["km"] = [str(rng.choice((10, 30, 80)))]
    return params


def bench_alerts(factory, rng: random.Random, n: int, anchor: float) -> None:
    t0 = time.perf_counter()
    with factory() as s:
        user = s.scalar(select(User).where(User.email_key == BENCH_USER))
        if user is None:
            user = User(email=BENCH_USER, email_key=BENCH_USER, display_name="Participant de mesure (synthétique)")
            s.add(user)
            s.flush()
        rows = []
        for _ in range(n):
            q = service.parse_query(_search_params(rng))
            rows.append(dict(user_id=user.id, params=q.chosen, created_at=datetime.now(timezone.utc),
                             **alerts.index_columns(q)))
        s.execute(insert(SavedSearch), rows)
        s.commit()
    print(f"{n:,} saved searches stored in {time.perf_counter() - t0:.1f} s")
    with factory() as s:
        ids = list(s.scalars(select(JobOffer.id).where(JobOffer.status == "open").order_by(JobOffer.id).limit(2000)))
        sample = [s.get(JobOffer, i) for i in rng.sample(ids, 20)]

        def everything_in_python(offer):  # the previous way: parse and check every saved search
            codes = alerts.employers.actor_codes(s, actor_ids=[offer.actor_id])[offer.actor_id]
            return [x.id for x in s.scalars(select(SavedSearch).order_by(SavedSearch.id))
                    if service.matches(offer, service.parse_query(x.params), employer=codes)]
        found = [len(alerts.matching_searches(s, offer=o)) for o in sample]
        candidates = [len(alerts.candidates(s, offer=o)) for o in sample]
        for o in sample[:3]:
            assert [x.id for x in alerts.matching_searches(s, offer=o)] == everything_in_python(o)
        new = statistics.median([timed(lambda o=o: alerts.matching_searches(s, offer=o), runs=1) for o in sample])
        old = statistics.median([timed(lambda o=o: everything_in_python(o), runs=1) for o in sample[:5]])
    print(f"alerts: per new offer, {statistics.median(candidates):,.0f} SQL candidates of {n:,}, "
          f"{statistics.median(found):,.0f} matches (medians over 20 offers; same answers as the old way on 3)")
    print(f"{'alert matching, SQL prefilter':32} {new:8.1f} ms  ratio {new / anchor:5.2f}  (median of 20 offers)")
    print(f"{'alert matching, all in Python':32} {old:8.1f} ms  ratio {old / anchor:5.2f}  (previous way, median of 5)")
    print(f"speed-up of the prefilter: {old / new:.1f}x")

if __name__ == "__main__":
    main()

"""Semantic search at scale: encoder rate, index build time and memory, top-20 latency (p50, p95)
and recall@20 against exact search, at 1,000,000 actors.

Encoding a million texts on this machine would take about 40 minutes (the encoder is measured
first), so the scale part uses SYNTHETIC VECTORS: `--sample` synthetic actors of
`bench/synthetic.py` are really encoded, and the million vectors are drawn around them (each = one
encoded text + Gaussian noise, renormalised). Queries are real French and English sentences,
really encoded. A second, end-to-end part loads `--db-n` synthetic actors into a SQLite file,
encodes them through `bioatlas.search.semantic` and times `semantic_search` itself.

    .venv/bin/python bench/semantic.py [--n 1000000] [--sample 3000] [--db-n 3000] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT / "src", ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from datetime import UTC

from bench.synthetic import generate_actors, load_synthetic
from bioatlas.search.semantic import encoder
from bioatlas.search.semantic.documents import compose
from bioatlas.search.semantic.vectors import VectorIndex

QUERIES = [
    "vecteurs viraux AAV pour la thérapie génique", "AAV viral vectors for gene therapy",
    "CDMO pour lots cliniques de thérapie cellulaire", "CDMO for clinical batches of cell therapy",
    "production d'anticorps monoclonaux en GMP", "GMP monoclonal antibody manufacturing",
    "bioproduction de vaccins à ARN messager", "mRNA vaccine bioproduction",
    "plateforme de recherche en immunologie", "immunology research platform",
    "start-up de biotechnologie à Lyon", "biotech start-up near Lyon",
    "fabrication de protéines recombinantes en CHO", "recombinant protein production in CHO cells",
    "cellules CAR-T autologues", "autologous CAR-T cells",
    "purification et contrôle qualité des biomédicaments", "downstream purification and quality control of biologics",
    "formation aux métiers de la bioproduction", "bioproduction training centre",
    "thérapie génique des maladies rares", "gene therapy for rare diseases",
    "pôle de compétitivité santé en Île-de-France", "health competitiveness cluster in Paris region",
    "incubateur de biotechnologies", "biotechnology incubator",
    "laboratoire d'oncologie translationnelle", "translational oncology laboratory",
    "remplissage aseptique et conditionnement", "aseptic fill and finish",
    "production de cellules souches", "stem cell manufacturing",
    "bioréacteurs à usage unique de 2000 litres", "2000 litre single-use bioreactors",
    "hôpital universitaire et essais cliniques", "university hospital clinical trials",
    "virus oncolytiques", "oncolytic viruses", "microbiote et biothérapies", "microbiome therapeutics",
]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values, q) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def encoder_rate(sample: int, seed: int) -> tuple[np.ndarray, float, float]:
    texts = [
        compose(r.name, [v for _, v, _ in (r.names or [])], r.kind, r.description_fr, r.description_en,
                [(facet, code) for facet, codes in (r.capabilities or {}).items() for code in codes],
                [s.commune_name for s in (r.sites or [])])
        for r in generate_actors(sample, seed)
    ]
    encoder.encode(texts[:8])  # load the model
    start = time.perf_counter()
    vectors = encoder.encode(texts)
    seconds = time.perf_counter() - start
    return vectors, sample / seconds, float(np.mean([len(t) for t in texts]))


def synthetic_vectors(bases: np.ndarray, n: int, noise: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, bases.shape[1]), dtype=np.float32)
    for s in range(0, n, 100_000):
        m = min(100_000, n - s)
        v = bases[rng.integers(0, len(bases), m)] + rng.standard_normal((m, bases.shape[1]), dtype=np.float32) * noise
        out[s:s + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def scale_part(args, bases: np.ndarray, queries: np.ndarray) -> None:
    from bioatlas.search.semantic.service import _one_blas_thread

    one_blas_thread = _one_blas_thread()
    print(f"\n[scale] {args.n:,} SYNTHETIC vectors drawn around {len(bases):,} encoded synthetic actor texts "
          f"(noise σ={args.noise} per dimension)")
    data = synthetic_vectors(bases, args.n, args.noise, args.seed)
    ids = np.arange(1, args.n + 1, dtype=np.int64)
    cos = float(np.mean(np.sum(data[:2000] * bases[np.argmax(data[:2000] @ bases.T, axis=1)], axis=1)))
    print(f"  mean cosine of a synthetic vector to its nearest encoded text: {cos:.3f}")
    rss_before = rss_mb()
    start = time.perf_counter()
    index = VectorIndex(ids, data)
    build = time.perf_counter() - start
    nlist = 0 if index.centroids is None else len(index.centroids)
    print(f"  index build: {build:.1f} s (IVF, {nlist} lists, nprobe {getattr(index, 'nprobe', 0)}); "
          f"index memory {index.nbytes / 2**20:,.0f} MiB; process peak RSS {rss_mb():,.0f} MiB "
          f"(before build {rss_before:,.0f} MiB)")
    exact_ids, exact_times = [], []
    for q in queries:
        t = time.perf_counter()
        exact_ids.append(set(ids[np.argpartition(-(data @ q), 20)[:20]].tolist()))
        exact_times.append(time.perf_counter() - t)
    print(f"  exact brute force (float32 matmul, all BLAS threads): p50 {pct(exact_times, 50):.1f} ms, "
          f"p95 {pct(exact_times, 95):.1f} ms")
    for nprobe in [int(x) for x in args.nprobe.split(",")] if args.nprobe else [index.nprobe]:
        index.nprobe = nprobe
        times, recalls = [], []
        for _ in range(args.rounds):
            for q, exact in zip(queries, exact_ids):
                t = time.perf_counter()
                with one_blas_thread():  # as semantic_search runs it
                    got, _ = index.search(q, 20)
                times.append(time.perf_counter() - t)
                recalls.append(len(exact & set(got.tolist())) / 20)
        print(f"  nprobe {nprobe}: top-20 search ({len(times)} searches) p50 {pct(times, 50):.1f} ms, "
              f"p95 {pct(times, 95):.1f} ms; recall@20 vs exact: mean {np.mean(recalls):.3f}, min {np.min(recalls):.2f}")
    allowed = np.sort(np.random.default_rng(args.seed).choice(ids, size=len(ids) // 10, replace=False))
    ftimes = []
    for q in queries:
        t = time.perf_counter()
        with one_blas_thread():
            index.search(q, 20, allowed)
        ftimes.append(time.perf_counter() - t)
    print(f"  top-20 restricted to 10% of the actors (actor_ids): p50 {pct(ftimes, 50):.1f} ms, p95 {pct(ftimes, 95):.1f} ms")


def database_part(args) -> None:
    from sqlalchemy import func, select

    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.search.semantic import semantic_search
    from bioatlas.search.semantic.models import ActorEmbedding
    from bioatlas.search.semantic.service import reset_indexes
    from bioatlas.search.semantic.store import embed_pending

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/semantic-bench.sqlite3"
        print(f"\n[end to end] {args.db_n:,} SYNTHETIC actors (bench/synthetic.py) in SQLite, then `search embed`")
        start = time.perf_counter()
        load_synthetic(url, args.db_n, args.seed, quiet=True, search_index=False)
        print(f"  bulk load (hooks off, as a large import): {time.perf_counter() - start:.1f} s")
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        stats = embed_pending(factory)
        print(f"  embed_pending (`bioatlas search embed`): {stats.encoded:,} encoded in {stats.seconds_encoding:.1f} s "
              f"of encoding ({stats.encoded / max(stats.seconds_encoding, 1e-9):,.0f} texts/s)")
        with factory() as s:
            stored = s.scalar(select(func.count()).select_from(ActorEmbedding))
            print(f"  vectors stored: {stored:,} ({Path(tmp, 'semantic-bench.sqlite3').stat().st_size / 2**20:.1f} MiB database)")
            reset_indexes()
            t = time.perf_counter()
            semantic_search(s, query=QUERIES[0], k=20)
            print(f"  first search (loads the index): {(time.perf_counter() - t) * 1000:.0f} ms")
            cold, warm = [], []
            for q in QUERIES:
                t = time.perf_counter()
                semantic_search(s, query=q, k=20)
                cold.append(time.perf_counter() - t)
            for q in QUERIES:
                t = time.perf_counter()
                semantic_search(s, query=q, k=20)
                warm.append(time.perf_counter() - t)
        engine.dispose()
        print(f"  semantic_search top-20, new query (encoding included): p50 {pct(cold, 50):.1f} ms, p95 {pct(cold, 95):.1f} ms")
        print(f"  semantic_search top-20, repeated query (cached vector): p50 {pct(warm, 50):.1f} ms, p95 {pct(warm, 95):.1f} ms")


def database_scale_part(args, bases: np.ndarray) -> None:
    """`--db-scale` actors written straight into a fresh SQLite atlas (minimal rows: name, kind)
    with SYNTHETIC vectors in `actor_embeddings`, then semantic_search itself: index load from the
    table, refresh and id checks included."""
    from datetime import datetime

    from sqlalchemy import insert

    from bioatlas.atlas.models import Actor
    from bioatlas.core import migrate
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.search.semantic import semantic_search
    from bioatlas.search.semantic.models import ActorEmbedding
    from bioatlas.search.semantic.service import _state_for, reset_indexes

    n = args.db_scale
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "semantic-scale.sqlite3")
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        print(f"\n[end to end at scale] {n:,} SYNTHETIC actors (name and kind only) with SYNTHETIC vectors in SQLite")
        start = time.perf_counter()
        now = datetime.now(UTC)
        model = encoder.model_id()
        with engine.begin() as conn:
            for s in range(0, n, 50_000):
                m = min(50_000, n - s)
                vecs = synthetic_vectors(bases, m, args.noise, args.seed + s).astype("<f2")
                conn.execute(insert(Actor), [{"id": s + i + 1, "name": f"[synthetic] actor {s + i + 1}",
                                              "name_key": f"synthetic actor {s + i + 1}", "kind": "company"}
                                             for i in range(m)])
                conn.execute(insert(ActorEmbedding), [{"actor_id": s + i + 1, "model": model, "text_hash": "-",
                                                       "vector": vecs[i].tobytes(), "embedded_at": now}
                                                      for i in range(m)])
        print(f"  written in {time.perf_counter() - start:.0f} s; database {path.stat().st_size / 2**20:,.0f} MiB")
        factory = make_sessionmaker(engine)
        queries = [q for q in QUERIES]
        with factory() as session:
            reset_indexes()
            t = time.perf_counter()
            semantic_search(session, query=queries[0], k=20)
            print(f"  first search: index loaded from the table and built in {time.perf_counter() - t:.1f} s "
                  f"({len(_state_for(session).index.ids):,} vectors)")
            for q in queries:
                semantic_search(session, query=q, k=20)  # query vectors cached: the timing below is the search
            times = []
            for _ in range(args.rounds):
                for q in queries:
                    t = time.perf_counter()
                    semantic_search(session, query=q, k=20)
                    times.append(time.perf_counter() - t)
        print(f"  semantic_search top-20 ({len(times)} searches, query vector cached): "
              f"p50 {pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms; peak RSS {rss_mb():,.0f} MiB")
        engine.dispose()
        reset_indexes()


def main(argv: list[str] | None = None) -> None:
    from bioatlas.core import listeners

    listeners.install()  # change log, search documents, vectors
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="vectors in the scale part (0: skip)")
    parser.add_argument("--sample", type=int, default=2000, help="synthetic actors really encoded")
    parser.add_argument("--db-n", type=int, default=2000, help="actors in the end-to-end part (0: skip)")
    parser.add_argument("--db-scale", type=int, default=0, help="actors for the end-to-end part at scale (0: skip)")
    parser.add_argument("--noise", type=float, default=0.05, help="σ of the noise around encoded texts")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the queries")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--nprobe", default="", help="comma-separated list sizes to try (default: the index's)")
    args = parser.parse_args(argv)
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    print(f"model: {encoder.model_id()} ({encoder.DIM} dimensions, stored float16)")
    bases, rate, mean_len = encoder_rate(args.sample, args.seed)
    print(f"[encoder] {args.sample:,} synthetic actor texts (mean {mean_len:.0f} characters): {rate:,.0f} texts/s "
          f"→ {args.n / rate / 60:,.0f} min to encode {args.n:,}")
    start = time.perf_counter()
    queries = encoder.encode(QUERIES)
    print(f"[encoder] {len(QUERIES)} queries: {(time.perf_counter() - start) / len(QUERIES) * 1000:.1f} ms per query (batched)")
    single = []
    for q in QUERIES[:10]:
        t = time.perf_counter()
        encoder.encode([q])
        single.append(time.perf_counter() - t)
    print(f"[encoder] one query alone: p50 {pct(single, 50):.1f} ms, p95 {pct(single, 95):.1f} ms")
    if args.db_n:
        database_part(args)
    if args.n:
        scale_part(args, bases, queries)
    if args.db_scale:
        database_scale_part(args, bases)
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

"""The search facet index (`facet_index.State`) saved beside a SQLite atlas and memory-mapped back
(`core/index_files.py`): a new process, or each worker of `bioatlas serve`, reads it in a
fraction of a second and shares its pages, instead of 14 s of SQL and 300 MB per process at a
million actors. The key holds the taxonomies' digest (a code's id depends on them); the files
reflect one change-log row (seq and its fingerprint) and `index_cache` absorbs what changed since."""

from __future__ import annotations

import hashlib
import json

import numpy as np
from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.core import index_files
from bioatlas.core.live_index import Held
from bioatlas.search import log_position
from bioatlas.search.facet_index import Pairs, Sites, State, vocabs_for

NAME = "search-facets"
FORMAT = 1  # of the arrays below: a change here makes older files unused
PAIR_FIELDS = ("indptr", "rows", "codes", "drows", "dcodes")
SITE_FIELDS = ("rows", "region", "dept", "lat", "lon")


def taxonomy_digest(taxonomies) -> str:
    """Every term and parent of every taxonomy, hashed: the facet code ids are numbered from them."""
    terms = {name: sorted((code, term.parent or "") for code, term in tax.terms.items())
             for name, tax in sorted(taxonomies.items())}
    return hashlib.sha256(json.dumps(terms, sort_keys=True).encode()).hexdigest()[:16]


def _key(taxonomies) -> dict:
    return {"format": FORMAT, "taxonomies": taxonomy_digest(taxonomies)}


def to_arrays(state: State) -> dict[str, np.ndarray]:
    arrays = {"ids": state.ids, "status": state.status, "scale": state.scale, "stale": state.stale,
              "in_scope": state.in_scope, **{f"scalar-{k}": v for k, v in state.scalars.items()}}
    for facet, p in state.pairs.items():
        arrays.update({f"pairs-{facet}-{f}": getattr(p, f) for f in PAIR_FIELDS})
    for prefix, sites in (("sites", state.sites), ("dsites", state.dsites)):
        arrays.update({f"{prefix}-{f}": getattr(sites, f) for f in SITE_FIELDS})
    return arrays


def from_arrays(arrays: dict[str, np.ndarray], meta: dict, taxonomies, seq: int, mark) -> State:
    vocabs = vocabs_for(taxonomies)
    for facet, codes in meta["vocabs"].items():
        vocab = vocabs[facet]
        for code in codes:
            vocab.id(code)
        if vocab.codes != codes:
            raise ValueError(f"the {facet} codes do not number as saved")
    pairs = {facet: Pairs(*(arrays[f"pairs-{facet}-{f}"] for f in PAIR_FIELDS)) for facet in meta["pairs"]}
    sites, dsites = (Sites(*(arrays[f"{prefix}-{f}"] for f in SITE_FIELDS)) for prefix in ("sites", "dsites"))
    scalars = {k: arrays[f"scalar-{k}"] for k in meta["scalars"]}
    return State(seq, mark, arrays["ids"], arrays["status"], scalars, arrays["scale"], arrays["stale"], pairs, sites,
                 dsites, vocabs, dict(meta["statuses"]), arrays["in_scope"])


class FacetFiles:
    """`core.live_index.Store` of the facet index."""

    def load(self, session: Session, args: tuple) -> Held[State] | None:
        (taxonomies,) = args
        found = index_files.load(session, NAME, _key(taxonomies), lambda seq: atlas.files_mark(session, seq=seq))
        if found is None:
            return None
        mark = log_position.mark(session, found.seq)  # the log row's (None for an empty log): the index's freshness
        try:
            state = from_arrays(found.arrays, found.meta, taxonomies, found.seq, mark)
        except Exception as exc:
            index_files.log.warning("index files %s: %s, rebuilding from the database", NAME, exc)
            return None
        return Held(state, found.seq, mark)

    def save(self, session: Session, held: Held[State], args: tuple) -> None:
        (taxonomies,) = args
        state = held.value
        meta = {"vocabs": {f: v.codes for f, v in state.vocabs.items()}, "pairs": list(state.pairs),
                "scalars": list(state.scalars), "statuses": list(state.statuses.items())}
        index_files.save(session, NAME, _key(taxonomies), held.seq, lambda seq: atlas.files_mark(session, seq=seq),
                         to_arrays(state), meta)

    def saved_seq(self, session: Session) -> int | None:
        return index_files.saved_seq(session, NAME)

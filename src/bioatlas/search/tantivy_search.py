"""A search answered by Tantivy itself (issue 19): the top-k of the text query with the view's
filters as clauses (block-max WAND prunes what cannot reach the page), the total as the engine's
count, and the facet counts as terms aggregations (each selected facet's counts from the query
without its own clause) and the scale counts by their range codes, all in Rust. Nothing is read
per match into Python: a broad query at 200,000 actors costs the page, not the matches.

The same answers as the numpy path of `search.service` (the tests compare both):
- filters: status, sector scope, kind / modality / step / expression (codes with their subtrees,
  matched against the document's codes and ancestors), GMP (while its taxonomy is flat), one of
  region or département, scale ranges (the document's range code, `tantivy_index.scale_range`);
- ranking: BM25 desc, then actor id asc (ties are read whole before the page is cut);
- facets: distinct actors per code (documents hold distinct codes, ancestors included).
Costs kept off the broad queries (a word shared by 650,000 of 1,000,000 actors): the total is an
unscored count and every facet and the scale ranges one aggregation over the counted columns
(`tantivy_documents.COUNTED`), both of the text's unscored form (`tantivy_counted`); a text
matching more than half of the filters' documents is counted as the filters' counts (kept per
searcher) minus those of the documents it does not match (exact either way); a crowd of ties at
the page's edge is walked in actor id order, not read by score; a text matching few is read once
(`tantivy_few`). A bounding box or radius is a clause too: the map cells of the area (`tantivy_geo`).
Not here (`supports` says False, the numpy path answers): a GMP filter once the GMP taxonomy has a
hierarchy (the numpy path matches a GMP code exactly, the document holds its ancestors too), region
and département together (one site must meet both), an exact name that the text does not match.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import tantivy

from bioatlas.atlas.service import FACETS, ActorFilter, Taxonomy, view_predicates
from bioatlas.search import tantivy_few as few
from bioatlas.search import tantivy_counted as counted, tantivy_geo, tantivy_parallel as parallel
from bioatlas.search import tantivy_memo as _kept
from bioatlas.search import tantivy_names_first as names_first
from bioatlas.search import tantivy_wide as wide
from bioatlas.search.params import SCALES, Geo
from bioatlas.search.tantivy_facets import aggregate as _aggregate
from bioatlas.search.tantivy_facets import const as _const
from bioatlas.search.tantivy_facets import count as _count
from bioatlas.search.tantivy_facets import filter_clauses, matched, splittable, topmost
from bioatlas.search.tantivy_facets import split as _split
from bioatlas.search.tantivy_index import Engine, Query
COMPLEMENT_OVER = 0.5  # a text matching more than this share of the filters' documents: counted by its complement
GEO_READ_UNDER = 20_000  # a box or radius on a text matching fewer actors: their sites are read (numpy path)
TIE_READ_MAX = 4096  # ties at the page's edge read by score up to this many hits, then walked in id order
SPLIT_FIRST = ("scale", "kind", "gmp")  # facets split on first (one code per actor: any codes split cleanly)
memo_stats = _kept.stats  # hits and misses of the answers kept per searcher (`tantivy_memo`)
_memo = _kept.memo


def supports(f: ActorFilter, geo: Geo, scale: tuple[str, ...], taxonomies: dict[str, Taxonomy]) -> bool:
    """Whether Tantivy answers this search alone (else the numpy path)."""
    gmp = taxonomies.get("gmp_status")
    hierarchical_gmp = gmp is None or any(t.parent for t in gmp.terms.values())
    return not (f.q or (f.region and f.departement) or (f.gmp and hierarchical_gmp))


def area_as_clause(engine: Engine, q: Query, f: ActorFilter, taxonomies: dict[str, Taxonomy],
                   scale: tuple[str, ...]) -> bool:
    """Whether a box or radius is better a clause of the query than a test of the matches' sites
    (the numpy path): Tantivy turns the area's cells into a bit set of every actor in the area
    at each evaluation, whatever the text, so a text (and filters) matching few actors reads
    their sites instead (an unscored count decides, kept per searcher)."""
    return answer(engine, q, f, taxonomies, scale).total > GEO_READ_UNDER


@dataclass
class Answer:
    """One search on the engine: `total` (text and filters), the clauses to rank and count with."""

    engine: Engine
    text: tantivy.Query
    filters: dict[str, tantivy.Query]  # per facet ("" for status and scope), a constant-score clause
    total: int
    searcher: tantivy.Searcher | None = None  # the index state every answer of this search reads
    key: tuple = field(default=())  # the query and filters as values (the memo's key)
    parts: dict[str, tuple] = field(default_factory=dict)  # per filter clause, its values (filter_key)
    prefix: bool = False  # a word of the text is being typed (matched as a prefix)
    first: list | None = None  # the first first_limit + 1 hits by score, read with the total (a prefix, `tantivy_few`)
    first_limit: int = TIE_READ_MAX
    every: tuple | None = None  # (ids, scores) of every match when the first read held them (`tantivy_few`)
    selected: dict[str, list[str]] = field(default_factory=dict)  # per selected facet, its topmost codes
    q: Query | None = None  # the text's words (the page's names-first read, `_names_first`)
    text_key: tuple = ()  # the text as values (with `filter_key`, what counts are kept under: `counted_key`)

    def query(self, *, without: str | None = None, exclude: list[int] = (), only: list[int] = (),
              narrow: tantivy.Query | None = None, scored: bool = True) -> tantivy.Query:
        """The text and the filters (all but `without`'s); not `scored`: the text's unscored form."""
        clauses = [(tantivy.Occur.Must, self.text if scored else self.unscored())]
        clauses += [(tantivy.Occur.Must, c) for name, c in self.filters.items() if name != without]
        if narrow is not None:
            clauses.append((tantivy.Occur.Must, narrow))
        schema = self.engine.schema
        if exclude:
            clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_set_query(schema, "actor_id", [int(i) for i in exclude])))
        if only:
            clauses.append((tantivy.Occur.Must, _const(tantivy.Query.term_set_query(schema, "actor_id", [int(i) for i in only]))))
        return tantivy.Query.boolean_query(clauses)

    def filters_only(self, *, without: str | None = None, minus_text: bool = False) -> tantivy.Query:
        """The filters' clauses alone (all but `without`'s), and not the text when `minus_text`."""
        clauses = [(tantivy.Occur.Must, c) for name, c in self.filters.items() if name != without]
        if minus_text:
            clauses.append((tantivy.Occur.MustNot, self.unscored()))
        if not any(occur == tantivy.Occur.Must for occur, _ in clauses):
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def unscored(self) -> tantivy.Query:
        """The text's documents for a count or an aggregation (`tantivy_counted`, kept per searcher)."""
        searcher, q = self.searcher or self.engine.searcher, self.q
        return self.text if q is None else _memo(self.engine, searcher, ("unscored", self.text_key),
                                                 lambda: counted.text(self.engine, searcher, q))

    def filter_key(self, without: str | None = None) -> tuple:
        return tuple(sorted((name, value) for name, value in self.parts.items() if name != without and name in self.filters))

    def counted_key(self, without: str | None = None) -> tuple:
        """What the counts of the matches of the text and the filters (all but `without`'s) are
        kept under, whichever search counted them (`tantivy_memo`)."""
        return (self.text_key, self.filter_key(without))

    def top(self, n: int, offset: int, exclude: list[int] = (), passing=None) -> list[tuple[int, float]]:
        """(actor id, score) of ranks offset … offset + n, score desc then id asc, exact names left
        out; kept per query and searcher like the counts (the same page asked again, by another
        visitor or with the response cache off, costs no new search); `passing()`: `tantivy_wide`'s."""
        if n <= 0:
            return []
        searcher = self.searcher or self.engine.searcher
        key = ("top", *self.key, n, offset, tuple(sorted(int(i) for i in exclude)))
        return list(_memo(self.engine, searcher, key, lambda: self._top(searcher, n, offset, exclude, passing)))

    def _top(self, searcher: tantivy.Searcher, n: int, offset: int, exclude: list[int], passing=None) -> list[tuple[int, float]]:
        k = offset + n
        if (page := wide.page(self, searcher, k, exclude, passing)) is not None:  # the text's wide read, filtered
            return page[offset:k]
        narrow = self._names_first(searcher, k)
        if narrow is not None:
            clause, bound = narrow
            if (page := wide.names_page(self, searcher, clause, bound, k, exclude)) is not None:  # kept for the views
                return page[offset:k]
            ranked = self._ranked(searcher, k, exclude, clause, None)
            if len(ranked) == k and ranked[-1][1] > bound:
                names_first.stats["kept"] += 1
                return ranked[offset:k]
            names_first.stats["read_again"] += 1
        # the first read, made with the total (a prefix's, up to TIE_READ_MAX: its scores tie in
        # crowds; `tantivy_few`'s), serves here when it holds the page and the exact names left out
        first = self.first if k + len(exclude) <= self.first_limit and searcher is self.searcher and (
            not exclude or self.engine.ordered is searcher) else None
        if first is None and wide.reads_wide(self, searcher, k + len(exclude)):  # kept for the filtered views
            return wide.read(self, searcher, exclude)[offset:k]
        return self._ranked(searcher, k, exclude, None, first)[offset:k]

    def _names_first(self, searcher: tantivy.Searcher, k: int) -> tuple[tantivy.Query, float] | None:
        """(the names' clause, the bound) of `tantivy_names_first.narrowing`, when it can pay."""
        if self.q is None or self.first is not None and k <= self.first_limit:
            return None
        docs = max(1, searcher.num_docs)
        share = (lambda: self.base(searcher, None, counts=False) / docs) if self.filters else (lambda: 1.0)
        return names_first.narrowing(self.engine, searcher, self.q, self.total, k, share,
                                     lambda key, compute: _memo(self.engine, searcher, key, compute))

    def _ranked(self, searcher: tantivy.Searcher, k: int, exclude: list[int], narrow: tantivy.Query | None,
                first: list | None) -> list[tuple[int, float]]:
        """The k first (id, score) by score desc then id asc of the query (narrowed by `narrow`)."""
        query = self.query(exclude=exclude, narrow=narrow)
        if self.engine.ordered is searcher:  # documents in actor id order: Tantivy's top-k is the page
            if first is not None:  # read without the exact names' exclusion: dropped here
                return [p for p in self._in_order(searcher, first[:k + len(exclude)]) if p[0] not in set(exclude)][:k]
            return self._in_order(searcher, searcher.search(query, limit=k, count=False).hits)
        limit = self.first_limit if first is not None else max(k, min(TIE_READ_MAX, self.total)) if self.prefix else k
        while True:  # read on while the k-th score's ties go on (their order is the actor id's)
            hits = first if first is not None else searcher.search(query, limit=limit + 1, count=False).hits
            first = None
            if len(hits) <= limit or hits[-1][0] < hits[k - 1][0]:  # all read, or past the ties
                break
            if limit >= TIE_READ_MAX:  # a crowd of ties (a prefix alone scores them all alike)
                return self._ties_by_id(searcher, hits, k, exclude, narrow)
            limit = max(limit * 2, TIE_READ_MAX)  # one read of up to TIE_READ_MAX, then the walk
        if len(hits) > k:
            kth = hits[k - 1][0]
            hits = [h for h in hits if h[0] >= kth]
        if not hits:
            return []
        ids = searcher.fast_field_values("actor_id", [a for _, a in hits])
        ranked = sorted(zip(ids, (s for s, _ in hits)), key=lambda p: (-p[1], p[0]))
        return [(int(i), float(s)) for i, s in ranked[:k]]

    @staticmethod
    def _in_order(searcher: tantivy.Searcher, hits: list) -> list[tuple[int, float]]:
        """(id, score) of hits read from an index in actor id order: Tantivy orders a tie in the
        score by the document's address (ascending), which is then the actor id's order, so the
        hits are the page as they come (no read of the ties past it, no walk)."""
        if not hits:
            return []
        ids = searcher.fast_field_values("actor_id", [a for _, a in hits])
        return [(int(i), float(s)) for (s, _), i in zip(hits, ids)]

    def _ties_by_id(self, searcher: tantivy.Searcher, hits: list, k: int, exclude: list[int],
                    narrow: tantivy.Query | None) -> list[tuple[int, float]]:
        """The k first of (score desc, id asc) when the k-th score is shared by more hits than were
        read: the hits above it, then the tied ones found by walking the matches in actor id order
        (ordered by the fast field, never scored) and scoring each chunk of ids; stops as soon as
        the page is full, instead of reading every tied hit by score."""
        kth = hits[k - 1][0]
        above = [h for h in hits if h[0] > kth]
        ranked = sorted(zip(searcher.fast_field_values("actor_id", [a for _, a in above]), (s for s, _ in above)),
                        key=lambda p: (-p[1], p[0])) if above else []
        need = k - len(ranked)
        query, start, chunk = self.query(exclude=exclude, narrow=narrow), 0, max(4 * need, 1024)
        tied: list[int] = []
        while len(tied) < need:
            page = searcher.search(query, limit=chunk, count=False, order_by_field="actor_id", order=tantivy.Order.Asc,
                                   offset=start).hits
            ids = [int(v) for v, _ in page]
            if not ids:
                break
            scored = searcher.search(self.query(exclude=exclude, only=ids), limit=len(ids), count=False).hits
            score = dict(zip(searcher.fast_field_values("actor_id", [a for _, a in scored]), (s for s, _ in scored)))
            tied += [i for i in ids if score.get(i) == kth]
            if len(page) < chunk:
                break
            start, chunk = start + chunk, chunk * 2
        return [(int(i), float(s)) for i, s in ranked] + [(i, float(kth)) for i in tied[:need]]

    def contains(self, ids: list[int]) -> set[int]:
        """Those of `ids` that the text matches (filters aside)."""
        if not ids:
            return set()
        searcher = self.searcher or self.engine.searcher
        only = _const(tantivy.Query.term_set_query(self.engine.schema, "actor_id", [int(i) for i in ids]))
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, self.text), (tantivy.Occur.Must, only)])
        hits = searcher.search(query, limit=len(ids), count=False).hits
        return {int(i) for i in searcher.fast_field_values("actor_id", [a for _, a in hits])} if hits else set()

    def counts(self, f: ActorFilter, taxonomies: dict[str, Taxonomy]) -> dict[str, dict[str, int]]:
        """Facet counts {facet: {code: actors}} (zeros left out; codes in taxonomy order, else by
        code), each selected facet counted without its own clause, and the scale ranges; kept
        per query and searcher."""
        searcher = self.searcher or self.engine.searcher
        counts = _memo(self.engine, searcher, ("counts", *self.key), lambda: self._counts(searcher, taxonomies))
        return {facet: dict(values) for facet, values in counts.items()}

    def _counts(self, searcher: tantivy.Searcher, taxonomies: dict[str, Taxonomy]) -> dict[str, dict[str, int]]:
        found = self._counted(searcher)
        per_facet = {facet: self._without(searcher, facet) if facet in self.filters else found.get(facet, {})
                     for facet in (*FACETS, "scale")}
        out: dict[str, dict[str, int]] = {}
        for facet in FACETS:
            counts = {code: n for code, n in per_facet[facet].items() if n}
            tax = taxonomies.get(FACETS[facet]) if FACETS[facet] else None
            order = [c for c in tax.terms if c in counts] if tax is not None else []
            order += sorted(c for c in counts if c not in set(order))
            out[facet] = {c: counts[c] for c in order}
        out["scale"] = {code: per_facet["scale"].get(code, 0) for code in SCALES}
        return out

    def _without(self, searcher: tantivy.Searcher, facet: str) -> dict[str, int]:
        """A selected facet's counts without its own clause: the facet's counts among the matches
        of the text and the other filters, kept per searcher whichever search counted them
        (`known_without`; `split` leaves them there when it counted them with the total)."""
        return _memo(self.engine, searcher, ("without", facet, *self.counted_key(facet)),
                     lambda: self._without_pass(searcher, facet))

    def known_without(self, searcher: tantivy.Searcher, facet: str) -> bool:
        """Whether a selected facet's counts without its own clause are kept already: by a search that
        selected it too, or among the matches' counts of the same text without it (`tantivy_memo`)."""
        key = self.counted_key(facet)
        if _kept.peek(self.engine, searcher, ("without", facet, *key)) is not None:
            return True
        others = _kept.peek(self.engine, searcher, ("matched", *key))
        if others is None:
            return False
        _kept.keep(self.engine, searcher, ("without", facet, *key), others.get(facet, {}))
        return True

    def split_on(self, known: set[str] | frozenset[str] = frozenset()) -> str | None:
        """The selected facet that splits cleanly (`splittable`; the first of SPLIT_FIRST, else
        of the facets' order) and whose counts without its clause are not `known`, None when
        none does."""
        order = [*SPLIT_FIRST, *(f for f in FACETS if f not in SPLIT_FIRST)]
        return next((name for name in order if name in self.filters and name in self.selected and name not in known
                     and splittable(name, self.selected[name])), None)

    def split(self, searcher: tantivy.Searcher, chosen: str | None) -> tuple[int, dict, dict] | None:
        """The total, the matches' counts and the selected facet `chosen`'s counts without its own
        clause in one pass (`tantivy_facets.split`: one evaluation of the text fewer), None without
        a facet to split on (or too many buckets)."""
        if chosen is None:
            return None
        return _split(searcher, self.query(without=chosen, scored=False), {chosen: self.selected[chosen]})

    def _without_pass(self, searcher: tantivy.Searcher, facet: str) -> dict[str, int]:
        """A selected facet's counts by the query without its own clause, on its own column; when the
        text matches over COMPLEMENT_OVER of the filters' documents (taken to be alike for the other
        filters': a guess that sets the cost, never the counts), the other filters' counts of that
        column (kept per searcher) minus those of their documents the text does not match."""
        if self.total <= COMPLEMENT_OVER * self.base(searcher, None, counts=False):
            return _aggregate(searcher, self.query(without=facet, scored=False), only=facet).get(facet, {})
        others = _memo(self.engine, searcher, ("base-of", facet, *self.filter_key(facet)),
                       lambda: _aggregate(searcher, self.filters_only(without=facet), only=facet))
        rest = _aggregate(searcher, self.filters_only(without=facet, minus_text=True), only=facet).get(facet, {})
        return {code: n - rest.get(code, 0) for code, n in others.get(facet, {}).items()}

    def base(self, searcher: tantivy.Searcher, without: str | None, *, counts: bool):
        """The filters' (all but `without`'s) documents, as a number or as counts; kept per searcher."""
        fkey, only = self.filter_key(without), self.filters_only(without=without)
        if counts:
            return _memo(self.engine, searcher, ("base", *fkey), lambda: _aggregate(searcher, only))
        return _memo(self.engine, searcher, ("size", *fkey), lambda: _count(searcher, only))

    def _counted(self, searcher: tantivy.Searcher) -> dict[str, dict[str, int]]:
        """Counts of the matches of the text and the filters: those counted with the total (`answer(...,
        with_counts=True)`), else one aggregation; over COMPLEMENT_OVER of the filters' documents, the
        filters' counts (kept per searcher) minus those of the documents the text does not match."""
        return _memo(self.engine, searcher, ("matched", *self.counted_key()), lambda: self._aggregated(searcher))

    def _aggregated(self, searcher: tantivy.Searcher) -> dict[str, dict[str, int]]:
        if self.total <= COMPLEMENT_OVER * self.base(searcher, None, counts=False):
            return _aggregate(searcher, self.query(scored=False))
        base, rest = self.base(searcher, None, counts=True), _aggregate(searcher, self.filters_only(minus_text=True))
        return {facet: {code: n - rest.get(facet, {}).get(code, 0) for code, n in codes.items()} for facet, codes in base.items()}


def _order_key(taxonomies: dict[str, Taxonomy]) -> tuple:
    """The facets' taxonomy codes in order (the counts are listed in that order)."""
    return tuple((name, tuple(taxonomies[name].terms)) for name in FACETS.values() if name and name in taxonomies)


def answer(engine: Engine, q: Query, f: ActorFilter, taxonomies: dict[str, Taxonomy],
           scale: tuple[str, ...] = (), geo: Geo = Geo(), st=None, with_counts: bool = False) -> Answer:
    """The text query with the filter's clauses, and its total (`st`: the in-memory facet index, which
    tests the sites on a box's or radius's edge); `with_counts`: the facet counts will be asked, so the
    total is counted with the matches' counts in one pass (or with every match, `tantivy_few`)."""
    schema, searcher = engine.schema, engine.searcher
    p = view_predicates(f, taxonomies=taxonomies)
    filters = filter_clauses(engine, p, scale, taxonomies)
    area = (geo.bbox, geo.near, geo.radius_km if geo.near else 0.0)
    if geo.bbox or geo.near:
        if st is None:
            raise ValueError("a box or radius needs the in-memory facet index (st)")
        filters["geo"] = _const(_memo(engine, searcher, ("geo", *area),
                                      lambda: tantivy_geo.clause(searcher, schema, st, geo)))
    text = engine.build(q, searcher)
    key = (q.encode(), p.status, p.scope, tuple(sorted((k, tuple(sorted(v))) for k, v in {**p.actor, **p.site}.items())),
           tuple(sorted(scale)), area, _order_key(taxonomies))
    parts = {"": (p.status, p.scope), "scale": tuple(sorted(scale)), "geo": area,
             **{facet: tuple(sorted(codes)) for facet, codes in {**p.actor, **p.site}.items()}}
    selected = {facet: topmost(codes, taxonomies.get(FACETS[facet]) if FACETS.get(facet) else None)
                for facet, codes in {**p.actor, **p.site}.items()} | ({"scale": sorted(scale)} if scale else {})
    found = Answer(engine, text, filters, 0, searcher, key, parts, any(p is not None for _, p in q.groups),
                   selected=selected, q=q, text_key=(key[0], key[-1]))
    memo = functools.partial(_memo, engine, searcher)
    if with_counts and few.reads_first(searcher, q, filters, lambda: names_first.frequency(searcher, q, memo)):
        limit = few.FEW_MAX if not found.prefix or engine.ordered is searcher else max(few.FEW_MAX, TIE_READ_MAX)
        found.total, found.every = memo(("first", *key), lambda: few.read(searcher, found, limit))
    else:
        found.total = memo(("total", *key), lambda: _total(searcher, found, with_counts))
    return found


def _total(searcher: tantivy.Searcher, found: Answer, with_counts: bool) -> int:
    """The matches of the text and filters: with the matches' counts when they will be asked (one
    aggregation, kept for `counts`; the page is then one read without a count), else an unscored
    count; a prefix without counts, whose search scores every match anyway, the count of the
    top-k's first read (kept in `first`)."""
    if with_counts:  # selected facets whose counts without their clause are kept need no pass
        known = {facet for facet in found.selected if facet in found.filters and found.known_without(searcher, facet)}
        chosen = found.split_on(known)
        ahead = parallel.ahead([functools.partial(found._without, searcher, facet) for facet in (*FACETS, "scale")
                                if facet in found.filters and facet != chosen and facet not in known])
        try:
            split = found.split(searcher, chosen)
            if split is not None:
                total, counts, without = split
                for facet, values in without.items():
                    _kept.keep(found.engine, searcher, ("without", facet, *found.counted_key(facet)), values)
            else:
                total, counts = matched(searcher, found.query(scored=False))
            _kept.keep(found.engine, searcher, ("matched", *found.counted_key()), counts)
        finally:
            parallel.join(ahead)  # the other selected facets' passes, kept in the memo for `counts`
        return total
    if not found.prefix:
        return _count(searcher, found.query(scored=False))
    result = searcher.search(found.query(), limit=TIE_READ_MAX + 1, count=True)
    found.first = result.hits
    return int(result.count or 0)


def prime(engine: Engine, taxonomies: dict[str, Taxonomy]) -> None:
    """The default view's size and counts (the base every broad query's complement subtracts
    from), computed for the current searcher before a visitor needs them (warm-up)."""
    found = answer(engine, Query([]), ActorFilter(), taxonomies)
    searcher = found.searcher or engine.searcher
    found.base(searcher, None, counts=False)
    found.base(searcher, None, counts=True)

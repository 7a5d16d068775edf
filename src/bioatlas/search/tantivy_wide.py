"""A broad text's page in a view (a region, a kind, an area ...) taken from the same text's wider
read without the view's filters (issue 19): Tantivy scores every match of a conjunction, so the
page of "cell therapy" in region 84 (80,000 matches) costs ~25 ms at 1,000,000 actors, while the
page of "cell therapy" alone read 2,000 deep instead of 100 costs ~1 ms more than its page.

When a text matching more than WIDE_OVER actors is searched with no filter but the status and
scope, on an index in actor id order, its top WIDE by (score desc, id asc) is read and kept per
searcher (`tantivy_memo`). When its page is read among its names' matches first
(`tantivy_names_first`), that read is WIDE deep, and what is kept is its hits scoring more than
any match without a word in its names can (`names_page`): those are the first of every match, in
the same order. A later search of the same text with more filters (the same status and scope)
takes its first k from that read, keeping the hits that meet its filters (`passing`, the facet
index's test), when at least k of them do. Exact: a filter clause adds 0 to the score (the same
scores), and any match of the filtered search outside the read comes after the read's last hit
in that order, so after the k kept. Fewer than k pass: the page is read as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import tantivy

from bioatlas.search import tantivy_memo as kept
from bioatlas.search import tantivy_names_first as names_first

WIDE = 2000  # hits of the unfiltered text read and kept (~1 ms more than a page of 100 at 1M)
WIDE_OVER = 20_000  # texts matching more actors: their unfiltered page is read WIDE deep
PAGE_MAX = 100  # pages up to this rank (the hybrid head) are taken from the read
WIDEN = 2  # a names' read replaced by the full one when WIDE hits hold a page's passing ones this many times over


def _key(answer) -> tuple:
    """The read's key: the text and its status and scope clause (the filters every view keeps)."""
    return ("wide", answer.text_key, tuple(p for p in answer.filter_key() if p[0] == ""))


def reads_wide(answer, searcher: tantivy.Searcher, k: int) -> bool:
    """Whether this page read is the text's wide one (no filter but status and scope, broad,
    an index in id order, a page within PAGE_MAX)."""
    return (not set(answer.filters) - {""} and answer.engine.ordered is searcher and answer.total > WIDE_OVER
            and k <= min(PAGE_MAX, WIDE))


def read(answer, searcher: tantivy.Searcher, exclude: list[int]) -> list[tuple[int, float]]:
    """The text's top WIDE (kept for the filtered views), the exact names left out."""
    ranked = answer._ranked(searcher, WIDE, [], None, None)
    _keep(answer, searcher, ranked)
    out = set(exclude)
    return [p for p in ranked if p[0] not in out]


def names_page(answer, searcher: tantivy.Searcher, clause: tantivy.Query, bound: float, k: int,
               exclude: list[int]) -> list[tuple[int, float]] | None:
    """The first k (id, score) of a page read among the names' matches (`clause`, `bound`:
    `tantivy_names_first.narrowing`) when the page read is the text's wide one, else None. That
    read is WIDE deep, and its hits scoring more than `bound` (the best a match outside `clause`
    can score) are the first of all the text's matches, in order (any other match comes after
    them: outside `clause`, it scores at most `bound`; inside, after the read's last hit): they
    are kept as the text's wide read. Fewer than the page among them: every match read (`read`)."""
    if not reads_wide(answer, searcher, k + len(exclude)):
        return None
    ranked = answer._ranked(searcher, WIDE, [], clause, None)
    ranked = ranked[:next((i for i, (_, score) in enumerate(ranked) if not score > bound), len(ranked))]
    out = set(exclude)
    among = [p for p in ranked if p[0] not in out]
    names_first.stats["kept" if len(among) >= k else "read_again"] += 1
    if len(among) < k:
        return read(answer, searcher, exclude)
    _keep(answer, searcher, ranked)
    return among[:k]


def _keep(answer, searcher: tantivy.Searcher, ranked: list[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    ids = np.fromiter((i for i, _ in ranked), dtype=np.int64, count=len(ranked))
    scores = np.fromiter((s for _, s in ranked), dtype=np.float64, count=len(ranked))
    kept.keep(answer.engine, searcher, _key(answer), (ids, scores))
    return ids, scores


def page(answer, searcher: tantivy.Searcher, k: int, exclude: list[int],
         passing: Callable[[], Callable[[np.ndarray], np.ndarray]] | None) -> list[tuple[int, float]] | None:
    """The first k (id, score) of a filtered search from its text's wide read, None when there is
    no such read or fewer than k of its hits pass (`passing()`: the test of ids, made only then).
    A read of its names' matches only (`names_page`: shorter than WIDE) that holds too few is
    replaced by the text's full wide read when WIDE hits are expected to hold k passing ones
    WIDEN times over (the filters' share of the documents; `_widened`): the text was asked
    alone, its other views are likely to come, and that read costs about the view's own page."""
    if passing is None or not set(answer.filters) - {""} or answer.engine.ordered is not searcher or k > PAGE_MAX:
        return None
    read = kept.peek(answer.engine, searcher, _key(answer))
    if read is None:
        return None
    found = _passing(read, k, exclude, passing)
    if found is None and len(read[0]) < WIDE and (
            WIDE * answer.base(searcher, None, counts=False) >= WIDEN * k * max(1, searcher.num_docs)):
        found = _passing(_widened(answer, searcher), k, exclude, passing)
    return found


def _passing(read: tuple[np.ndarray, np.ndarray], k: int, exclude: list[int], passing) -> list[tuple[int, float]] | None:
    ids, scores = read
    ok = passing()(ids)
    if len(exclude):
        ok &= ~np.isin(ids, np.asarray(list(exclude), dtype=np.int64))
    chosen = np.flatnonzero(ok)[:k]
    if len(chosen) < k:
        return None
    return [(int(ids[i]), float(scores[i])) for i in chosen]


def _widened(answer, searcher: tantivy.Searcher) -> tuple[np.ndarray, np.ndarray]:
    """The text's top WIDE with no filter but its status and scope (read and kept, `read`)."""
    alone = dataclasses.replace(answer, filters={name: c for name, c in answer.filters.items() if name == ""})
    return _keep(alone, searcher, alone._ranked(searcher, WIDE, [], None, None))

"""Tantivy (official Python bindings, PyPI `tantivy`) as a full-text engine of the SQLite
deployment: an index as files beside the database (`<atlas file>.tantivy/`), BM25 with top-k
pruning (block-max WAND) and facet aggregations in Rust, kept in step by the change log.

Documents are the rows of `search_documents` (words already folded and stemmed by `search.text`,
so the engine's default tokenizer only splits them on spaces) plus, for the aggregations, the
actor's facet codes with their taxonomy ancestors (kind, gmp, modality, step, expression) and its
sites' regions and départements, as raw fast fields, with its status, "sector" when it is in the
sector scope and its scale in litres (`search/tantivy_search.py` filters and counts on them in
Tantivy). `names` clauses weigh NAME_WEIGHT times the
`body` ones, as the FTS5 bm25 column weights do.

Freshness: the index directory holds `state.json` with the change-log seq it holds. Before a
search, `current()` compares it with `atlas.service.latest_change`; the actors changed since are
deleted and added again (one writer commit), more than REBUILD_OVER or a log pruned past the seq
rebuild it. Missing or unreadable (corrupt) index: rebuilt, never an error page; a large one in the
background (FTS5 answers meanwhile; in a process of its own under `bioatlas serve`: `tantivy_apart`). One writer per
index at a time (Tantivy's lock): a process that cannot take it reads what the others committed.
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import tantivy
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

# reads atlas tables: search is the atlas's read model
from bioatlas.atlas.service import Taxonomy, change_mark, changes_since, latest_change
from bioatlas.search import log_position, tantivy_apart, tantivy_prefix
from bioatlas.search.models import SearchDocument
from bioatlas.search.tantivy_documents import (  # noqa: F401 (COUNTED, FACET_FIELDS, SCALE_RANGE: the columns' names)
    BATCH,
    COUNTED,
    FACET_FIELDS,
    SCALE_RANGE,
    codes_of,
    documents,
    schema,
)
from bioatlas.search.tantivy_query import Query  # tantivy_index.Query to its callers

log = logging.getLogger(__name__)
NAME_WEIGHT = 10.0
REBUILD_OVER = 50_000  # more changed actors than this: rebuild rather than update
WRITER_HEAP = 2 * 2**30  # a rebuild's budget: up to ~2.5 M documents stay in ONE segment (below)
SCHEMA_VERSION = 6  # an index written with another schema is rebuilt (state.json "schema"); 6: one segment
BUILT_SIZE = 512  # text queries kept per engine (Engine.build)
INLINE_REBUILD_MAX = 50_000  # larger: rebuilt in a background thread, FTS5 answers meanwhile
_lock = threading.Lock()
_build_lock = threading.Lock()  # one rebuild at a time in this process
_building: dict[str, int] = {}  # index directory -> its state.json's inode when its rebuild started
_apart = False  # background rebuilds in a process of their own (`bioatlas serve`: tantivy_apart)
_open: dict[str, Engine] = {}
rebuilding: dict[str, threading.Thread] = {}  # the background rebuilds started (joinable)


class Unavailable(RuntimeError):
    """The index is being rebuilt in the background: the caller uses FTS5 for now."""


def index_dir(bind) -> Path | None:
    """`<atlas file>.tantivy` for a SQLite file database (of a Session, Connection or Engine);
    None otherwise (memory, PostgreSQL)."""
    if isinstance(bind, Session):
        bind = bind.get_bind()
    url = getattr(bind, "engine", bind).url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return _dir_of(url.database)


@functools.lru_cache(maxsize=64)
def _dir_of(database: str) -> Path:
    """The index directory of a database file (its path resolved once: two searches asked it
    per search, ~1 ms each on a busy machine)."""
    return Path(database).resolve().with_name(Path(database).name + ".tantivy")


class Engine:
    """One opened index (per process and directory)."""

    def __init__(self, path: Path):
        self.path = path
        self.schema = schema()
        state = path / "state.json"  # read first: an unreadable one leaves no index open behind it
        data = json.loads(state.read_text())
        if data.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"index schema {data.get('schema')!r}, expected {SCHEMA_VERSION}")
        self.seq, self.mark = int(data["seq"]), _as_mark(data.get("mark"))
        self.inode = state.stat().st_ino  # another process's rebuild swaps the directory: reopen
        self.index = _opened(path, reuse=True, fields=self.schema)
        self.searcher = self.index.searcher()
        # the searcher whose documents are in actor id order (a rebuild's one segment; None once
        # anything else was written): Tantivy's top-k is then the page, ties included (tantivy_search)
        self.ordered = self.searcher if data.get("ordered") and self.searcher.num_segments == 1 else None
        self.lock = threading.Lock()
        self.memo: tuple | None = None  # (searcher, answers computed on it): tantivy_search._memo
        self._built: OrderedDict[tuple, tantivy.Query] = OrderedDict()  # text queries by Query.encode() and terms
        self._prefixes = tantivy_prefix.Expander()  # the prefixes' terms, per searcher
        self._built_lock = threading.Lock()

    def close(self) -> None:
        """Drop its index, reader and searchers now, whoever still holds the engine (`forget`)."""
        with self.lock, self._built_lock:
            self.index = self.searcher = self.ordered = self.memo = None  # type: ignore[assignment]
            self._built.clear()
            self._prefixes = tantivy_prefix.Expander()

    # -- queries ---------------------------------------------------------------------------
    def _clause(self, field: str, forms: list[str], prefix: str | None, terms: tuple[str, ...] | None = None) -> list:
        clauses = [tantivy.Query.term_query(self.schema, field, w) for w in forms]
        if prefix:
            clauses.append(tantivy_prefix.clause(self.schema, field, prefix, terms))
        if field == "names":
            clauses = [tantivy.Query.boost_query(c, NAME_WEIGHT) for c in clauses]
        return clauses

    def build(self, q: Query, searcher: tantivy.Searcher | None = None) -> tantivy.Query:
        """The text query of `q` on `searcher` (the engine's by default); kept (LRU of BUILT_SIZE)
        by its words and their prefixes' terms (`tantivy_prefix`), which are all it holds of an
        index state: a regex automaton costs ~1-2 ms to compile, and the same words come again."""
        expansions = self._prefixes.groups(q.groups, searcher or self.searcher)
        key = (q.encode(), expansions)
        with self._built_lock:
            found = self._built.get(key)
            if found is not None:
                self._built.move_to_end(key)
                return found
        built = self._build(q, expansions)
        with self._built_lock:
            self._built[key] = built
            while len(self._built) > BUILT_SIZE:
                self._built.popitem(last=False)
        return built

    def names_clause(self, q: Query, searcher: tantivy.Searcher | None = None) -> tantivy.Query | None:
        """The documents matching a word of `q` in their names (any group, any form or prefix),
        as a clause that adds nothing to the score; None when every clause is a names clause."""
        if q.names_only or not q.groups:
            return None
        expansions = self._prefixes.groups(q.groups, searcher or self.searcher)
        clauses = [c for (forms, prefix), (terms, _) in zip(q.groups, expansions)
                   for c in self._clause("names", forms, prefix, terms)]
        return tantivy.Query.const_score_query(tantivy.Query.boolean_query([(tantivy.Occur.Should, c) for c in clauses]), 0.0)

    def _build(self, q: Query, expansions: tuple) -> tantivy.Query:
        groups = []
        for (forms, prefix), (names, body) in zip(q.groups, expansions):
            clauses = self._clause("names", forms, prefix, names)
            if not q.names_only:
                clauses += self._clause("body", forms, prefix, body)
            groups.append(tantivy.Query.boolean_query([(tantivy.Occur.Should, c) for c in clauses]))
        occur = tantivy.Occur.Should if q.any_ else tantivy.Occur.Must
        return tantivy.Query.boolean_query([(occur, g) for g in groups])

    def all_matches(self, q: Query) -> tuple[np.ndarray, np.ndarray]:
        """(actor ids, BM25 scores) of every matching document."""
        if not q.groups:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        searcher = self.searcher
        query = self.build(q, searcher)
        hits = searcher.search(query, limit=max(1, searcher.num_docs), count=False).hits
        if not hits:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        ids = searcher.fast_field_values("actor_id", [a for _, a in hits])
        return np.asarray(ids, dtype=np.int64), np.asarray([s for s, _ in hits], dtype=np.float64)


def _opened(path: Path, reuse: bool, fields: tantivy.Schema | None = None) -> tantivy.Index:
    """The index at `path`, its reader reloaded when asked only (`_catch_up`): the binding's default
    reader maps and reads new files in a Tantivy thread whenever meta.json changes, for as long
    as anything holds the index (an engine kept by a traceback: SIGBUS under a test's damage)."""
    index = tantivy.Index(fields or schema(), path=str(path), reuse=reuse)
    index.config_reader("manual")
    return index


def saved_seq(path: Path) -> int:
    """The change-log seq the index at `path` holds (its state.json's; -1 when unreadable)."""
    try:
        return int(json.loads((path / "state.json").read_text())["seq"])
    except (OSError, ValueError, KeyError, TypeError):
        return -1


def _as_mark(value) -> tuple | None:
    return tuple(value) if value is not None else None


def _state(session: Session, seq: int, ordered: bool = False) -> str:
    """state.json: the log's seq and mark held, the schema, documents in actor id order or not."""
    mark = change_mark(session, seq=seq)
    return json.dumps({"seq": seq, "mark": list(mark) if mark is not None else None, "schema": SCHEMA_VERSION,
                       "ordered": ordered})


def rebuild(session: Session, taxonomies: dict[str, Taxonomy], path: Path | None = None, progress=None) -> dict:
    """Write the whole index again into a new directory, then swap it in (readers of the old one
    keep their files until they reopen: before their next search, `current`). The log's seq is
    read first: what is edited while the documents are read is caught up after, from the log."""
    path = path or index_dir(session)
    if path is None:
        raise ValueError("the Tantivy index lives beside a SQLite database file")
    with tantivy_apart.one_rebuild(path):  # one at a time across processes (serve's, the jobs worker's)
        return _rebuild(session, taxonomies, path, progress)


def _rebuild(session: Session, taxonomies: dict[str, Taxonomy], path: Path, progress) -> dict:
    started = time.perf_counter()
    seq = latest_change(session)
    tmp = path.with_name(path.name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    index = _opened(tmp, reuse=False)
    # one thread and a budget larger than the documents' postings (~0.8 GiB at 1 M, allocated as
    # they grow, not up front): the writer never flushes before the commit, so the index is one
    # segment; every pass of a search pays per segment (1 M in 6 segments of 128 MiB: top-20 with
    # facets p50 17.4 -> 13.5 ms, mean 25.6 -> 23.2 in one, docs/performance.md)
    writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
    after, total = 0, 0
    while True:
        docs, after = documents(session, None, taxonomies, after=after)
        if not docs:
            break
        for doc in docs:
            writer.add_document(doc)
        total += len(docs)
        if progress:
            progress(total)
    writer.commit()
    writer.wait_merging_threads()
    (tmp / "state.json").write_text(_state(session, seq, ordered=True))  # one segment, in actor id order
    tantivy_apart.swap_in(tmp, path)  # atomic; the old index's catch-ups held off meanwhile
    with _lock:
        _open.pop(str(path), None)
    return {"documents": total, "seconds": round(time.perf_counter() - started, 1), "seq": seq}


def _catch_up(engine: Engine, session: Session, taxonomies: dict[str, Taxonomy]) -> bool:
    """Bring the index to the latest change-log seq; False when it must be rebuilt (the log's
    position read once per search, shared with the facet index: `search.log_position`)."""
    latest = log_position.latest(session)
    if latest < engine.seq or (engine.seq and log_position.mark(session, engine.seq) != engine.mark):
        return False  # another log than the one the index followed (a database replaced or emptied)
    if latest == engine.seq:
        return True
    changed = changes_since(session, seq=engine.seq, limit=REBUILD_OVER)
    if changed is None:
        return False
    try:
        writer = engine.index.writer(heap_size=32 * 2**20, num_threads=1)
    except ValueError:  # another process holds the writer: read what it commits
        engine.index.reload()
        engine.searcher, engine.ordered = engine.index.searcher(), None
        return True
    try:
        for actor_id in changed:
            writer.delete_documents_by_term("actor_id", int(actor_id))
        for doc in documents(session, sorted(changed), taxonomies)[0]:
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
    except Exception:
        writer.rollback()
        raise
    state = engine.path / "state.json"
    tmp = state.with_suffix(".tmp")
    tmp.write_text(_state(session, latest))
    tmp.replace(state)
    engine.seq, engine.mark, engine.inode = latest, log_position.mark(session, latest), state.stat().st_ino
    engine.index.reload()
    engine.searcher, engine.ordered = engine.index.searcher(), None  # the changed actors appended
    return True


def current(session: Session, taxonomies: dict[str, Taxonomy]) -> Engine:
    """The engine of this database, opened once per process, up to date with the change log;
    built (missing) or rebuilt (unreadable, or too far behind) when needed."""
    path = index_dir(session)
    if path is None:
        raise ValueError("the Tantivy engine needs a SQLite database file")
    key = str(path)
    with _lock:
        engine = _open.get(key)
    if engine is not None:
        try:
            if (path / "state.json").stat().st_ino != engine.inode:
                engine = None  # rebuilt or updated by another process: open what it wrote
        except OSError:
            engine = None
    if engine is None:
        if _still_building(key, path):
            raise Unavailable(key)
        try:
            engine = Engine(path)
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:  # missing or corrupt
            # the text, not the exception: a kept log record would keep its frames and engines
            log.warning("Tantivy index at %s unusable (%s): rebuilding it", path, f"{type(exc).__name__}: {exc}")
            _rebuild_soon(session, taxonomies, path)
            engine = Engine(path)
        with _lock:
            _open[key] = engine
    with engine.lock:
        if not _catch_up(engine, session, taxonomies):
            with _lock:
                _open.pop(key, None)
            _rebuild_soon(session, taxonomies, path)
            with _lock:
                engine = _open[key] = Engine(path)
    return engine


def rebuild_apart(on: bool = True) -> None:
    """Background rebuilds from now on in a spawned process (`search/tantivy_apart.py`), not in a
    thread of this one: `bioatlas serve`, whose master forks its workers."""
    global _apart
    _apart = on


def _inode(path: Path) -> int:
    try:
        return (path / "state.json").stat().st_ino
    except OSError:
        return -1


def _still_building(key: str, path: Path) -> bool:
    """Whether the index at `path` is being rebuilt in the background: by this process's thread,
    or, in a process forked while that thread ran (a worker of `bioatlas serve`, which has no such
    thread: it used to wait for it forever, answering every search with FTS5), until the index's
    state.json is replaced."""
    started = _building.get(key)
    if started is None:
        return False
    thread = rebuilding.get(key)
    if (thread is not None and thread.is_alive()) or _inode(path) == started:
        return True
    with _lock:
        _building.pop(key, None)
    return False


def _rebuild_soon(session: Session, taxonomies: dict[str, Taxonomy], path: Path) -> None:
    """Rebuild now when the atlas is small; else in the background (raises Unavailable): in a
    thread, which runs it in a process of its own after `rebuild_apart()`."""
    documents = session.scalar(select(func.count()).select_from(SearchDocument)) or 0
    if documents <= INLINE_REBUILD_MAX:
        with _build_lock:
            rebuild(session, taxonomies, path)
        return
    key = str(path)
    with _lock:
        if key in _building:
            raise Unavailable(key)
        _building[key] = _inode(path)
    factory = sessionmaker(bind=session.get_bind())
    url = session.get_bind().engine.url.render_as_string(hide_password=False)

    def work() -> None:
        try:
            with _build_lock:
                if _apart:
                    tantivy_apart.run(url, taxonomies, path)
                    with _lock:
                        _open.pop(key, None)
                else:
                    with factory() as own:
                        rebuild(own, taxonomies, path)
        except Exception:
            log.exception("Tantivy rebuild of %s failed", path)
        finally:
            with _lock:
                _building.pop(key, None)

    thread = threading.Thread(target=work, name="tantivy-rebuild", daemon=True)
    rebuilding[key] = thread
    thread.start()
    raise Unavailable(key)


def forget(path: Path) -> None:
    """Wait for this process's background rebuild of `path`, then close its engine (tests, before
    they delete or damage the files): nothing of this process's Tantivy reads them after."""
    thread = rebuilding.get(str(path))
    if thread is not None and (thread.join(600) or thread.is_alive()):  # bounded: fails, never hangs
        raise RuntimeError(f"the background rebuild of {path} is still running")
    with _lock:
        engine = _open.pop(str(path), None)
    if engine is not None:
        engine.close()

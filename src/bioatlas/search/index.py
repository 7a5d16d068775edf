"""Build the search documents of actors from their facts, and keep the vocabulary.

Set-based: Core selects of a batch's actors, names, sites and capabilities (by a list of ids
for the edits of a commit, by id range for the full rebuild), documents built in Python,
executemany inserts; no ORM object is loaded. On SQLite the FTS5 table follows
`search_documents` through triggers; on PostgreSQL the GIN expression index follows it by itself.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Iterable

from sqlalchemy import and_, delete, func, insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker

# reads atlas tables: search is the atlas's read model
from bioatlas.atlas.models import Actor, ActorName, Capability, Site
from bioatlas.atlas.service import Taxonomy, gazetteer, note_content_changed, note_everything
from bioatlas.atlas.service import taxonomies as load_taxonomies
from bioatlas.core.db import transaction
from bioatlas.search import fts_build
from bioatlas.search.backends import backend_for
from bioatlas.search.models import SearchDocument, SearchTerm
from bioatlas.search.text import expand_texts, index_text, join_parts

BATCH = 1000
REBUILD_BATCH = 20_000
FTS_CACHE_MIB = 512  # SQLite page cache while the FTS5 index is rebuilt (see _rebuild_fts)
FTS_AUTOMERGE, FTS_CRISISMERGE = 4, 16  # FTS5's defaults, set back after a bulk build
FTS_BULK_CRISISMERGE = 64  # segments of one level before FTS5 merges them anyway during a bulk build
# The triggers of migration 0008 (same text), dropped and restored by reindex_all in its transaction.
_SQLITE_TRIGGERS = {
    "search_documents_ai": "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, names, body) VALUES (new.actor_id, new.names, new.body); END",
    "search_documents_ad": "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, names, body) VALUES ('delete', old.actor_id, old.names, old.body); END",
}
_TERM_CHUNK = 500


class _Texts:
    """Expanded parts (`text.expand_texts`) of taxonomy terms (labels and synonyms, with their
    ancestors') and of places (commune, département and region names), each computed once."""

    def __init__(self, taxonomies: dict[str, Taxonomy]):
        self.taxonomies, self.geo = taxonomies, gazetteer()
        self._terms: dict[tuple[str, str | None], tuple] = {}
        self._places: dict[tuple[str | None, str | None, str | None], tuple] = {}

    def term(self, tax_name: str, code: str | None) -> tuple:
        key = (tax_name, code)
        if key not in self._terms:
            tax = self.taxonomies.get(tax_name)
            self._terms[key] = expand_texts(_term_texts(tax, code) if tax is not None else [])
        return self._terms[key]

    def place(self, commune: str | None, dept: str | None, region: str | None) -> tuple:
        key = (commune, dept, region)
        if key not in self._places:
            self._places[key] = expand_texts([commune or "", self.geo.departement_name(dept) if dept else "",
                                              self.geo.region_name(region) if region else ""])
        return self._places[key]


def _term_texts(tax: Taxonomy, code: str | None) -> list[str]:
    """Labels (FR, EN) and synonyms of a term and of its ancestors (CAR-T is a cell therapy)."""
    out: list[str] = []
    term, seen = tax.terms.get(code or ""), set()
    while term is not None and term.code not in seen:
        seen.add(term.code)
        out += [term.label_fr, term.label_en, *term.synonyms]
        term = tax.terms.get(term.parent or "")
    return out


def _documents(session: Session, actors: list, facts_of: Callable, texts: _Texts):
    """(rows for search_documents, vocabulary) of these actor rows; `facts_of(column)` is the
    condition selecting their names, sites and capabilities (ids in a list, or an id range).
    Facts are read in (actor, row id) order so every path builds the very same text."""
    names: dict[int, list[str]] = defaultdict(list)
    for actor_id, value in session.execute(
        select(ActorName.actor_id, ActorName.value).where(facts_of(ActorName.actor_id)).order_by(ActorName.actor_id, ActorName.id)
    ):
        names[actor_id].append(value)
    parts: dict[int, list] = defaultdict(list)  # capabilities, then places
    for actor_id, facet, code in session.execute(
        select(Capability.actor_id, Capability.facet, Capability.code)
        .where(facts_of(Capability.actor_id)).order_by(Capability.actor_id, Capability.id)
    ):
        parts[actor_id].append(texts.term(facet, code))
    for actor_id, commune, dept, region in session.execute(
        select(Site.actor_id, Site.commune_name, Site.departement, Site.region)
        .where(facts_of(Site.actor_id)).order_by(Site.actor_id, Site.id)
    ):
        parts[actor_id].append(texts.place(commune, dept, region))
    rows, vocabulary = [], set()
    for actor_id, name, kind, gmp, desc_fr, desc_en in actors:
        names_col, v1 = index_text([name, *names[actor_id]])
        body_col, v2 = join_parts([
            expand_texts([desc_fr, desc_en]), texts.term("kinds", kind), texts.term("gmp_status", gmp), *parts[actor_id],
        ])
        rows.append({"actor_id": actor_id, "names": names_col, "body": body_col})
        vocabulary |= v1 | v2
    return rows, vocabulary


_ACTOR_COLUMNS = (Actor.id, Actor.name, Actor.kind, Actor.gmp, Actor.description_fr, Actor.description_en)


def build_documents(session: Session, actor_ids: list[int], taxonomies: dict[str, Taxonomy] | None = None):
    """(rows for search_documents, vocabulary) of the existing actors among `actor_ids`."""
    texts = _Texts(taxonomies or load_taxonomies())
    actors = session.execute(select(*_ACTOR_COLUMNS).where(Actor.id.in_(actor_ids)).order_by(Actor.id)).all()
    return _documents(session, actors, lambda col: col.in_(actor_ids), texts)


def reindex(session: Session, actor_ids: Iterable[int], taxonomies: dict[str, Taxonomy] | None = None) -> int:
    """Rewrite the documents of these actors (deleted actors lose theirs). Returns the number written."""
    ids = sorted({int(i) for i in actor_ids if i is not None})
    written = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows, vocabulary = build_documents(session, chunk, taxonomies)
        session.execute(delete(SearchDocument).where(SearchDocument.actor_id.in_(chunk)))
        if rows:
            session.execute(insert(SearchDocument), rows)
        add_terms(session, vocabulary)
        written += len(rows)
    return written


def add_terms(session: Session, vocabulary: set[str]) -> None:
    """Insert the words not yet in the vocabulary."""
    todo = sorted(w for w in vocabulary if 2 <= len(w) <= 64)
    for start in range(0, len(todo), _TERM_CHUNK):
        chunk = todo[start : start + _TERM_CHUNK]
        known = set(session.scalars(select(SearchTerm.term).where(SearchTerm.term.in_(chunk))))
        new = [{"term": w, "prefix2": w[:2], "length": len(w)} for w in chunk if w not in known]
        if new:
            session.execute(insert(SearchTerm), new)


def reindex_all(session: Session, *, progress: Callable[[int], None] | None = None, batch: int = REBUILD_BATCH) -> int:
    """Rebuild every document and the vocabulary from scratch (caller commits). Set-based: per
    batch of `batch` actors in id order, four range queries (actors, names, sites,
    capabilities), the documents built in Python, one executemany; the vocabulary is written
    once at the end. On SQLite the FTS5 triggers are dropped meanwhile and the FTS5 index is
    built from the same batches in a scratch file beside the atlas, then copied in
    (`fts_build`; in place with `'rebuild'` for a database without a file), all in the caller's
    transaction: until it commits, the previous documents and index stay whole."""
    sqlite = backend_for(session).separate_index  # FTS5: an index table of its own, rebuilt at the end
    conn = session.connection()
    scratch = None
    try:
        if sqlite:
            _begin_write(conn)
            for name in _SQLITE_TRIGGERS:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
            scratch = fts_build.open_scratch(conn)  # once this rebuild holds the write lock
            if scratch is None:  # emptied now, rebuilt in place at the end
                conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")
        total = _write_documents(session, conn, batch, progress, scratch)
        if sqlite:
            if scratch is not None:
                scratch.install(conn)
            else:
                _rebuild_fts(conn)
            for sql in _SQLITE_TRIGGERS.values():
                conn.exec_driver_sql(sql)
    finally:
        if scratch is not None:
            scratch.close()
    note_everything(session)  # every document rewritten: indexes built from them (Tantivy) rebuild
    return total


def _begin_write(conn) -> None:
    """Open the write transaction before the triggers are dropped: Python's sqlite3 opens one only
    before an INSERT, UPDATE or DELETE, so a DROP TRIGGER first in a transaction is committed at
    once, and an interrupted rebuild left the FTS5 index without its triggers."""
    if not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _write_documents(session: Session, conn, batch: int, progress, scratch) -> int:
    """Replace every document and the vocabulary (`reindex_all`); each batch also goes to `scratch`."""
    conn.execute(delete(SearchDocument.__table__))
    conn.execute(delete(SearchTerm.__table__))
    note_content_changed(session)  # cached search answers are dropped at the commit
    texts = _Texts(load_taxonomies())
    vocabulary: set[str] = set()
    total, last = 0, None
    while True:
        stmt = select(*_ACTOR_COLUMNS).order_by(Actor.id).limit(batch)
        actors = conn.execute(stmt.where(Actor.id > last) if last is not None else stmt).all()
        if not actors:
            break
        low, high = last, actors[-1][0]

        def in_range(col, low=low, high=high):
            return and_(col > low, col <= high) if low is not None else col <= high

        rows, words = _documents(session, actors, in_range, texts)
        conn.execute(insert(SearchDocument.__table__), rows)
        if scratch is not None:
            scratch.add(rows)
        vocabulary |= words
        total += len(rows)
        last = high
        if progress is not None:
            progress(len(rows))
    terms = [{"term": w, "prefix2": w[:2], "length": len(w)} for w in sorted(vocabulary) if 2 <= len(w) <= 64]
    for start in range(0, len(terms), 10_000):
        conn.execute(insert(SearchTerm.__table__), terms[start : start + 10_000])
    return total


def rebuild(factory: sessionmaker[Session], *, progress: Callable[[int], None] | None = None) -> int:
    """The full rebuild (`bioatlas search reindex`): documents, vocabulary and, on SQLite, the
    FTS5 index built beside the atlas and copied in, in one transaction (`reindex_all`): an
    interrupt leaves the previous index working. (It was two transactions, the FTS5 index empty
    between them, while FTS5's in-place rebuild could take hours at 1,000,000 actors.)"""
    with transaction(factory) as session:
        return reindex_all(session, progress=progress)


def _rebuild_fts(conn) -> None:
    """FTS5 'rebuild' in place (a database without a file), made for bulk work, its settings
    restored after: a page cache of FTS_CACHE_MIB, no merging while the segments are written
    ('automerge' 0, 'crisismerge' high), then one 'optimize'. Not for a large atlas file: see
    `fts_build`."""
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{FTS_CACHE_MIB * 1024}")
    try:
        _fts_setting(conn, "automerge", 0)
        _fts_setting(conn, "crisismerge", FTS_BULK_CRISISMERGE)
        conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        _fts_setting(conn, "automerge", FTS_AUTOMERGE)  # FTS5's defaults, for the edits to come
        _fts_setting(conn, "crisismerge", FTS_CRISISMERGE)
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _fts_setting(conn, name: str, value: int) -> None:
    conn.exec_driver_sql(f"INSERT INTO search_fts(search_fts, rank) VALUES ('{name}', {int(value)})")


def index_ready(session: Session) -> bool:
    """Whether this database has the search tables (migration 0008 applied)."""
    return inspect(session.connection()).has_table(SearchDocument.__tablename__)


def counts(session: Session) -> dict[str, int]:
    return {
        "documents": session.scalar(select(func.count()).select_from(SearchDocument)) or 0,
        "terms": session.scalar(select(func.count()).select_from(SearchTerm)) or 0,
        "actors": session.scalar(select(func.count()).select_from(Actor)) or 0,
    }

"""Build the search documents of actors from their facts, and keep the vocabulary.

Set-based (Core selects by batches of ids), so a full reindex of a million actors does not load
ORM objects. On SQLite the FTS5 table follows `search_documents` through triggers; on PostgreSQL
the GIN expression index follows it by itself.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Iterable

from sqlalchemy import delete, func, insert, inspect, select
from sqlalchemy.orm import Session

from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.models import Actor, ActorName, Capability, Site
from bioatlas.atlas.taxonomy import Taxonomy, load_taxonomies
from bioatlas.search.models import SearchDocument, SearchTerm
from bioatlas.search.text import index_text

BATCH = 1000
# The triggers of migration 0008 (same text), dropped and restored by reindex_all in its transaction.
_SQLITE_TRIGGERS = {
    "search_documents_ai": "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, names, body) VALUES (new.actor_id, new.names, new.body); END",
    "search_documents_ad": "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, names, body) VALUES ('delete', old.actor_id, old.names, old.body); END",
}
_TERM_CHUNK = 500


def _term_texts(tax: Taxonomy, code: str | None) -> list[str]:
    """Labels (FR, EN) and synonyms of a term and of its ancestors (CAR-T is a cell therapy)."""
    out: list[str] = []
    term, seen = tax.terms.get(code or ""), set()
    while term is not None and term.code not in seen:
        seen.add(term.code)
        out += [term.label_fr, term.label_en, *term.synonyms]
        term = tax.terms.get(term.parent or "")
    return out


def build_documents(session: Session, actor_ids: list[int], taxonomies: dict[str, Taxonomy] | None = None):
    """(rows for search_documents, vocabulary) of the existing actors among `actor_ids`."""
    taxonomies = taxonomies or load_taxonomies()
    geo = gazetteer()
    actors = session.execute(
        select(Actor.id, Actor.name, Actor.kind, Actor.gmp, Actor.description_fr, Actor.description_en)
        .where(Actor.id.in_(actor_ids))
    ).all()
    names: dict[int, list[str]] = defaultdict(list)
    for actor_id, value in session.execute(
        select(ActorName.actor_id, ActorName.value).where(ActorName.actor_id.in_(actor_ids))
    ):
        names[actor_id].append(value)
    places: dict[int, list[str]] = defaultdict(list)
    for actor_id, commune, dept, region in session.execute(
        select(Site.actor_id, Site.commune_name, Site.departement, Site.region).where(Site.actor_id.in_(actor_ids))
    ):
        places[actor_id] += [commune or "", geo.departement_name(dept) if dept else "", geo.region_name(region) if region else ""]
    caps: dict[int, list[str]] = defaultdict(list)
    for actor_id, facet, code in session.execute(
        select(Capability.actor_id, Capability.facet, Capability.code).where(Capability.actor_id.in_(actor_ids))
    ):
        if facet in taxonomies:
            caps[actor_id] += _term_texts(taxonomies[facet], code)
    rows, vocabulary = [], set()
    for actor_id, name, kind, gmp, desc_fr, desc_en in actors:
        names_col, v1 = index_text([name, *names[actor_id]])
        body_col, v2 = index_text([
            desc_fr, desc_en, *_term_texts(taxonomies["kinds"], kind), *_term_texts(taxonomies["gmp_status"], gmp),
            *caps[actor_id], *places[actor_id],
        ])
        rows.append({"actor_id": actor_id, "names": names_col, "body": body_col})
        vocabulary |= v1 | v2
    return rows, vocabulary


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


def reindex_all(session: Session, *, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild every document and the vocabulary from scratch (caller commits)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:  # fill the documents first, build the FTS5 index once at the end (10x faster than row triggers)
        conn = session.connection()
        for name in _SQLITE_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")
    session.execute(delete(SearchDocument))
    session.execute(delete(SearchTerm))
    taxonomies = load_taxonomies()
    total, last = 0, 0
    while True:
        chunk = list(session.scalars(select(Actor.id).where(Actor.id > last).order_by(Actor.id).limit(BATCH)))
        if not chunk:
            break
        rows, vocabulary = build_documents(session, chunk, taxonomies)
        if rows:
            session.execute(insert(SearchDocument), rows)
        add_terms(session, vocabulary)
        total += len(rows)
        last = chunk[-1]
        if progress is not None:
            progress(len(rows))
    if sqlite:
        conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        for sql in _SQLITE_TRIGGERS.values():
            conn.exec_driver_sql(sql)
    return total


def index_ready(session: Session) -> bool:
    """Whether this database has the search tables (migration 0008 applied)."""
    return inspect(session.connection()).has_table(SearchDocument.__tablename__)


def counts(session: Session) -> dict[str, int]:
    return {
        "documents": session.scalar(select(func.count()).select_from(SearchDocument)) or 0,
        "terms": session.scalar(select(func.count()).select_from(SearchTerm)) or 0,
        "actors": session.scalar(select(func.count()).select_from(Actor)) or 0,
    }

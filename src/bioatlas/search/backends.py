"""The one interface over two full-text engines: SQLite FTS5 (bm25) and PostgreSQL tsvector
(ts_rank on a GIN expression index). Query words are already folded to [a-z0-9]+ by
`search.text`, so the match expressions are built from safe words only, and bound as parameters.
"""

from __future__ import annotations

import os

import numpy as np
from rapidfuzz.distance import Levenshtein
from sqlalchemy import (
    and_,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from bioatlas.atlas.service import taxonomies as load_taxonomies
from bioatlas.core import version_memo
from bioatlas.core.dialect import dialect_for
from bioatlas.core.live_index import engine_of
from bioatlas.search import tantivy_index
from bioatlas.search.models import FTS_TABLE, SearchDocument, SearchTerm
from bioatlas.search.text import QueryTerm

MIN_TYPO = 5  # shorter words are not corrected (too many neighbours)
NAME_WEIGHT = 10.0  # bm25 weight of the names column (body = 1)
PG_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, search_documents.names), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, search_documents.body), 'B'))"
)
_PG_CONFIG = "'simple'::regconfig"
_SQLITE_MATCHES = f"SELECT rowid, -bm25({FTS_TABLE}, {NAME_WEIGHT}, 1.0) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?"
_POSTGRES_MATCHES = (
    f"SELECT array_agg(actor_id), array_agg(ts_rank({PG_VECTOR}, q)) "
    "FROM search_documents, to_tsquery('simple'::regconfig, :expr) AS q "
    f"WHERE {PG_VECTOR} @@ q"
)
_NO_MATCH = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
_KNOWN = select(SearchTerm.term).where(SearchTerm.term.in_(bindparam("forms", expanding=True)))  # built once


class Backend:
    """Match and rank actors by query terms. `expression(terms, any_)`: AND (default) or OR of
    terms. One subclass per full-text engine; `backend_for(session)` picks it."""

    name = ""
    trigram = False  # known words also found by trigram similarity (pg_trgm) when correcting typos
    separate_index = False  # the index is a table of its own (FTS5), rebuilt once after a reindex

    # -- expressions ---------------------------------------------------------------------
    def expression(self, terms: list[QueryTerm], any_: bool = False, names_only: bool = False) -> str:
        raise NotImplementedError

    # -- SQL pieces ----------------------------------------------------------------------
    def _parts(self, expr: str):
        """(FROM clause, actor id column, match condition, rank expression)."""
        raise NotImplementedError

    def all_matches(self, session: Session, expr: str) -> tuple[np.ndarray, np.ndarray]:
        """(actor ids, scores) of every document matching `expr`, in no order (see matches.py)."""
        raise NotImplementedError

    def matching_ids(self, expr: str):
        """SELECT of the ids of actors whose document matches."""
        src, id_col, match, _ = self._parts(expr)
        return select(id_col).select_from(src).where(match).correlate(None)

    def ranked(self, session: Session, expr: str, actor_table, conds, limit: int, offset: int,
               exclude: list[int] = ()) -> list[tuple[int, float]]:
        """(actor id, score) best first, among actors meeting `conds`."""
        src, id_col, match, rank = self._parts(expr)
        where = [match, *conds]
        if exclude:
            where.append(id_col.notin_(list(exclude)))
        stmt = (
            select(id_col, rank.label("score"))
            .select_from(src.join(actor_table, actor_table.c.id == id_col))
            .where(*where)
            .order_by(rank.desc(), id_col)
            .limit(limit)
            .offset(offset)
        )
        return [(int(i), float(s)) for i, s in session.execute(stmt)]

    # -- typo tolerance ------------------------------------------------------------------
    def correct(self, session: Session, terms: list[QueryTerm]) -> None:
        """Add to each unknown word (MIN_TYPO+ letters, not a prefix of a known word) the closest known
        words: Levenshtein distance 1 (≤ 5 letters) or 2, candidates sharing the first two letters
        (and, on PostgreSQL, any trigram-similar word through the pg_trgm index). A word's
        correction depends only on the indexed words (`search_terms`, rewritten by commits that
        move the data version): kept per data version for an anonymous read (`core.version_memo`)."""
        todo = [t for t in terms if len(t.word) >= MIN_TYPO and not t.word.isdigit()]
        version = version_memo.carried(session)
        engine = engine_of(session) if version is not None else None
        left = []
        for term in todo:
            kept = version_memo.peek(engine, version, self._kept_as(term)) if version is not None else version_memo.MISSING
            if kept is version_memo.MISSING:
                left.append(term)
            elif kept:
                term.corrected = list(kept)
        if not left:
            return
        forms = {f for t in left for f in t.forms}
        known = set(session.connection().execute(_KNOWN, {"forms": sorted(forms)}).scalars())
        for term in left:
            corrected = () if known.intersection(term.forms) else self._closest(session, term)  # indexed: as typed
            if corrected:
                term.corrected = list(corrected)
            version_memo.put(engine, version, self._kept_as(term), corrected)

    def _kept_as(self, term: QueryTerm) -> tuple:
        return ("search.correct", self.name, term.word, tuple(term.forms), term.prefix)

    def _closest(self, session: Session, term: QueryTerm) -> tuple[str, ...]:
        """The closest known words of an unknown word (none when it is a prefix of a known word)."""
        w = term.word
        if term.prefix and session.scalar(
            select(SearchTerm.term).where(SearchTerm.prefix2 == w[:2], SearchTerm.term.like(f"{w}%")).limit(1)
        ):
            return ()
        near = and_(SearchTerm.prefix2 == w[:2], SearchTerm.length.between(len(w) - 2, len(w) + 2))
        if self.trigram:
            near = or_(near, SearchTerm.term.op("%")(w))
        candidates = list(session.scalars(select(SearchTerm.term).where(near).limit(20_000)))
        limit = 1 if len(w) <= 5 else 2
        scored = sorted((Levenshtein.distance(w, c, score_cutoff=limit), c) for c in candidates)
        scored = [(d, c) for d, c in scored if d <= limit]
        if not scored:
            return ()
        best = scored[0][0]
        return tuple(c for d, c in scored if d == best)[:3]


class SQLiteBackend(Backend):
    """FTS5 (bm25) on the `search_fts` table."""

    name = "sqlite"
    separate_index = True

    def expression(self, terms: list[QueryTerm], any_: bool = False, names_only: bool = False) -> str:
        groups = []
        for term in terms:
            forms = list(dict.fromkeys([*term.forms, *term.corrected]))
            parts = [f'"{w}"' for w in forms] + ([f'"{term.word}"*'] if term.prefix else [])
            group = "(" + " OR ".join(parts) + ")"
            groups.append(f"names : {group}" if names_only else group)
        return (" OR " if any_ else " AND ").join(groups)

    def _parts(self, expr: str):
        fts = table(FTS_TABLE, column("rowid"))
        match = literal_column(FTS_TABLE).op("MATCH")(literal(expr))
        rank = -func.bm25(literal_column(FTS_TABLE), NAME_WEIGHT, 1.0)
        return fts, fts.c.rowid, match, rank

    def all_matches(self, session: Session, expr: str) -> tuple[np.ndarray, np.ndarray]:
        """The rowids and their bm25 (negated) fetched on the raw DB-API cursor (no ORM rows) into
        one float64 array (bm25 is not allowed inside an aggregate, and `group_concat` of the
        scores would round them to 15 digits)."""
        cursor = session.connection().connection.cursor()
        try:
            rows = cursor.execute(_SQLITE_MATCHES, (expr,)).fetchall()
        finally:
            cursor.close()
        if not rows:
            return _NO_MATCH
        both = np.array(rows, dtype=np.float64)
        return both[:, 0].astype(np.int64), both[:, 1].copy()


class PostgreSQLBackend(Backend):
    """tsvector (ts_rank on a GIN expression index); typo candidates also through pg_trgm."""

    name = "postgresql"
    trigram = True

    def expression(self, terms: list[QueryTerm], any_: bool = False, names_only: bool = False) -> str:
        groups = []
        weight = "A" if names_only else ""
        for term in terms:
            forms = list(dict.fromkeys([*term.forms, *term.corrected]))
            parts = [f"{w}:{weight}" if weight else w for w in forms]
            if term.prefix:
                parts.append(f"{term.word}:*{weight}")
            groups.append("(" + " | ".join(parts) + ")")
        return (" | " if any_ else " & ").join(groups)

    def _parts(self, expr: str):
        vec = literal_column(PG_VECTOR)
        tsq = func.to_tsquery(literal_column(_PG_CONFIG), literal(expr))
        match = vec.op("@@")(tsq)
        rank = func.ts_rank(vec, tsq)
        return SearchDocument.__table__, SearchDocument.actor_id, match, rank

    def all_matches(self, session: Session, expr: str) -> tuple[np.ndarray, np.ndarray]:
        """`array_agg` of the ids and of `ts_rank` over the GIN expression index."""
        ids, scores = session.execute(text(_POSTGRES_MATCHES), {"expr": expr}).one()
        if not ids:
            return _NO_MATCH
        return np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64)


class TantivyBackend(SQLiteBackend):
    """Tantivy (`search/tantivy_index.py`) for the matches and their BM25, on a SQLite database
    file; the FTS5 table stays as the SQL reference (`ranked`, `matching_ids`: suggestions and
    tests) and for typo candidates (`search_terms`)."""

    name = "tantivy"

    def expression(self, terms: list[QueryTerm], any_: bool = False, names_only: bool = False) -> str:
        return "tantivy:" + tantivy_index.Query.of(terms, any_, names_only).encode()

    def ranked(self, session: Session, expr: str, actor_table, conds, limit: int, offset: int,
               exclude: list[int] = ()) -> list[tuple[int, float]]:
        return super().ranked(session, _fts5(expr), actor_table, conds, limit, offset, exclude)

    def matching_ids(self, expr: str):
        return super().matching_ids(_fts5(expr))

    def all_matches(self, session: Session, expr: str) -> tuple[np.ndarray, np.ndarray]:
        if not expr.startswith("tantivy:"):
            return super().all_matches(session, expr)
        try:
            engine = tantivy_index.current(session, load_taxonomies())
        except tantivy_index.Unavailable:  # a large index being rebuilt in the background: FTS5 meanwhile
            return super().all_matches(session, _fts5(expr))
        return engine.all_matches(tantivy_index.Query.decode(expr.removeprefix("tantivy:")))


def _fts5(expr: str) -> str:
    """The FTS5 expression of a Tantivy one (the SQL reference paths)."""
    if not expr.startswith("tantivy:"):
        return expr
    q = tantivy_index.Query.decode(expr.removeprefix("tantivy:"))
    terms = []
    for forms, prefix in q.groups:
        term = QueryTerm(word=prefix or forms[0], forms=forms, prefix=prefix is not None)
        terms.append(term)
    return _BACKENDS["sqlite"].expression(terms, q.any_, q.names_only)


ENGINES = ("tantivy", "fts5")
_engine = {"name": os.environ.get("BIOATLAS_FULLTEXT_ENGINE", "tantivy")}
_BACKENDS = {"sqlite": SQLiteBackend(), "postgresql": PostgreSQLBackend(), "tantivy": TantivyBackend()}


def use_engine(name: str) -> str:
    """Choose the full-text engine of SQLite databases in this process ("tantivy", the default, or
    "fts5"; environment BIOATLAS_FULLTEXT_ENGINE); returns the previous choice."""
    if name not in ENGINES:
        raise ValueError(f"unknown full-text engine {name!r}; expected one of {', '.join(ENGINES)}")
    previous, _engine["name"] = _engine["name"], name
    return previous


def engine_name() -> str:
    return _engine["name"]


def backend_for(bind) -> Backend:
    """The full-text engine of a Session, Connection or Engine (or a backend name), picked through
    the database dialect object; on a SQLite database file, Tantivy unless "fts5" was chosen."""
    backend = dialect_for(bind).choose(**_BACKENDS)
    if backend.name == "sqlite" and _engine["name"] == "tantivy" and not isinstance(bind, str):
        if tantivy_index.index_dir(bind) is not None:
            return _BACKENDS["tantivy"]
    return backend

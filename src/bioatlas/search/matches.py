"""One full-text pass per search: every matching actor id and its score, as two numpy arrays.

SQLite: the FTS5 rowids and their bm25 (negated: higher is better) fetched on the raw DB-API
cursor (no ORM row objects) into one float64 array (bm25 is not allowed inside an aggregate, and
`group_concat` of the scores would round them to 15 digits). PostgreSQL: `array_agg` of the ids and of `ts_rank` over the GIN
expression index. The scores are the very values the SQL `ORDER BY rank` of `Backend.ranked`
sorts on, so ordering by (score desc, id asc) in numpy gives the same order.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from bioatlas.search.backends import NAME_WEIGHT, PG_VECTOR
from bioatlas.search.models import FTS_TABLE

_SQLITE = f"SELECT rowid, -bm25({FTS_TABLE}, {NAME_WEIGHT}, 1.0) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?"
_POSTGRES = (
    f"SELECT array_agg(actor_id), array_agg(ts_rank({PG_VECTOR}, q)) "
    "FROM search_documents, to_tsquery('simple'::regconfig, :expr) AS q "
    f"WHERE {PG_VECTOR} @@ q"
)
EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def all_matches(session: Session, expr: str) -> tuple[np.ndarray, np.ndarray]:
    """(actor ids, scores) of every document matching the backend expression `expr`, in no order."""
    if not expr:
        return EMPTY
    if session.get_bind().dialect.name == "sqlite":
        cursor = session.connection().connection.cursor()
        try:
            rows = cursor.execute(_SQLITE, (expr,)).fetchall()
        finally:
            cursor.close()
        if not rows:
            return EMPTY
        both = np.array(rows, dtype=np.float64)
        return both[:, 0].astype(np.int64), both[:, 1].copy()
    ids, scores = session.execute(text(_POSTGRES), {"expr": expr}).one()
    if not ids:
        return EMPTY
    return np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64)

"""One full-text pass per search: every matching actor id and its score, as two numpy arrays.

Each full-text engine reads them its fastest way (`Backend.all_matches` in backends.py): SQLite
the FTS5 rowids and their negated bm25 on the raw DB-API cursor, PostgreSQL `array_agg` of the ids
and of `ts_rank` over the GIN expression index. The scores are the very values the SQL
`ORDER BY rank` of `Backend.ranked` sorts on, so ordering by (score desc, id asc) in numpy gives
the same order.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from bioatlas.search.backends import backend_for

EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def all_matches(session: Session, expr: str) -> tuple[np.ndarray, np.ndarray]:
    """(actor ids, scores) of every document matching the backend expression `expr`, in no order."""
    if not expr:
        return EMPTY
    return backend_for(session).all_matches(session, expr)

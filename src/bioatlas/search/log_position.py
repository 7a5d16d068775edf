"""The change log's position read once per search (issue 19): the facet index (`index_cache`) and
the Tantivy index (`tantivy_index`) both check their freshness against the log's latest seq and
the row at that seq (`atlas.change_mark`) before a search; inside `once(session)` those reads are
made once and shared, instead of two statements per index and search; the latest seq and its row
are read together (one statement per search).

Safe because one search reads one state of the database: the position is kept only for the
duration of the `with` block, on that session (`session.info`), and both indexes then answer as
of the same seq. Outside a block, each read goes to the database as before. A change committed
by another transaction while the block runs is seen by the next search (the log is read again)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas

KEY = "search.log_position"


@contextmanager
def once(session: Session) -> Iterator[None]:
    """Within the block, `latest` and `mark` read the log at most once each (per seq)."""
    if KEY in session.info:  # a search inside a search: the outer block's reads hold
        yield
        return
    session.info[KEY] = {}
    try:
        yield
    finally:
        session.info.pop(KEY, None)


def latest(session: Session) -> int:
    """The change log's latest seq (`atlas.latest_change`), read once within `once()`."""
    kept = session.info.get(KEY)
    if kept is None:
        return atlas.latest_change(session)
    if "latest" not in kept:  # the mark of that seq comes with it: the next question of both indexes
        kept["latest"], top_mark = atlas.change_position(session)
        kept.setdefault("marks", {})[kept["latest"]] = top_mark
    return kept["latest"]


def mark(session: Session, seq: int) -> tuple | None:
    """The fingerprint of the log row `seq` (`atlas.change_mark`), read once per seq within `once()`."""
    kept = session.info.get(KEY)
    if kept is None:
        return atlas.change_mark(session, seq=seq)
    marks = kept.setdefault("marks", {})
    if seq not in marks:
        marks[seq] = atlas.change_mark(session, seq=seq)
    return marks[seq]


"""The SQLite FTS5 index of a full rebuild, built in a scratch file beside the atlas, then copied in.

Why (docs/performance.md, "Full text at 1,000,000"): FTS5's `'rebuild'` inside the atlas file,
once its index outgrew the page cache, re-read the index pages it had spilled to the WAL again
and again (1,000,000 documents: 82 GB read in 6 minutes and rising, 912 GB in 26 minutes before,
never finished), while the same documents indexed into a table of a fresh file of their own read
4.3 GB in all (294 s). So the rebuild feeds each batch of documents, in actor id order, to an
FTS5 table of the same definition in a scratch file (no journal: it is thrown away; no merging
while the segments are written, one `'optimize'` at the end), then, in the caller's transaction,
drops and recreates the atlas's FTS5 table and copies the scratch table's four shadow tables
into it (plain row copies in key order: appends). The caller's transaction holds it all: an
interrupt or a crash before the commit leaves the previous documents and index, whole.

A database without a file (`:memory:`) has no scratch beside it: `open_scratch` returns None and
the caller rebuilds in place (`'rebuild'`).
"""

from __future__ import annotations

import os
import sqlite3

from bioatlas.search.models import FTS_TABLE

SCRATCH_SUFFIX = ".fts-build"
SCRATCH_CACHE_MIB = 512  # the scratch file's page cache (the index of 1,000,000 documents: ~1.1 GB)
BULK_AUTOMERGE, BULK_CRISISMERGE = 0, 64  # no merging while the segments are written
AUTOMERGE, CRISISMERGE = 4, 16  # FTS5's defaults, written into the copied configuration
_SHADOWS = {  # shadow table -> its columns, copied in key order
    "data": ("id", "block"),
    "idx": ("segid", "term", "pgno"),
    "docsize": ("id", "sz"),
    "config": ("k", "v"),
}
_COPY_CHUNK = 2_000


def _database_file(conn) -> str | None:
    path = conn.engine.url.database
    return path if path and path != ":memory:" and not path.startswith("file:") else None


def _table_sql(conn) -> str:
    return conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)).scalar_one()


class ScratchFts:
    """An FTS5 table like the atlas's in a scratch file: `add` documents in id order, `install`."""

    def __init__(self, path: str, table_sql: str):
        self.path, self.table_sql = path, table_sql
        remove_scratch(path)  # a scratch left by a crashed rebuild
        self.db = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", f"cache_size = -{SCRATCH_CACHE_MIB * 1024}"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute(table_sql)
        self._setting("automerge", BULK_AUTOMERGE)
        self._setting("crisismerge", BULK_CRISISMERGE)
        self.db.execute("BEGIN")
        self.count = 0

    def _setting(self, name: str, value: int) -> None:
        self.db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('{name}', {int(value)})")

    def add(self, rows: list[dict]) -> None:
        """Index these documents (rows of search_documents, ids above every id added before)."""
        self.db.executemany(f"INSERT INTO {FTS_TABLE}(rowid, names, body) VALUES (?, ?, ?)",
                            [(r["actor_id"], r["names"], r["body"]) for r in rows])
        self.count += len(rows)

    def install(self, conn) -> None:
        """Merge the scratch index into one segment, then replace the atlas's FTS5 index by it, in
        the transaction of `conn` (the atlas's triggers on search_documents are the caller's)."""
        self.db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
        self._setting("automerge", AUTOMERGE)
        self._setting("crisismerge", CRISISMERGE)
        self.db.execute("COMMIT")
        # A new table, not rows rewritten under the old one: no connection keeps a cached view
        # of the old index (FTS5 caches its structure record per connection).
        conn.exec_driver_sql(f"DROP TABLE {FTS_TABLE}")
        conn.exec_driver_sql(self.table_sql)
        raw = conn.connection.driver_connection.cursor()
        try:
            for shadow, columns in _SHADOWS.items():
                table, cols = f"{FTS_TABLE}_{shadow}", ", ".join(columns)
                raw.execute(f"DELETE FROM {table}")  # the empty structure the new table starts with
                read = self.db.execute(f"SELECT {cols} FROM {table} ORDER BY {columns[0]}")
                insert = f"INSERT INTO {table}({cols}) VALUES ({', '.join('?' * len(columns))})"
                while chunk := read.fetchmany(_COPY_CHUNK):
                    raw.executemany(insert, chunk)
        finally:
            raw.close()

    def close(self) -> None:
        self.db.close()
        remove_scratch(self.path)


def remove_scratch(path: str) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass


def open_scratch(conn) -> ScratchFts | None:
    """A scratch FTS5 table beside the atlas file of `conn` (SQLite), or None without a file."""
    path = _database_file(conn)
    return ScratchFts(path + SCRATCH_SUFFIX, _table_sql(conn)) if path else None

"""The response cache's entries shared between the workers of one `bioatlas serve`.

Each worker keeps its own LRU (web/response_cache.py); without this, every worker computed every
anonymous answer once for itself (two workers: each distinct URL missed twice). With it, an entry
a worker stored is found by the others: a SQLite file in a private temporary folder that the
serving process makes before it forks its workers (`activate`), read and written on the event
loop (WAL: a read never waits; a write that meets another one's lock is skipped, never waited
for). An entry is keyed by the data version too, so one stored before a committed change is never
found after it; a version change empties the file of older versions. Only what the response cache
already decided to share is written (a 200, no cookie set, no CSRF token in the body). Until
`activate` (tests, a single process) every call is a no-op.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path

SCHEMA = "CREATE TABLE IF NOT EXISTS entries (k TEXT PRIMARY KEY, v TEXT NOT NULL, status INTEGER NOT NULL, " \
         "headers TEXT NOT NULL, body BLOB NOT NULL)"


class SharedEntries:
    def __init__(self, *, max_entries: int = 2048, max_entry_bytes: int = 256 * 1024) -> None:
        self.path: Path | None = None
        self.max_entries, self.max_entry_bytes = max_entries, max_entry_bytes  # the file stays under ~0.5 GiB
        self.pid = 0
        self.db: sqlite3.Connection | None = None
        self.inherited: list[sqlite3.Connection] = []
        self.version = ""
        self.puts = 0
        self.stats = {"found": 0, "written": 0, "skipped": 0}

    def activate(self, folder: Path | None = None) -> Path:
        """Share from now on, in a new private folder (or `folder`); returns the folder."""
        where = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="bioatlas-cache-"))
        path = where / "entries.sqlite3"
        setup = sqlite3.connect(path, isolation_level=None)  # made here, once: workers only open it
        try:
            setup.execute("PRAGMA journal_mode=WAL")  # kept by the file
            setup.execute(SCHEMA)
        finally:
            setup.close()  # no connection crosses the fork
        self.path = path
        return where

    def _connection(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        if self.pid != os.getpid():  # a forked worker opens its own (the parent's is kept aside, unused)
            if self.db is not None:
                self.inherited.append(self.db)
                self.db = None
            try:
                db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=0)
                db.execute("PRAGMA synchronous=OFF")  # a cache: losing it in a crash costs nothing
            except sqlite3.Error:  # unreadable now: no sharing for this request, try again at the next
                return None
            self.db, self.pid = db, os.getpid()
        return self.db

    def get(self, key: tuple, version: tuple) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        db = self._connection()
        if db is None:
            return None
        try:
            row = db.execute("SELECT status, headers, body FROM entries WHERE k = ? AND v = ?",
                             (repr(key), repr(version))).fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        self.stats["found"] += 1
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in json.loads(row[1])]
        return row[0], headers, bytes(row[2])

    def put(self, key: tuple, version: tuple, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        if len(body) > self.max_entry_bytes:
            return
        db = self._connection()
        if db is None:
            return
        v = repr(version)
        try:
            if v != self.version:  # entries of older versions are never found again: drop them
                db.execute("DELETE FROM entries WHERE v != ?", (v,))
                self.version = v
            db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?)",
                       (repr(key), v, status, json.dumps([(k.decode("latin-1"), x.decode("latin-1"))
                                                          for k, x in headers]), body))
            self.puts += 1
            if self.puts % 256 == 0:  # bounded: the oldest rows beyond max_entries go
                db.execute("DELETE FROM entries WHERE rowid <= (SELECT max(rowid) FROM entries) - ?",
                           (self.max_entries,))
            self.stats["written"] += 1
        except sqlite3.Error:  # another worker is writing: this entry stays local
            self.stats["skipped"] += 1

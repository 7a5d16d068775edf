"""bench/common.py's page-cache pieces used by `bench/http_load.py` (`--cold`, the files cached
before and after a run)."""

from __future__ import annotations

import os
from pathlib import Path

from bench.common import atlas_files, drop_from_cache, files_in_cache


def test_a_sqlite_atlas_s_files_and_none_for_postgresql():
    assert atlas_files("sqlite:////data/a.sqlite3") == [Path("/data/a.sqlite3"), Path("/data/a.sqlite3.indexes"),
                                                       Path("/data/a.sqlite3.tantivy")]
    assert atlas_files("postgresql://u@127.0.0.1/db") == []


def test_cold_drops_the_files_from_the_cache(tmp_path):
    database = tmp_path / "a.sqlite3"
    (tmp_path / "a.sqlite3.indexes").mkdir()
    (tmp_path / "a.sqlite3.indexes" / "x.npy").write_bytes(os.urandom(1 << 16))
    database.write_bytes(os.urandom(1 << 18))
    files = atlas_files(f"sqlite:///{database}")
    for path in (database, tmp_path / "a.sqlite3.indexes" / "x.npy"):
        with path.open("rb") as f:
            os.fsync(f.fileno())  # clean pages: the kernel may drop them
            f.read()
    assert files_in_cache(files) == ((1 << 18) + (1 << 16), (1 << 18) + (1 << 16))
    drop_from_cache(files)
    assert files_in_cache(files) == (0, (1 << 18) + (1 << 16))

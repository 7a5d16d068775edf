"""core/page_cache.py: the atlas's files asked into the page cache at `bioatlas serve`'s start,
within a share of the available memory, and the cache's content read back with mincore."""

from __future__ import annotations

import os
from pathlib import Path

from bioatlas.core import page_cache


def _files(tmp_path: Path) -> dict[str, Path]:
    index = tmp_path / "atlas.sqlite3.indexes" / "map.1.abc"
    index.mkdir(parents=True)
    sizes = {"db": 50_000, "a": 10_000, "b": 3_000, "big": 400_000}
    paths = {"db": tmp_path / "atlas.sqlite3", "a": index / "a.npy", "b": index / "b.npy",
             "big": tmp_path / "big.bin"}
    for name, path in paths.items():
        path.write_bytes(os.urandom(sizes[name]))
    return paths


def _record(monkeypatch) -> list[tuple[int, int, int, int]]:
    calls: list[tuple[int, int, int, int]] = []  # (inode, offset, length, advice)
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, off, n, advice: calls.append((os.fstat(fd).st_ino, off, n, advice)))
    monkeypatch.setattr(page_cache, "CHUNK", 4096)
    return calls


def test_read_in_asks_each_file_whole_in_chunks_smallest_first_within_the_budget(tmp_path, monkeypatch):
    paths = _files(tmp_path)
    calls = _record(monkeypatch)
    done = page_cache.read_in([paths["db"], None, tmp_path / "missing", paths["a"].parent.parent, paths["big"]],
                              share=0.5, available=2 * 100_000)  # a budget of 100,000 bytes
    assert done == page_cache.ReadIn(files=3, bytes=63_000, skipped=1, budget=100_000)
    inodes = [ino for ino, *_ in calls]
    order = [paths[n].stat().st_ino for n in ("b", "a", "db")]  # smallest first; "big" over the budget
    assert sorted(set(inodes), key=inodes.index) == order
    for name in ("b", "a", "db"):
        ranges = [(off, n) for ino, off, n, advice in calls if ino == paths[name].stat().st_ino]
        assert all(advice == os.POSIX_FADV_WILLNEED for *_, advice in calls)
        assert all(n <= 4096 for _, n in ranges)
        assert [off for off, _ in ranges] == list(range(0, paths[name].stat().st_size, 4096))
        assert sum(n for _, n in ranges) == paths[name].stat().st_size  # the whole file, once


def test_nothing_is_asked_where_the_available_memory_is_unknown(tmp_path, monkeypatch):
    paths = _files(tmp_path)
    calls = _record(monkeypatch)
    monkeypatch.setattr(page_cache, "available_memory", lambda: None)
    assert page_cache.read_in(paths.values()) == page_cache.ReadIn(0, 0, 4, 0)
    assert calls == []


def test_resident_sees_a_file_leave_the_cache_and_come_back(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(os.urandom(1 << 20))
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)  # clean pages: the kernel may drop them
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        assert page_cache.resident([path]) == (0, 1 << 20)
        while os.read(fd, 1 << 16):
            pass
    finally:
        os.close(fd)
    assert page_cache.resident([path, tmp_path / "missing", None]) == (1 << 20, 1 << 20)

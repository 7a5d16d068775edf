"""An atlas's files read into the operating system's page cache when `bioatlas serve` starts.

A server reads its atlas through the page cache: the SQLite file (the cards of a search, an
actor's rows), the Tantivy index and the memory-mapped index files (`core.index_files`). When
those pages are not in memory, the first requests of each kind read them from the disk one page
fault at a time, and a miss's few milliseconds become tens. They are not in memory after a
reboot, after other work pushed them out, or on a host that reclaims idle pages: measured at
1,000,000 actors (docs/performance.md, `queue1`), 50 clients' search p95 was ~470–540 ms with the
files out of the cache against ~260 ms with them in.

`read_in` asks the kernel to read them ahead (`posix_fadvise(POSIX_FADV_WILLNEED)`, in chunks:
asked for a whole file at once, Linux reads one readahead window only). The call returns at
once: the kernel reads while the server builds its indexes and warms its routes, and no byte
is copied into the process (~0.1 s of CPU per 4 GiB asked, against ~6 s for reading them).
What is asked is bounded by `share` of the memory the kernel reports available, smallest files
first: on a host where the atlas does not fit, the largest files are left to be read on demand,
as before. `resident` says how much of the files is in the cache (`mincore`), for the start's
message and the measures.

Without `posix_fadvise` (not Linux) or `/proc/meminfo`, nothing is asked: pages then come as the
requests need them, as they always did.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHUNK = 8 << 20  # bytes per advice: one readahead request each (a whole file at once reads one window)
SHARE = 0.5  # of the available memory, at most, asked to be read in


@dataclass(frozen=True)
class ReadIn:
    files: int  # files asked to be read in
    bytes: int  # their size
    skipped: int  # files left out: over the budget
    budget: int  # bytes that could be asked


def files_of(paths: Iterable[Path | None]) -> list[Path]:
    """The regular files of `paths` (a file, or every file under a folder), once each; missing
    paths and None are left out."""
    return [path for path, _ in _sized(paths)]


def _sized(paths: Iterable[Path | None]) -> list[tuple[Path, int]]:
    """(file, size) of each regular file of `paths`; a file gone meanwhile (an older save of the
    index files removed by `bioatlas jobs worker`) is left out."""
    seen: dict[Path, int] = {}
    for path in paths:
        if path is None:
            continue
        try:
            found = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        except OSError:
            continue
        for p in found:
            try:
                seen.setdefault(p.resolve(), p.stat().st_size)
            except OSError:
                continue
    return list(seen.items())


def available_memory() -> int | None:
    """MemAvailable of /proc/meminfo in bytes; None where there is none."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def read_in(paths: Iterable[Path | None], *, share: float = SHARE, available: int | None = None) -> ReadIn:
    """Ask the kernel to read the files of `paths` into its page cache, smallest first, while
    their sizes sum to at most `share` of the available memory; returns at once."""
    files = sorted(_sized(paths), key=lambda item: item[1])
    memory = available_memory() if available is None else available
    advise = getattr(os, "posix_fadvise", None)
    if memory is None or advise is None:
        return ReadIn(0, 0, len(files), 0)
    budget = int(memory * share)
    left, asked, size_asked = budget, 0, 0
    for path, size in files:
        if size > left:
            continue
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            for offset in range(0, size, CHUNK):
                advise(fd, offset, min(CHUNK, size - offset), os.POSIX_FADV_WILLNEED)
        except OSError:
            continue
        finally:
            os.close(fd)
        left -= size
        asked += 1
        size_asked += size
    return ReadIn(asked, size_asked, len(files) - asked, budget)


_libc = None


def _mincore():
    global _libc
    if _libc is None:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
        libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_ubyte)]
        _libc = libc
    return _libc


def resident(paths: Iterable[Path | None]) -> tuple[int, int]:
    """(bytes in the page cache, bytes in all) of the files of `paths`, by page (`mincore` on a
    read-only map of each file; a file that cannot be mapped counts as not in the cache)."""
    page = mmap.PAGESIZE
    inside = total = 0
    for path, size in _sized(paths):
        total += size
        if size == 0:
            continue
        try:
            libc = _mincore()
            fd = os.open(path, os.O_RDONLY)
        except (OSError, AttributeError):  # no mincore here, or the file gone
            continue
        try:
            addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
            if addr in (None, ctypes.c_void_p(-1).value):
                continue
            pages = (size + page - 1) // page
            vector = (ctypes.c_ubyte * pages)()
            try:
                if libc.mincore(addr, size, vector) == 0:
                    inside += min(size, int(np.count_nonzero(np.frombuffer(bytes(vector), np.uint8) & 1)) * page)
            finally:
                libc.munmap(addr, size)
        finally:
            os.close(fd)
    return inside, total

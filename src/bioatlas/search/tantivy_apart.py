"""A background rebuild of the Tantivy index in a process of its own (`bioatlas serve`).

`tantivy_index` rebuilds a large index in the background (FTS5 answers meanwhile). In a thread of
`bioatlas serve`'s master, the writer's memory (its budget is `WRITER_HEAP`; ~0.6 GiB held at
200,000 actors) grew in the process the workers and renderers are forked from: each inherited a
copy of what was allocated so far, and the master kept what the allocator did not give back (200k
atlas, 2 workers, no renderers: PSS 1,680 MiB during such a rebuild against 1,021 without). In a
spawned process it is given back whole when that process exits, and nothing is inherited."""

from __future__ import annotations

import ctypes
import fcntl
import logging
import multiprocessing
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


def run(url: str, taxonomies: dict, path: Path) -> int | None:
    """Rebuild the index at `path` of the database at `url` in a new (spawned) process; waits for
    it. Its exit code (None when another part of the process reaped it: gunicorn's master reaps
    any child; the caller checks the index's state instead). Daemonic: a server that stops ends
    it (the rebuild starts again at the next start) instead of waiting for it at exit."""
    process = multiprocessing.get_context("spawn").Process(target=rebuild_in_child, args=(url, taxonomies, str(path)),
                                                           name="tantivy-rebuild", daemon=True)
    process.start()
    process.join()
    return process.exitcode


def rebuild_in_child(url: str, taxonomies: dict, path: str) -> dict:
    """The child's work: its own engine on the database, then `tantivy_index.rebuild`."""
    from sqlalchemy.orm import Session

    from bioatlas.core.db import make_engine
    from bioatlas.search import tantivy_index

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return tantivy_index.rebuild(session, taxonomies, Path(path))
    finally:
        engine.dispose()


# -- one rebuild at a time, and its swap ---------------------------------------------------------
WRITER_WAIT = 60.0  # seconds a swap waits for another process's catch-up commit on the old index
_RENAME_EXCHANGE = 2  # linux/fs.h


def lock_path(path: Path) -> Path:
    """The lock file of the rebuilds of the index at `path` (beside it: it outlives the swaps)."""
    return path.with_name(path.name + ".rebuild.lock")


@contextmanager
def one_rebuild(path: Path) -> Iterator[None]:
    """Held while the index at `path` is rebuilt: an exclusive `flock` that every process's rebuild
    waits for (`bioatlas serve`'s, the jobs worker's quiet one), so that two never write the same
    new directory; the kernel releases it if the process dies."""
    with lock_path(path).open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def being_rebuilt(path: Path) -> bool:
    """Whether some process is rebuilding the index at `path` now (`one_rebuild` held)."""
    try:
        with lock_path(path).open("a") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(f, fcntl.LOCK_UN)
            return False
    except BlockingIOError:
        return True


def swap_in(new: Path, path: Path) -> None:
    """Put the index written at `new` in the place of the one at `path`, then delete the old one.

    Atomic where the system allows it (Linux `renameat2(RENAME_EXCHANGE)`): a reader always finds
    an index at `path`, never a moment without one (which it would take for a corrupt index and
    rebuild). Meanwhile this holds the old index's Tantivy writer lock, through a path that follows
    its directory (`/proc/self/fd`): a catch-up in another process (an edit made during the
    rebuild) commits before the swap or not at all into the old directory, never the old segments'
    list into the new one; it commits into the new directory at its next search (the change log's
    rows since the rebuild's seq)."""
    if not path.exists():
        new.rename(path)
        return
    held = _hold_writer(path)
    try:
        if not _exchange(new, path):
            old = path.with_name(path.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            path.rename(old)
            new.rename(path)
            new = old
    finally:
        held()
    shutil.rmtree(new, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories' names in one step; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0


def _hold_writer(path: Path):
    """Take the Tantivy writer lock of the index at `path` (waiting up to WRITER_WAIT s for another
    process's commit); returns what releases it."""
    import tantivy

    from bioatlas.search.tantivy_documents import schema

    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    writer = None
    deadline = time.monotonic() + WRITER_WAIT
    try:
        index = tantivy.Index(schema(), path=f"/proc/self/fd/{fd}", reuse=True)
        while writer is None:
            try:
                writer = index.writer(heap_size=15_000_000, num_threads=1)
            except ValueError:  # another process's catch-up is committing
                if time.monotonic() > deadline:
                    log.warning("the writer lock of %s stayed taken: swapping without it", path)
                    break
                time.sleep(0.05)
    except (OSError, ValueError) as exc:  # an old index unreadable: nothing to keep from committing
        log.warning("old Tantivy index at %s not opened for its swap (%s)", path, exc)

    def release() -> None:
        nonlocal writer
        writer = None
        os.close(fd)

    return release

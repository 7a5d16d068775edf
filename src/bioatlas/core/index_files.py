"""In-memory indexes persisted beside a SQLite database, as numpy files memory-mapped read-only.

A live index (`core.live_index`) built from SQL at every start (the map's sites, the search's
facet columns) can be written here after a build and read back by the next process in a
fraction of a second: `np.load(mmap_mode="r")` maps the files, so the pages come from the
page cache and are shared by every process that maps them (the workers of `bioatlas serve`),
instead of each holding its own copy.

Layout, beside `atlas.sqlite3`: a folder `atlas.sqlite3.indexes/` holding, per index, one
immutable folder of `.npy` files per save (`map.<seq>.<random>/`) and a pointer `map.json`
naming the current one with its key and, per file, its size and CRC-32. A save writes the new
folder, then replaces the pointer with `os.replace` (atomic): a reader sees the old save or the
new one, never half of one. Older folders are removed after (a process still mapping one keeps
its pages: unlinked files live on while mapped).

The key is what the files were built from: the feature's format, the change log's seq and the
fingerprint of its row (`mark`: a database restored or a log reset up to the same seq has
another), the schema revision, and whatever else the feature adds (the taxonomies' digest).
`load` returns None, after logging one line naming the file, when the pointer or a file is
missing, unreadable, truncated or corrupt (CRC), or the key differs in anything but the seq:
the caller then builds from SQL. Files older than the log (a smaller seq, same mark chain) are
returned with their seq: the live index absorbs the changes since, or rebuilds, exactly as it
does for an index held in memory, so a persisted index is never served stale.

An index made of Python objects (the resolver's dictionaries) is saved whole with `pickled=`
(pickle: read ~40 times faster than rebuilt, though not shared page by page: `bioatlas serve`
reads it before forking its workers and freezes it out of the collector's reach, so its pages
stay shared copy-on-write). Pickle runs code when read: only ever read from the folder this
server writes beside its own database (whoever can write there can already change the atlas).

A database with no "beside" (PostgreSQL) has its files under the folder given to `enable(root=)`
(`bioatlas serve`: `<data dir>/indexes/`), in a sub-folder named for the database's identity (the
cluster's system identifier, the database's oid and name, the server's address: `identity()`), so
two databases, or a database dropped and created again under the same name, never share files; the
key and the log row's mark then tell the states of one database apart as they do for a file.
In-memory databases have none. Only once `enable()` was called (`bioatlas serve` does, unless
`BIOATLAS_INDEX_FILES=0`): other commands and the tests build in memory as before.

An empty change log (an atlas loaded by raw SQL and never edited since) has no row to tell the
atlas by: the callers' `mark_of(0)` gives a fingerprint of its content instead
(`atlas.changelog.files_mark`), so such an atlas saves its files too.

Writers: `bioatlas serve`'s master at a start, and `bioatlas jobs worker` (task `jobs.save_indexes`,
which keeps the files near the log while a server runs for weeks). One at a time per index: `save`
takes an exclusive `flock` on `.<name>.lock` in the folder without waiting, and a writer that
finds it taken saves nothing (the other one is writing a save at least as complete). Under the
lock, a save older than the pointer's (a smaller seq of the same key and database) is dropped: the
files never go back in time."""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import logging
import os
import pickle
import secrets
import shutil
import weakref
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import EllipsisType
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
FORMAT = 2  # of the pointer and folder layout below
CHUNK = 16 << 20  # bytes per CRC step
PICKLED = "object.pickle"
_enabled = False
_root: Path | None = None  # where the files of a database with no "beside" go (PostgreSQL)
_identities: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> identity()


def enable(on: bool = True, root: Path | None | EllipsisType = ...) -> None:
    """Read and write index files from now on in this process (and the processes it forks);
    `root`: the folder of the databases that are not a SQLite file (unchanged when not given)."""
    global _enabled, _root
    _enabled = on and os.environ.get("BIOATLAS_INDEX_FILES", "1") != "0"
    if not isinstance(root, EllipsisType):
        _root = None if root is None else Path(root).resolve()


def enabled() -> bool:
    """Whether index files are read and written in this process (`enable()`)."""
    return _enabled


def identity(engine) -> str:
    """A PostgreSQL database's identity, hashed: the cluster's system identifier (another cluster,
    or one restored from a dump, has another), the database's oid (dropped and created again: a new
    one) and name, and the server's address and port. Read once per engine, on its own connection."""
    known = _identities.get(engine)
    if known is None:
        parts: list[Any] = [engine.url.host, engine.url.port]
        with engine.connect() as c:
            parts += list(c.execute(text("SELECT oid, datname FROM pg_database WHERE datname = current_database()")).one())
            try:
                parts.append(c.execute(text("SELECT system_identifier FROM pg_control_system()")).scalar())
            except Exception:  # not allowed to this role: the oid and the address remain
                c.rollback()
        known = _identities[engine] = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]
    return known


@dataclass(frozen=True)
class Loaded:
    arrays: dict[str, np.ndarray]  # read-only memory maps
    meta: dict[str, Any]  # what the feature saved beside its arrays (vocabularies, ...)
    seq: int  # the change-log seq the files reflect
    mark: Any  # that log row's fingerprint, as the database gives it now (equal to the saved one)
    obj: Any = None  # the object saved with `pickled=` (an index of Python objects)


def folder_for(engine) -> Path | None:
    """`<database>.indexes` beside a SQLite file, `<root>/postgresql-<identity>` for a PostgreSQL
    database when a root was given; None for any other database or when not enabled."""
    if not _enabled:
        return None
    engine = getattr(engine, "engine", engine)  # a Connection's
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return None if _root is None else _root / f"postgresql-{identity(engine)}"
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:") or url.query.get("mode") == "memory":
        return None
    return Path(url.database).resolve().parent / (Path(url.database).name + ".indexes")


def _crc(path: Path) -> int:
    crc = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def _unpickle(path: Path) -> Any:
    """The object of a pickle, the cyclic collector paused meanwhile (millions of new objects would
    set off full collections over everything already read), then moved with every object alive
    to the collector's permanent generation (`gc.freeze`): a long-lived index the collector need
    never walk. Unfrozen, the first collection after the load walked them all (the resolver at a
    million actors: 12.7 million objects, 12 s)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        with path.open("rb") as f:
            obj = pickle.load(f)
        gc.freeze()
        return obj
    finally:
        if enabled:
            gc.enable()


def _pickle(obj: Any, path: Path) -> None:
    """Write the object's pickle, the cyclic collector paused meanwhile: the pickler's memo makes a
    tuple per object written, millions of them, and each collection they set off walked them all
    again (the resolver at 200,000 actors: 5.5 s of CPU with the collector, 2.8 s without)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        with path.open("wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        if enabled:
            gc.enable()


def _full_key(session: Session, key: dict[str, Any]) -> dict[str, Any]:
    """The feature's key with this module's format and the schema revision (Alembic's)."""
    revision = session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return {**key, "files_format": FORMAT, "schema": sorted(revision)}


def _encoded(mark: Any) -> str:
    return json.dumps(mark, default=str)


def load(session: Session, name: str, key: dict[str, Any], mark_of: Callable[[int], Any]) -> Loaded | None:
    """The arrays saved for `name` under this key, memory-mapped read-only, if the log's row of
    their seq still has the fingerprint they were saved with (`mark_of(seq)`: the files are as old
    as or older than the database, never of another one); None otherwise (logged when something
    was there)."""
    folder = folder_for(session.get_bind())
    if folder is None:
        return None
    pointer = folder / f"{name}.json"
    if not pointer.exists():
        return None
    try:
        head = json.loads(pointer.read_text())
        stored, seq, saved_mark = head["key"], int(head["seq"]), head["mark"]
        mark = mark_of(seq) if stored == _full_key(session, key) and saved_mark not in (None, "null") else None
        if mark is None or _encoded(mark) != saved_mark:
            log.info("index files %s: built for another schema, format or database (seq %s), rebuilding", pointer, seq)
            return None
        data = folder / head["folder"]
        arrays, obj = {}, None
        for field, (size, crc) in head["files"].items():
            path = data / field
            if path.stat().st_size != size or _crc(path) != crc:
                raise ValueError(f"{path}: size or checksum differs from {pointer}")
            if field == PICKLED:
                obj = _unpickle(path)
            else:
                arrays[field.removesuffix(".npy")] = np.load(path, mmap_mode="r", allow_pickle=False)
        return Loaded(arrays, head["meta"], seq, mark, obj)
    except Exception as exc:  # a damaged save is rebuilt, never fatal
        log.warning("index files %s unreadable (%s: %s), rebuilding from the database", pointer,
                    type(exc).__name__, exc)
        return None


def saved_seq(session: Session, name: str) -> int | None:
    """The change-log seq of the files saved for `name` (their pointer's), None when there are none
    (or files are off); whether they are of this database is `load`'s question."""
    folder = folder_for(session.get_bind())
    try:
        return None if folder is None else int(json.loads((folder / f"{name}.json").read_text())["seq"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextmanager
def _writer(folder: Path, name: str) -> Iterator[bool]:
    """Whether this process is the one writer of `name`'s files (an exclusive flock, not waited for;
    released when the block ends, or by the kernel if the process dies)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f".{name}.lock").open("a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _newer_saved(session: Session, folder: Path, name: str, key: dict[str, Any], seq: int,
                 mark_of: Callable[[int], Any]) -> int | None:
    """The seq of a save of this key and database newer than `seq` already in place, if any."""
    try:
        head = json.loads((folder / f"{name}.json").read_text())
        if int(head["seq"]) <= seq or head["key"] != _full_key(session, key):
            return None
        return int(head["seq"]) if _encoded(mark_of(int(head["seq"]))) == head["mark"] else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(session: Session, name: str, key: dict[str, Any], seq: int, mark_of: Callable[[int], Any],
         arrays: dict[str, np.ndarray], meta: dict[str, Any], pickled: Any = None) -> Path | None:
    """Write the arrays and meta of the index as of log row `seq` (its fingerprint `mark_of(seq)`,
    as `load` checks it), under this key; the folder written, or None (nowhere to write, another
    writer at work, a newer save in place, or a failure, logged: the index in memory is unaffected)."""
    folder = folder_for(session.get_bind())
    mark = mark_of(seq) if folder is not None else None
    if folder is None or mark is None:  # a pruned row: nothing to tell this atlas by
        return None
    try:
        with _writer(folder, name) as alone:
            if not alone:
                log.info("index files %s: another process is writing them, not saved (seq %s)", folder / name, seq)
                return None
            newer = _newer_saved(session, folder, name, key, seq, mark_of)
            if newer is not None:
                log.info("index files %s: a newer save is in place (seq %s), seq %s not written", folder / name, newer, seq)
                return None
            return _write(session, folder, name, key, seq, mark, arrays, meta, pickled)
    except OSError as exc:
        log.warning("could not write the index files %s (%s: %s)", folder / name, type(exc).__name__, exc)
        return None


def _write(session: Session, folder: Path, name: str, key: dict[str, Any], seq: int, mark: Any,
           arrays: dict[str, np.ndarray], meta: dict[str, Any], pickled: Any) -> Path | None:
    """The save itself, under the writer's lock: a new folder, then the pointer replaced."""
    data = folder / f"{name}.{int(seq)}.{secrets.token_hex(4)}"
    try:
        data.mkdir(parents=True)
        files = {}
        for field, array in arrays.items():
            path = data / f"{field}.npy"
            np.save(path, np.ascontiguousarray(array), allow_pickle=False)
            files[path.name] = (path.stat().st_size, _crc(path))
        if pickled is not None:
            path = data / PICKLED
            _pickle(pickled, path)
            files[path.name] = (path.stat().st_size, _crc(path))
        tmp = folder / f".{name}.json.{secrets.token_hex(4)}"
        tmp.write_text(json.dumps({"key": _full_key(session, key), "seq": int(seq), "mark": _encoded(mark), "folder": data.name, "files": files, "meta": meta}))
        os.replace(tmp, folder / f"{name}.json")
    except Exception as exc:
        log.warning("could not write the index files %s (%s: %s)", data, type(exc).__name__, exc)
        shutil.rmtree(data, ignore_errors=True)
        return None
    try:
        current = json.loads((folder / f"{name}.json").read_text())["folder"]
    except Exception:
        current = data.name
    for old in folder.glob(f"{name}.*"):  # the previous saves (mapped ones keep their pages)
        if old.is_dir() and old.name not in (data.name, current):
            shutil.rmtree(old, ignore_errors=True)
    log.info("index files %s written (seq %s)", data, seq)
    return data

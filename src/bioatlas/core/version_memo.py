"""Reads that change only with a committed change, made once per data version and process.

The response cache reads the data version of every anonymous read it is asked (the change log's
seq, the content counter and the time of the latest content change: any committed change, by
any process, moves it; see `atlas.content_version`). It puts that version on the request
(`scope["state"]["data_version"]`, with the moment it was read), and the request's session
carries it (`core.deps.get_session`: `session.info[KEY]`). A read made on such a session that
depends on nothing but the committed data (whether the scope was ever computed, the typo check's
known words) is then kept in this process for that version and database, and the next request
carrying the same version takes it without a statement (nor, on the event loop, a trip to the
thread pool: `peek`).

Never stale: a value is read after the version it is kept under was read, so it is as new as
that version or newer; a request carrying an older version (read before a commit) finds no value
and reads the database; a version read later replaces the values of an older one, never the
reverse. Sessions without a version (signed-in readers, writes, the CLI, the cache off) read the
database as before. One version's values per database, bounded (`MAX_VALUES`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from bioatlas.core.live_index import PerEngine, engine_of

KEY = "data_version"  # in session.info and the request's scope state: (version, moment it was read)
MAX_VALUES = 4096  # values kept per database for one version (then the oldest go)
T = TypeVar("T")
_MISSING: Any = object()


class _Slot:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: Hashable | None = None
        self.read_at = float("-inf")
        self.values: dict[Hashable, Any] = {}


_SLOTS: PerEngine[_Slot] = PerEngine(_Slot)


def carried(session: Session) -> tuple[Hashable, float] | None:
    """The (data version, moment read) this session's request carries, or None."""
    return session.info.get(KEY)


def peek(bind, carried_version: tuple[Hashable, float] | None, name: Hashable) -> Any:
    """The value kept as `name` for this version of the database (Engine, Session or Connection),
    or `MISSING`; no database read (safe on the event loop)."""
    if carried_version is None:
        return _MISSING
    slot = _SLOTS.peek(bind)
    if slot is None:
        return _MISSING
    with slot.lock:
        return slot.values.get(name, _MISSING) if slot.version == carried_version[0] else _MISSING


def put(bind, carried_version: tuple[Hashable, float] | None, name: Hashable, value: Any) -> None:
    """Keep `value` (read after the version was) as `name` for that version; the values of an
    older version are dropped, a value of a version read earlier than the one held is not kept."""
    if carried_version is None:
        return
    version, read_at = carried_version
    slot = _SLOTS.slot(bind)
    with slot.lock:
        if slot.version != version:
            if read_at < slot.read_at:
                return
            slot.version, slot.read_at, slot.values = version, read_at, {}
        if len(slot.values) >= MAX_VALUES:
            slot.values.pop(next(iter(slot.values)))
        slot.values[name] = value


def read(session: Session, name: Hashable, reader: Callable[[], T]) -> T:
    """`reader()` (a read on `session`), kept for the session's data version when it carries one."""
    version = carried(session)
    if version is None:
        return reader()
    engine = engine_of(session)
    found = peek(engine, version, name)
    if found is not _MISSING:
        return found
    value = reader()
    put(engine, version, name, value)
    return value


def forget(bind) -> None:
    """Drop what is kept for this database (tests that replace its contents without a commit)."""
    _SLOTS.forget(bind)


MISSING = _MISSING

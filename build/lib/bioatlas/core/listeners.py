"""Commit listeners, installed explicitly (`create_app`, the CLI, the tests, benchmarks): every
feature's `CommitListener` (plug-in hook `bioatlas_commit_listeners`) goes on the Session class
once, before-commit work in `order`. Nothing is installed by importing a package."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from bioatlas.core.db import table_exists
from bioatlas.core.plugins import CommitListener, collect

_installed: dict[str, CommitListener] = {}


def install(listeners: list[CommitListener] | None = None) -> list[str]:
    """Install every feature's listeners (or the ones given) on every Session; idempotent.
    Returns the names installed, in before-commit order."""
    chosen = listeners if listeners is not None else collect("bioatlas_commit_listeners")
    for listener in sorted(chosen, key=lambda item: item.order):
        if listener.name in _installed:
            continue
        if listener.after_flush:
            event.listen(Session, "after_flush", listener.after_flush)
        if listener.before_commit:
            event.listen(Session, "before_commit", listener.before_commit)
        if listener.after_rollback:
            event.listen(Session, "after_rollback", listener.after_rollback)
        _installed[listener.name] = listener
    return sorted(_installed, key=lambda name: _installed[name].order)


def installed() -> list[str]:
    """The names of the listeners installed in this process, in before-commit order."""
    return sorted(_installed, key=lambda name: _installed[name].order)


BULK_KEY = "bulk_actor_ids"  # ids set-based loaders (atlas.bulk) leave in session.info for the listeners


def touched_listener(*, name: str, order: int, key: str, note: Callable[[Session, str], None], table: str,
                     work: Callable[[Session, set[int]], None], bulk: str | None = None) -> CommitListener:
    """The one shape of a listener that follows what a commit touched: every flush notes ids into
    `session.info[key]` (`note(session, key)`); just before the commit (once, even when `work`
    flushes again), the ids noted — plus the bulk loaders' ids when `bulk` is "read" (left for the
    next listener) or "take" (consumed) — go to `work(session, ids)` when there are any and `table`
    exists; a rollback forgets them."""
    busy = f"{key}:busy"

    def after_flush(session: Session, _context) -> None:
        note(session, key)

    def before_commit(session: Session) -> None:
        if session.info.get(busy):
            return
        session.info[busy] = True
        try:
            session.flush()
            ids = set(session.info.pop(key, set()))
            if bulk == "read":
                ids |= set(session.info.get(BULK_KEY, ()))
            elif bulk == "take":
                ids |= set(session.info.pop(BULK_KEY, set()))
            ids.discard(None)
            if ids and table_exists(session, table):
                work(session, ids)
        finally:
            session.info.pop(busy, None)

    def after_rollback(session: Session, *_args) -> None:
        session.info.pop(key, None)
        if bulk == "take":
            session.info.pop(BULK_KEY, None)

    return CommitListener(name=name, after_flush=after_flush, before_commit=before_commit,
                          after_rollback=after_rollback, order=order)

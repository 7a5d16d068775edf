"""Commit listeners, installed explicitly (`create_app`, the CLI, the tests, benchmarks): every
feature's `CommitListener` (plug-in hook `bioatlas_commit_listeners`) goes on the Session class
once, before-commit work in `order`. Nothing is installed by importing a package."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

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

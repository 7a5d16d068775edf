"""Typed FastAPI dependencies shared by every feature's api.py and views.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from bioatlas.core import version_memo
from bioatlas.core.config import Settings
from bioatlas.core.i18n import Translator, pick_language


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session, made and (on SQLite) closed on the event loop: a sync generator
    dependency costs two thread-pool trips per request (enter and exit, ~0.1 ms of CPU each).
    Making a session touches no database (its connection is checked out at its first statement,
    in the handler's thread); closing it on SQLite gives the connection back to the pool with a
    rollback that has nothing to undo after a read (a failed write's rollback drops its pages,
    no waiting: WAL). On PostgreSQL the close (a round trip to the server) stays in the pool.
    The data version the response cache read for this request, if any, goes with the session
    (`core.version_memo`: reads kept per version)."""
    session = request.app.state.sessionmaker()
    carried = request.scope.get("state", {}).get(version_memo.KEY)  # an anonymous read's data version
    if carried is not None:
        session.info[version_memo.KEY] = carried
    try:
        yield session
    finally:
        if _closes_on_loop(session):
            session.close()
        else:
            await run_in_threadpool(session.close)


def _closes_on_loop(session: Session) -> bool:
    try:
        return session.get_bind().dialect.name == "sqlite"
    except Exception:  # no bind: nothing to close but the session's own state
        return True


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def request_language(request: Request) -> str:
    """The page's language: `?lang=`, else the signed-in account's (put on `request.state` by the
    accounts middleware), else the `lang` cookie, else the browser's `Accept-Language` (fr or
    en), else the default."""
    settings: Settings = request.app.state.settings
    account = getattr(request.state, "language", None)
    return pick_language(request.query_params.get("lang"), account or request.cookies.get("lang"),
                         settings.default_language, request.headers.get("accept-language"))


def get_translator(request: Request) -> Translator:
    return Translator(request_language(request))


async def _settings(request: Request) -> Settings:
    return get_settings(request)


async def _translator(request: Request) -> Translator:
    return get_translator(request)


# The settings and the translator are resolved on the event loop (no I/O: the catalogues are
# cached): FastAPI runs each plain `def` dependency through the thread pool, one trip per request
# each (~50 us of CPU, and a wait for the loop and a thread on a busy worker).
SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(_settings)]
TranslatorDep = Annotated[Translator, Depends(_translator)]

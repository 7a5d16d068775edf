"""Warm-up of the app before it takes traffic: its in-memory indexes (the rooms' `bioatlas_warm`
hooks), every template compiled, and one request of every public kind (`bioatlas serve` does all
of it before it forks its workers, which inherit it)."""

from __future__ import annotations

import gc
import logging
import threading
import time

from fastapi import FastAPI

from bioatlas.core.config import Settings
from bioatlas.core.plugins import each_impl
from bioatlas.web import templates
from bioatlas.web.precompile import compile_templates
from bioatlas.web.renderers import response_cache_of

log = logging.getLogger("bioatlas")


def warm_up(sessions, settings: Settings) -> threading.Thread:
    """Fill the in-memory indexes (map, search facets, vectors, resolver) in a background thread,
    so that the first requests do not pay for them; each warmer's failure is logged, not raised
    (the request that needs the index builds it again)."""
    def work() -> None:
        for feature, warm in each_impl("bioatlas_warm"):
            started = time.perf_counter()
            try:
                warm(sessions=sessions, settings=settings)
                log.info("warmed %s in %.1f s", feature, time.perf_counter() - started)
            except Exception:
                log.exception("warming %s failed", feature)

    thread = threading.Thread(target=work, name="bioatlas-warm-up", daemon=True)
    thread.start()
    return thread


def warm_now(app: FastAPI, *, freeze: bool = False) -> dict[str, float]:
    """Fill the in-memory indexes now, in this thread (`bioatlas serve` before it accepts traffic,
    and before it forks its workers, which then share the built indexes copy-on-write); a
    failing warmer is logged. The app's own start-up warm-up then has nothing left to do.
    Returns the seconds each step took. With `freeze` (`bioatlas serve`) the objects built are
    then moved out of the cyclic collector's reach (`gc.freeze`): at a million actors a full
    collection walks the resolver's millions of objects for seconds, and in a forked worker it
    would also copy their shared pages."""
    settings = app.state.settings
    seconds = {}
    for feature, warm in each_impl("bioatlas_warm"):
        started = time.perf_counter()
        try:
            warm(sessions=app.state.sessionmaker, settings=settings)
            log.info("warmed %s in %.1f s", feature, time.perf_counter() - started)
        except Exception:
            log.exception("warming %s failed", feature)
        seconds[feature] = time.perf_counter() - started
    started = time.perf_counter()
    compile_templates(templates.env, bytecode_cache=freeze)
    seconds["templates"] = time.perf_counter() - started
    started = time.perf_counter()
    app.state.primed = prime(app)
    seconds["routes"] = time.perf_counter() - started
    if freeze:
        gc.freeze()
    app.state.warmed = True
    return seconds


# One request of every kind the anonymous public asks for, through the app in this process before
# the port opens (`bioatlas serve`: before the workers are forked, so they inherit what it builds).
# "{actor}" is the first actor the API lists. The query is a word no benchmark plan asks for.
PRIME_URLS = ("/", "/?lang=en", "/actors", "/actors?page=2&kind=company", "/observatory", "/search?q=biologique",
              "/api/v1/search?q=biologique", "/api/v1/search?q=biologique&region=84", "/api/v1/actors?limit=1",
              "/api/v1/actors/{actor}", "/actors/{actor}", "/api/v1/map/clusters?bbox=-5.5,41,10,51.5&zoom=5",
              "/api/v1/facets", "/warm-up/not-found")

PRIME_LANGUAGE = "fr-FR,fr;q=0.9,en;q=0.8"  # a browser's: its parser (Werkzeug) is imported before the fork


def prime(app: FastAPI) -> dict[str, int]:
    """Ask PRIME_URLS through the app (no socket), then forget their answers: priming fills the
    code paths, not the response cache. What a route builds on its first request is then built
    once here instead of by every worker on its first visitor of that kind: FastAPI builds the
    dependency state and validators of every route of a router when a request first walks that
    router (the unknown path walks them all: ~0.5 s for the observatory's first request), the
    statements' compiled SQL (SQLAlchemy's cache, per engine), the lazily imported modules, the
    English catalogue and locale data. Returns each URL's status (0: it raised, logged)."""
    import asyncio

    import httpx

    statuses: dict[str, int] = {}

    async def ask() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://warm-up") as client:
            actor = "1"
            for url in PRIME_URLS:
                api = url.startswith("/api/")
                try:
                    response = await client.get(url.replace("{actor}", actor), headers={
                        "accept": "application/json" if api else "text/html", "accept-language": PRIME_LANGUAGE})
                except Exception:  # this kind stays cold; the others are still primed
                    log.exception("priming %s failed", url)
                    statuses[url] = 0
                    continue
                statuses[url] = response.status_code
                if url == "/api/v1/actors?limit=1" and response.status_code == 200:
                    items = response.json().get("items") or [{"id": 1}]
                    actor = str(items[0]["id"])

    try:
        asyncio.run(ask())
    except Exception:
        log.exception("priming the routes failed")
    cache = response_cache_of(app)  # the answers computed here are not kept
    if cache is not None:
        cache.entries.clear()
        cache.bytes = 0
    return statuses

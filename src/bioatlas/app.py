"""create_app(settings): builds the FastAPI application and mounts each feature's API and pages."""

from __future__ import annotations

import gc
import logging
import shutil
from contextlib import asynccontextmanager

from babel.numbers import format_decimal
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

from bioatlas import __version__
from bioatlas.accounts.middleware import MAX_FORM_BYTES, has_credentials
from bioatlas.accounts.middleware import install as install_accounts
from bioatlas.atlas import service as atlas
from bioatlas.atlas.taxonomy import load_taxonomies
from bioatlas.core import listeners
from bioatlas.core.config import Settings
from bioatlas.core.db import make_engine, make_sessionmaker
from bioatlas.core.dialect import dialect_for
from bioatlas.core.fields import FieldError, refusal_text
from bioatlas.core.deps import request_language
from bioatlas.core.i18n import Translator
from bioatlas.core.plugins import routers
from bioatlas.jobs import service as jobs
from bioatlas.web import STATIC_DIR, templates
from bioatlas.web.body_limit import BodyLimits
from bioatlas.web.pages import page_context
from bioatlas.web.refusals import BUSY, INTERNAL, UNENCODABLE, answer_fields, server_refusal, validation_fields
from bioatlas.search.affinity import renderer_key
from bioatlas.web.renderers import Renderers, response_cache_of
from bioatlas.web.renderers import start as start_renderers
from bioatlas.web.renderers import stop as stop_renderers
from bioatlas.web.response_cache import ResponseCache
from bioatlas.web.shared_cache import SharedEntries
from bioatlas.web.warm_up import PRIME_URLS, prime, warm_now  # noqa: F401 - their callers import them from here
from bioatlas.web.warm_up import warm_up
from bioatlas.web.security_headers import SecurityHeaders

log = logging.getLogger("bioatlas")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; "
    "connect-src 'self' https:; worker-src 'self' blob:; child-src blob:; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


# GET routes whose answer depends only on the data, the URL and the language: cached for anonymous
# visitors and validated with ETag/Last-Modified (web/response_cache.py), keyed on the data version
CACHED_ROUTES = (
    "/", "/actors", "/actors/{actor_id}", "/search", "/observatory", "/api/v1/actors", "/api/v1/actors/{actor_id}",
    "/api/v1/search", "/api/v1/search/suggest", "/api/v1/map/clusters", "/api/v1/facets", "/api/v1/taxonomies",
)

# Cached routes whose misses go to the renderer of their search text (web/renderers.py): the views
# of one text (alone, in a region, the page, another language) meet the memo of its counts and
# wide read (search/tantivy_memo.py, tantivy_wide.py)
RENDERED_BY_TEXT = {"/api/v1/search": renderer_key, "/search": renderer_key}


# Paths most requests ask for (the search: 60 % of the measured mix), whose routers are mounted
# first: FastAPI matches a request by walking every route of every included router in order, and
# the search's routers came 43rd (0.8 ms of matching per search, outside any profiler). No other
# route answers these paths (tests/test_app_routes.py), so the order changes no answer.
HOT_PATHS = frozenset({"/api/v1/search", "/search"})


def feature_routers() -> list:
    """Every feature's routers (plug-in hook `bioatlas_routers`), the atlas first (it owns "/"),
    then the other features in name order: a new feature's routes are mounted by existing; the
    routers serving HOT_PATHS before them all. Their modules are imported here, not when the
    plugins register (the CLI does not load them)."""
    found = routers()
    hot = [r for r in found if any(getattr(route, "path", None) in HOT_PATHS for route in r.routes)]
    return hot + [r for r in found if not any(r is h for h in hot)]


# Seconds an idle keep-alive connection stays open. Gunicorn's default (2 s, made for sync workers
# behind a buffering proxy) closed connections that a busy client or a proxy was about to reuse:
# the request written in that instant met a closed socket (the ReadErrors of bench/http_load.py).
# Longer than the idle timeouts of the usual proxies and client pools (nginx upstream 60 s).
KEEP_ALIVE_SECONDS = 65


def run_server(app: FastAPI, *, host: str, port: int, workers: int, renderers: int = 0) -> None:
    """Serve `app`: one process (uvicorn), or `workers` processes forked from this one after the
    app was built and warmed (gunicorn's pre-loading with uvicorn workers): each worker starts
    with the indexes already in memory, shared copy-on-write until a change is absorbed, and
    the port opens only once they are built. With several workers, `renderers` processes forked
    the same way compute the response cache's misses (web/renderers.py)."""
    import uvicorn

    if workers <= 1:
        uvicorn.run(app, host=host, port=port, proxy_headers=True, timeout_keep_alive=KEEP_ALIVE_SECONDS)
        return
    shared = getattr(app.state, "shared_cache", None)
    folder = shared.activate() if shared is not None else None  # the workers share their cached answers
    from gunicorn.app.base import BaseApplication

    def post_fork(_server, _worker) -> None:  # database connections are never shared across a fork
        app.state.engine.dispose(close=False)

    # Every object built so far (the indexes, the app) moves to the collector's permanent
    # generation: the workers' collections then never walk them, so their pages stay shared with
    # this process instead of being copied into each worker at its first full collection.
    gc.freeze()
    pool = getattr(response_cache_of(app), "renderers", None)
    if pool is not None and folder is not None:
        start_renderers(app, pool, count=renderers, folder=folder, before=lambda: post_fork(None, None))

    class Server(BaseApplication):
        def load_config(self) -> None:
            bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            for key, value in {"bind": [bind], "workers": workers, "worker_class": "uvicorn_worker.UvicornWorker",
                               "preload_app": True, "post_fork": post_fork, "timeout": 120,
                               "graceful_timeout": 30, "keepalive": KEEP_ALIVE_SECONDS}.items():
                self.cfg.set(key, value)
            if "control_socket_disable" in self.cfg.settings:  # one shared path per user: two servers would clash
                self.cfg.set("control_socket_disable", True)

        def load(self) -> FastAPI:
            return app

    try:
        Server().run()
    finally:
        if pool is not None:
            stop_renderers(pool)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def app_from_environment() -> FastAPI:
    """The application on the settings of the environment (`bioatlas serve --workers N`)."""
    from bioatlas.core.config import load_settings

    return create_app(load_settings())


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.warm_up and settings.environment != "test" and not getattr(app.state, "warmed", False):
            app.state.warm_up = warm_up(app.state.sessionmaker, settings)
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Bioprod Atlas API",
        version=__version__,
        description="The actors of the biotherapy and bioproduction ecosystem, their sites and capabilities.",
        docs_url=None,  # served below from the vendored Swagger UI, under the CSP (no CDN)
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    listeners.install()  # every feature's commit listeners (change log, search documents, vectors)
    jobs.configure(settings)  # long work goes to the task queue (`bioatlas jobs worker`)
    engine = make_engine(settings.resolved_database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    load_taxonomies(settings.extra_taxonomy_dir)  # fail at start-up on a broken taxonomy file

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in feature_routers():
        app.include_router(router)

    data_version, version_inline = atlas.data_version_reader(engine=engine)
    if settings.response_cache or (settings.response_cache is None and settings.environment != "test"):
        # innermost: it reads the principal the accounts middleware (outside it) puts on the request
        app.state.shared_cache = SharedEntries()  # activated by run_server before it forks workers
        app.add_middleware(ResponseCache, routes=CACHED_ROUTES, version=data_version,
                           version_inline=version_inline, shared=app.state.shared_cache,
                           default_language=settings.default_language, renderers=Renderers(routes=RENDERED_BY_TEXT))
    # sessions, CSRF cookie, export audit (accounts/middleware.py); added before the
    # security headers so that those wrap every response, the middleware's own refusals included
    install_accounts(app)

    @app.get("/docs", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        """The interactive API documentation: Swagger UI from static/vendor (works offline)."""
        return templates.TemplateResponse(request, "api_docs.html", {"title": app.title, "openapi_url": app.openapi_url})

    app.add_middleware(SecurityHeaders, csp=CSP, default_language=settings.default_language)  # plain ASGI

    def wants_html(request: Request) -> bool:
        return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")

    def error_page(request: Request, status: int, message: str, refusal: FieldError | None = None,
                   labels=None) -> HTMLResponse:
        lang = request_language(request)
        t = Translator(lang)
        if refusal is not None:  # a refused field (web/refusals.py): in the reader's language, by its label
            # a missing object (404) is said alone; a refused field after its label
            message = refusal_text(t, refusal, with_field=status != 404, labels=labels(t) if labels else None)
        try:
            context = page_context(request, t, status=status, message=message)
            return templates.TemplateResponse(request, "error.html", context, status_code=status)
        except Exception:  # never let the error page itself fail
            log.exception("error page failed")
            return HTMLResponse(f"<h1>{status}</h1>", status_code=status)

    def _generic(request: Request, exc: StarletteHTTPException, message: str) -> str:
        """Starlette's own English answers (an unknown address, a method or a body refused) as a
        page's reader reads them."""
        t = Translator(request_language(request))
        if exc.detail == "Content Too Large":
            limit = request.scope.get(MAX_BODY_SIZE_SCOPE_KEY)
            return t("The request is too large (at most {limit} bytes).", limit=format_decimal(limit, locale=t.lang)) \
                if limit else t("The request is too large.")
        if exc.status_code == 404 and exc.detail == "Not Found":
            return t("This page does not exist.")
        if exc.status_code == 405 and exc.detail == "Method Not Allowed":
            return t("This address does not accept this request.")
        return message

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        detail = exc.detail
        if exc.status_code == 413 and detail == "Content Too Large":  # web/body_limit.py counted past the cap
            limit = request.scope.get(MAX_BODY_SIZE_SCOPE_KEY)
            detail = f"request body too large (limit {limit:,} bytes)" if limit else "request body too large"
        if wants_html(request):
            message = detail.get("message") if isinstance(detail, dict) else str(detail)
            message = _generic(request, exc, message)
            refusal = getattr(exc, "refusal", None)
            page = error_page(request, exc.status_code, message, refusal if isinstance(refusal, FieldError) else None,
                              getattr(exc, "labels", None))
            page.headers.update(getattr(exc, "headers", None) or {})  # a 429's Retry-After on the page too
            return page
        body = {"detail": detail}
        if exc.status_code == 404:
            body.update(_missing(request, exc))
        else:  # a refusal (401, 403, 409, 422, 429…): its field and message in the reader's language
            body.update(answer_fields(Translator(request_language(request)), exc))
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    def _missing(request: Request, exc: StarletteHTTPException) -> dict[str, str]:
        """A 404's `field` and `message` beside the API's `detail`: the object's path parameter
        (from the refusal, else the route's last one; "path" for an unknown address) and the
        reason in the reader's language."""
        t = Translator(request_language(request))
        refusal = getattr(exc, "refusal", None)
        if isinstance(refusal, FieldError):
            return {"field": refusal.field, "message": refusal_text(t, refusal)}
        names = list(request.path_params) if request.scope.get("route") is not None else []
        if not names or exc.detail == "Not Found":
            return {"field": "path", "message": t("This page does not exist.")}
        detail = exc.detail.get("message") if isinstance(exc.detail, dict) else exc.detail
        return {"field": names[-1], "message": t(str(detail))}

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = [
            {"field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]), "message": e["msg"]}
            for e in exc.errors()
        ]
        t = Translator(request_language(request))
        summary = validation_fields(t, list(exc.errors()))  # the field and message in the reader's language
        if wants_html(request):
            if all(e["loc"][0] == "path" for e in exc.errors()):  # a typed address naming no object
                return error_page(request, 404, t("This page does not exist."))
            return error_page(request, 422, summary.get("message", ""))
        return JSONResponse({"detail": errors, **summary}, status_code=422)

    @app.exception_handler(OperationalError)
    async def database_busy(request: Request, exc: OperationalError):
        """The database is locked by a long writer (an import holding SQLite's write lock past the
        busy timeout) or refuses connections for a moment: a 503 the client may retry, never a 500."""
        if not dialect_for(app.state.engine).is_transient(exc):
            return await server_error(request, exc)
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc.orig)
        return await http_error(request, server_refusal(BUSY, {"Retry-After": "5"}))

    @app.exception_handler(UnicodeEncodeError)
    async def unencodable_text(request: Request, exc: UnicodeEncodeError):
        """Text no database can store (a lone surrogate from a JSON "\\udfff") that a field check
        did not catch: the client's fault, said plainly, never a 500."""
        return await http_error(request, server_refusal(UNENCODABLE))

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        try:  # the page or the JSON answer in the reader's language
            return await http_error(request, server_refusal(INTERNAL))
        except Exception:  # never let the answer itself fail
            log.exception("error answer failed")
            return JSONResponse({"detail": "internal error"}, status_code=500)

    # outermost: bodies are counted as they arrive, before any middleware or route reads them
    app.add_middleware(BodyLimits, form_bytes=MAX_FORM_BYTES, upload_bytes=settings.max_upload_bytes,
                       has_credentials=has_credentials)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        """Liveness, and `warming`: this worker is still filling its in-memory indexes."""
        thread = getattr(app.state, "warm_up", None)
        return {"status": "ok", "version": __version__, "warming": bool(thread and thread.is_alive())}

    return app

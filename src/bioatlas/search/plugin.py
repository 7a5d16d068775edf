"""The search's plug-in manifest (see `core.plugins`): routes, `bioatlas search …`, tables, the
full-text and vector listeners, the facet-index and encoder warm-up."""

from __future__ import annotations

from bioatlas.core.plugins import PageSlot, TaskSpec, hookimpl
from bioatlas.search import cli, facets, models, sync, tantivy_quiet, tasks, warm
from bioatlas.search.semantic import models as semantic_models
from bioatlas.search.semantic import sync as semantic_sync
from bioatlas.search.semantic import tasks as semantic_tasks


@hookimpl
def bioatlas_routers():
    return ["bioatlas.search.api:router", "bioatlas.search.views:router"]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(app, console)


@hookimpl
def bioatlas_models():
    return [models, semantic_models]


@hookimpl
def bioatlas_commit_listeners():
    return [semantic_sync.LISTENER, sync.LISTENER]


@hookimpl
def bioatlas_warm(sessions, settings):
    warm.warm(sessions, settings)


@hookimpl
def bioatlas_save_indexes(sessions, settings):
    done = warm.save(sessions, settings)  # the facets' files, Tantivy's catch-up
    done.update(tantivy_quiet.reorder(sessions, settings))  # Tantivy in actor id order again, when quiet
    return done


@hookimpl
def bioatlas_page_slots():
    return [PageSlot(place="head", template="search/_head.html", order=10),
            PageSlot(place="header", template="search/_box.html", order=10)]


@hookimpl
def bioatlas_tasks():
    return [TaskSpec(name="search.embed", func=semantic_tasks.embed, retries=3, retry_delay=60),
            TaskSpec(name="search.tantivy_rebuild", func=tasks.rebuild_tantivy, retries=1, retry_delay=60)]


@hookimpl
def bioatlas_view_counts(session, view, taxonomies):
    return facets.view_counts(session, view=view, taxonomies=taxonomies)


@hookimpl
def bioatlas_view_total(session, view, taxonomies):
    return facets.view_total(session, view=view, taxonomies=taxonomies)

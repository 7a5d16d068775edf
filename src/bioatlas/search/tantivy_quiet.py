"""The jobs worker's quiet rebuild of the Tantivy index (`jobs.save_indexes`, every minute).

A rebuilt index is one segment in actor id order (`state.json` `"ordered": true`): a search's page
is then Tantivy's top-k as it comes (`tantivy_search`, 1,000,000 actors: CPU p95 ~48 ms). The
first edit appends its actors in a new segment and the order is gone (CPU p95 ~58 ms) until the
next rebuild. So once the atlas has had no edit for `BIOATLAS_INDEX_REORDER_QUIET` seconds
(default 600) and the index is not in order, the worker rebuilds it: in a spawned process above
`INLINE_REBUILD_MAX` documents (`tantivy_apart.run`: the writer's ~0.8 GiB leaves with that
process), swapped in atomically (`tantivy_apart.swap_in`). One rebuild at a time across processes
(`tantivy_apart.one_rebuild`; a rebuild under way elsewhere: nothing done). Edits made during the
rebuild are not lost: the new index holds the log's seq read before its documents, and the worker
catches it up from the change log at once (one more segment: ordered again at the next quiet
period). `bioatlas serve`'s workers open the new index before their next search (its
`state.json`'s inode changed: `tantivy_index.current`), without a restart. Off with
`BIOATLAS_INDEX_FILES=0`, as the worker's other index saves."""

from __future__ import annotations

import json
import logging
import resource
import time
from pathlib import Path

from sqlalchemy import func, select

from bioatlas.core import index_files
from bioatlas.search import tantivy_apart, tantivy_index
from bioatlas.search.models import SearchDocument

log = logging.getLogger(__name__)
KEY = "tantivy order"


def ordered(path: Path) -> bool:
    """Whether the index at `path` says its documents are in actor id order (a rebuild's)."""
    try:
        return bool(json.loads((path / "state.json").read_text()).get("ordered"))
    except (OSError, ValueError, AttributeError):
        return False


def reorder(sessions, settings) -> dict[str, str]:
    """Rebuild the index in actor id order when it is not and the atlas is quiet; what happened
    under KEY: "ordered", "not quiet", "being rebuilt", "rebuilt", "failed" (nothing when there is
    no index beside this atlas, or index files are off)."""
    from bioatlas.atlas.service import files_due, latest_change
    from bioatlas.atlas.service import taxonomies as load_taxonomies

    if not index_files.enabled():
        return {}
    with sessions() as session:
        path = tantivy_index.index_dir(session)
        if path is None or not (path / "state.json").exists():
            return {}  # none beside this atlas: `bioatlas serve` builds it, not the worker
        if ordered(path):
            return {KEY: "ordered"}
        top = latest_change(session)
        rules = settings.model_copy(update={"index_save_quiet": settings.index_reorder_quiet})
        if not files_due(session, settings=rules)(top, top):  # no row behind: only the quiet counts
            return {KEY: "not quiet"}
        if tantivy_apart.being_rebuilt(path):
            return {KEY: "being rebuilt"}
        documents = session.scalar(select(func.count()).select_from(SearchDocument)) or 0
        url = session.get_bind().engine.url.render_as_string(hide_password=False)
    taxonomies = load_taxonomies(settings)
    started, cpu, apart = time.perf_counter(), time.process_time(), _children_cpu()
    if documents <= tantivy_index.INLINE_REBUILD_MAX:
        with sessions() as session:
            tantivy_index.rebuild(session, taxonomies, path)
    elif tantivy_apart.run(url, taxonomies, path) != 0 or not ordered(path):
        log.warning("the quiet rebuild of the Tantivy index at %s failed", path)
        return {KEY: "failed"}
    try:
        with sessions() as session:  # the edits made meanwhile, from the log
            tantivy_index.current(session, taxonomies)
    except tantivy_index.Unavailable:  # so many that it is rebuilt again (in the background)
        pass
    log.info("Tantivy index at %s rebuilt in actor id order (%d documents) in %.1f s, CPU %.1f s here and %.1f s "
             "apart%s", path, documents, time.perf_counter() - started, time.process_time() - cpu,
             _children_cpu() - apart, "" if ordered(path) else "; edits made meanwhile caught up after it")
    return {KEY: "rebuilt"}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the child processes waited for
    return usage.ru_utime + usage.ru_stime

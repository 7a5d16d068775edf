"""The queue's own periodic tasks: forget finished jobs after 30 days, and the successful runs of
periodic tasks (some run every minute) after a day; keep the index files of `bioatlas serve` near
the change log while a server runs (`save_indexes`, every minute)."""

from __future__ import annotations

import gc
import logging
import time

from bioatlas.core.db import transaction
from bioatlas.core.plugins import each_impl
from bioatlas.jobs.service import current_sessions, current_settings, prune, queue_for

log = logging.getLogger(__name__)
KEEP_DAYS = 30
KEEP_PERIODIC_DAYS = 1


def prune_runs() -> int:
    """Delete old finished jobs from `job_runs`; returns how many."""
    periodic = [name for name, spec in queue_for(current_settings()).specs.items() if spec.schedule]
    with transaction(current_sessions()) as session:
        return prune(session, days=KEEP_DAYS, periodic=periodic, periodic_days=KEEP_PERIODIC_DAYS)


def save_indexes() -> dict[str, str]:
    """Save the index files (map, search facets, resolver; Tantivy's catch-up) again where they are
    behind the change log by BIOATLAS_INDEX_SAVE_EDITS rows or quiet for BIOATLAS_INDEX_SAVE_QUIET
    seconds (each room's `bioatlas_save_indexes`; the resolver's pickle read and written in a child
    process: `resolve/save_apart.py`), and the Tantivy index rebuilt in actor id order after
    BIOATLAS_INDEX_REORDER_QUIET seconds without an edit (`search/tantivy_quiet.py`): a server
    running for weeks absorbs every edit in memory, and its next start replays only what came
    after the last save. Files are written only
    where `bioatlas serve` wrote them first (`bioatlas jobs worker` turns them on as `serve` does).
    Returns what happened, by index; a room's failure is logged, the others still run."""
    done: dict[str, str] = {}
    for feature, save in each_impl("bioatlas_save_indexes"):
        started = time.perf_counter()
        try:
            result = save(sessions=current_sessions(), settings=current_settings())
        except Exception:
            log.exception("saving the index files of %s failed", feature)
            done[feature] = "failed"
            continue
        done.update(result)
        if any(v in ("saved", "caught up", "rebuilt") for v in result.values()):
            log.info("index files of %s: %s in %.1f s", feature, result, time.perf_counter() - started)
    # a pickled index read in this process would have been frozen out of the collector's reach
    # (core.index_files; the resolver's is read in a child process: resolve/save_apart.py): the
    # worker holds none between runs, so let the collector see what is left of it
    gc.unfreeze()
    return done

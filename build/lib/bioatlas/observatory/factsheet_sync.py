"""After a commit that changed actors or observatory rows, queue `observatory.factsheets` (render
again the cached factsheet PDFs whose data changed) when some PDF is cached. Correctness does not
depend on it: a cached PDF is named after the data it was made from (`factsheet_cache`), so a
request never gets a stale one; the task only saves the next reader the rendering."""

from __future__ import annotations

from itertools import chain

from sqlalchemy.orm import Session

from bioatlas.atlas.service import note_touched_actors
from bioatlas.core.listeners import BULK_KEY
from bioatlas.core.plugins import CommitListener
from bioatlas.jobs.service import current_settings, enqueue_after_commit, is_configured
from bioatlas.observatory import factsheet_cache, models

TASK = "observatory.factsheets"
_KEY = "factsheets_touched"
_OBSERVATORY = (models.Indicator, models.IndicatorValue, models.Roadmap, models.RoadmapAxis, models.RoadmapAction)


def _after_flush(session: Session, _context) -> None:
    note_touched_actors(session, _KEY)
    if session.info.get(BULK_KEY) or any(isinstance(obj, _OBSERVATORY) for obj in chain(session.new, session.dirty, session.deleted)):
        session.info.setdefault(_KEY, set()).add(0)  # 0: a bulk load or an observatory row


def _before_commit(session: Session) -> None:
    session.flush()  # before_commit runs before the commit's own flush: what is pending is noted now
    touched = session.info.pop(_KEY, None)
    if not touched or not is_configured():
        return
    if factsheet_cache.cached(current_settings()):
        enqueue_after_commit(session, TASK)


def _after_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)


LISTENER = CommitListener(name="observatory.factsheets", after_flush=_after_flush, before_commit=_before_commit,
                          after_rollback=_after_rollback, order=1000)  # last: after the other listeners' writes

"""Warm-up (see `app.warm_up`): the map's in-memory index of this process, and the gazetteer
(every view filter reads it: a few seconds to load, paid by the first request otherwise); and the
map's index files saved again when behind the change log (`save`, the task queue worker's)."""

from __future__ import annotations


def warm(sessions, settings) -> None:
    from bioatlas.atlas import map_index
    from bioatlas.atlas.geocode import gazetteer

    gazetteer()
    with sessions() as session, map_index.current(session):
        pass


def save(sessions, settings) -> dict[str, str]:
    from bioatlas.atlas import map_index
    from bioatlas.atlas.service import files_due

    with sessions() as session:
        return {map_index.LIVE.name: map_index.LIVE.save_behind(session, due=files_due(session, settings=settings))}

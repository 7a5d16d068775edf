"""Warm-up (see `app.warm_up`): the map's in-memory index of this process, and the gazetteer
(every view filter reads it: a few seconds to load, paid by the first request otherwise)."""

from __future__ import annotations


def warm(sessions, settings) -> None:
    from bioatlas.atlas import map_index
    from bioatlas.atlas.geocode import gazetteer

    gazetteer()
    with sessions() as session, map_index.current(session):
        pass

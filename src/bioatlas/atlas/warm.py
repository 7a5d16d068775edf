"""Warm-up (see `app.warm_up`): the map's in-memory index of this process."""

from __future__ import annotations


def warm(sessions, settings) -> None:
    from bioatlas.atlas import map_index

    with sessions() as session, map_index.current(session):
        pass

"""Warm-up (see `app.warm_up`): the resolver's index of the atlas's names; and its index file saved
again when behind the change log (`save`, the task queue worker's)."""

from __future__ import annotations


def warm(sessions, settings) -> None:
    from bioatlas.resolve.service import resolver_for

    with sessions() as session:
        resolver_for(session)


def save(sessions, settings) -> dict[str, str]:
    from bioatlas.atlas.service import files_due
    from bioatlas.resolve.service import LIVE

    with sessions() as session:
        return {LIVE.name: LIVE.save_behind(session, due=files_due(session, settings=settings))}

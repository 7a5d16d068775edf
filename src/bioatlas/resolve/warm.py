"""Warm-up (see `app.warm_up`): the resolver's index of the atlas's names (its index file saved again
when behind the change log: `save_apart`, the task queue worker's)."""

from __future__ import annotations


def warm(sessions, settings) -> None:
    from bioatlas.resolve.service import resolver_for

    with sessions() as session:
        resolver_for(session)

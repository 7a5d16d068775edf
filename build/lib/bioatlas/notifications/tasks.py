"""Background tasks of the room (run by the task queue, `jobs`): deliver the outbox every minute,
queue the daily digests. Each opens the configured database itself, so it runs the same from the
queue, from `bioatlas notifications deliver|digest` or from a test."""

from __future__ import annotations

from bioatlas.core.config import load_settings
from bioatlas.core.db import make_engine, make_sessionmaker
from bioatlas.core.plugins import TaskSpec
from bioatlas.notifications import service


def deliver() -> dict[str, int]:
    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        return service.deliver_outbox(make_sessionmaker(engine), settings=settings)
    finally:
        engine.dispose()


def digest() -> dict[str, int]:
    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        factory = make_sessionmaker(engine)
        queued = service.send_digests(factory)
        return {"digests": queued, **service.deliver_outbox(factory, settings=settings)}
    finally:
        engine.dispose()


TASKS = [
    # retries are the outbox's own (per mail, with back-off); a failed run is simply the next minute's
    TaskSpec(name="notifications.deliver", func=deliver, retries=0, schedule={"minute": "*"}),
    TaskSpec(name="notifications.digest", func=digest, retries=3, retry_delay=300,
             schedule={"hour": "7", "minute": "0"}),
]

"""Background task of messaging (run by the task queue, `jobs`): every five minutes, tell members
about the messages they have not read (`service.notify_unread`), then deliver the mails at once."""

from __future__ import annotations

from bioatlas.core.config import load_settings
from bioatlas.core.db import make_engine, make_sessionmaker
from bioatlas.core.plugins import TaskSpec
from bioatlas.messaging import service
from bioatlas.notifications import service as notifications


def notify_unread() -> dict[str, int]:
    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        factory = make_sessionmaker(engine)
        with factory() as session:
            told = service.notify_unread(session, public_url=settings.public_url)
            session.commit()
        return {"notified": told, **notifications.deliver_outbox(factory, settings=settings)}
    finally:
        engine.dispose()


TASKS = [TaskSpec(name="messaging.notify_unread", func=notify_unread, retries=1, retry_delay=60,
                  schedule={"minute": "*/5"})]

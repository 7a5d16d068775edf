"""Background task of partner search (run by the task queue, `jobs`): once a day, mark the
published opportunities past their expiry as expired and remind owners of stale ones."""

from __future__ import annotations

from bioatlas.core.config import load_settings
from bioatlas.core.db import make_engine, make_sessionmaker
from bioatlas.core.plugins import TaskSpec
from bioatlas.opportunities import service


def daily() -> dict[str, int]:
    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        with make_sessionmaker(engine)() as session:
            expired = service.expire_due(session)
            reminded = service.remind_stale(session)
            session.commit()
        return {"expired": expired, "reminded": reminded}
    finally:
        engine.dispose()


TASKS = [TaskSpec(name="opportunities.daily", func=daily, retries=1, retry_delay=300,
                  schedule={"minute": "15", "hour": "4"})]

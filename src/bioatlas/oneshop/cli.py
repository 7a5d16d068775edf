"""`bioatlas oneshop remind|anonymise|figures`: the one-stop shop's reminders, retention and
figures by hand (the task queue runs the first two daily)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bioatlas.core.commands import session_factory, settings
from bioatlas.notifications import service as notifications
from bioatlas.oneshop import service


def register(app: typer.Typer, console) -> None:
    shop = typer.Typer(help="One-stop shop: reminders, retention, figures.", no_args_is_help=True)
    app.add_typer(shop, name="oneshop")

    @shop.command("remind")
    def remind_cmd(days: Annotated[int, typer.Option(min=1, max=365, help="remind partners of requests untouched "
                                                      "for this many days")] = service.REMIND_AFTER_DAYS) -> None:
        """Remind partners of untouched requests (escalate after two reminders), then send the mails."""
        factory = session_factory()
        with factory() as session:
            counts = service.remind(session, days=days)
            session.commit()
        print(json.dumps({**counts, **notifications.deliver_outbox(factory, settings=settings())}))

    @shop.command("anonymise")
    def anonymise_cmd(retention_days: Annotated[int, typer.Option(min=1, max=36_500, help="closed cases older than "
                                                                  "this are anonymised")] = service.RETENTION_DAYS) -> None:
        """Anonymise the closed cases past the retention period (the figures stay)."""
        with session_factory()() as session:
            n = service.anonymise_closed(session, retention_days=retention_days)
            session.commit()
        print(json.dumps({"anonymised": n}))

    @shop.command("figures")
    def figures_cmd() -> None:
        """Print the observatory's figures of the one-stop shop as JSON."""
        with session_factory()() as session:
            print(json.dumps(service.figures(session), ensure_ascii=False))

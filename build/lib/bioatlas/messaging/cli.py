"""`bioatlas messaging notify|count`: tell members about unread messages by hand (the task queue
runs it every five minutes) and count the messages exchanged (in a room's context)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

import typer

from bioatlas.core.commands import session_factory, settings
from bioatlas.messaging import service
from bioatlas.notifications import service as notifications


def register(app: typer.Typer, console) -> None:
    messaging_app = typer.Typer(help="Messaging: unread-message e-mails and message counts.", no_args_is_help=True)
    app.add_typer(messaging_app, name="messaging")

    @messaging_app.command("notify")
    def notify_cmd(after_minutes: Annotated[int, typer.Option(
            min=0, max=10_080, help="tell about messages unread for at least this many minutes")] = 10) -> None:
        """Notify members of the messages they have neither read nor been told about, then send the mails."""
        factory = session_factory()
        with factory() as session:
            told = service.notify_unread(session, older_than=timedelta(minutes=after_minutes),
                                         public_url=settings().public_url)
            session.commit()
        print(json.dumps({"notified": told, **notifications.deliver_outbox(factory, settings=settings())}))

    @messaging_app.command("count")
    def count_cmd(context_kind: Annotated[str | None, typer.Option(help="e.g. event")] = None,
                  context_id: Annotated[str | None, typer.Option(help="the room's id, e.g. 42")] = None) -> None:
        """Count the messages exchanged, in threads of a room's context when given."""
        with session_factory()() as session:
            n = service.message_count(session, context_kind=context_kind, context_id=context_id)
        print(json.dumps({"messages": n, "context_kind": context_kind, "context_id": context_id}))

"""`bioatlas notifications deliver|digest|status|retry`: the outbox and digests by hand (the task
queue runs the first two on schedule)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bioatlas.core.commands import session_factory, settings
from bioatlas.notifications import service


def register(app: typer.Typer, console) -> None:
    notifications_app = typer.Typer(help="Notifications: e-mail outbox and daily digests.", no_args_is_help=True)
    app.add_typer(notifications_app, name="notifications")

    @notifications_app.command("deliver")
    def deliver_cmd() -> None:
        """Send the pending e-mails that are due (failures are kept and retried later)."""
        counts = service.deliver_outbox(session_factory(), settings=settings())
        print(json.dumps(counts))

    @notifications_app.command("digest")
    def digest_cmd() -> None:
        """Queue today's digests of unread notifications, then send them."""
        factory = session_factory()
        queued = service.send_digests(factory)
        counts = service.deliver_outbox(factory, settings=settings())
        print(json.dumps({"digests": queued, **counts}))

    @notifications_app.command("status")
    def status_cmd() -> None:
        """Count the outbox's mails by status."""
        with session_factory()() as session:
            print(json.dumps(service.outbox_counts(session)))

    @notifications_app.command("retry")
    def retry_cmd(mail_id: Annotated[list[int] | None, typer.Argument(help="outbox ids (none: every failed mail)")] = None) -> None:
        """Queue failed e-mails again (after fixing the SMTP server)."""
        with session_factory()() as session:
            n = service.retry_failed(session, ids=mail_id or None)
            session.commit()
        print(json.dumps({"queued_again": n}))

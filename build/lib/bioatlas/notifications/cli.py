"""`bioatlas notifications deliver|digest|status|retry`: the outbox and digests by hand (the task
queue runs the first two on schedule)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bioatlas.core.commands import session_factory, settings
from bioatlas.notifications import service


def register(app: typer.Typer, console) -> None:
    mail_app = typer.Typer(help="Development mail catcher (an SMTP server keeping what it receives).",
                           no_args_is_help=True)
    app.add_typer(mail_app, name="mail")

    @mail_app.command("catch")
    def catch_cmd(
        folder: Annotated[str, typer.Option("--dir", help="folder of the caught messages (.eml)")] = "var/mail",
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="SMTP port")] = 1025,
    ) -> None:
        """Development only: catch every e-mail the atlas sends (point BIOATLAS_SMTP_HOST/PORT here,
        BIOATLAS_SMTP_STARTTLS=false, BIOATLAS_DEV_MAIL_DIR=FOLDER) and list them at /dev/mail.
        `make run` starts it. Stop with Ctrl-C."""
        import signal
        import threading
        from pathlib import Path

        from bioatlas.notifications import catcher

        if settings().environment == "production":
            console.print("[red]the mail catcher is for development, not production[/red]")
            raise typer.Exit(2)
        controller = catcher.start(Path(folder), host=host, port=port)
        console.print(f"mail catcher on {host}:{port}, keeping messages in {folder} (listed at /dev/mail)")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()

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

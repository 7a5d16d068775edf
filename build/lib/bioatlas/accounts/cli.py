"""`bioatlas accounts …`: create an admin or a user, verify an address, list the audit log (for operators)."""

from __future__ import annotations

from typing import Annotated

import typer

from bioatlas.core.commands import session_factory


def register(app: typer.Typer, console) -> None:
    accounts_app = typer.Typer(help="Accounts, roles and the audit log.", no_args_is_help=True)
    app.add_typer(accounts_app, name="accounts")

    @accounts_app.command("create-admin")
    def create_admin(
        email: Annotated[str, typer.Option(help="e-mail address of the admin")],
        name: Annotated[str, typer.Option(help="display name")] = "Admin",
        password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                              envvar="BIOATLAS_NEW_ADMIN_PASSWORD")] = "",
    ) -> None:
        """Create (or promote) a verified platform admin."""
        from bioatlas.accounts import audit, service
        from bioatlas.accounts.models import now

        with session_factory()() as session:
            try:
                user = service.get_user_by_email(session, email=email)
                if user is None:
                    user = service.signup(session, email=email, password=password, display_name=name)
                user.is_admin = True
                user.email_verified_at = user.email_verified_at or now()
            except service.AccountError as exc:
                console.print(f"[red]{exc.field}: {exc}[/red]")
                raise typer.Exit(2) from None
            audit.record(session, "role_granted", target=f"user:{user.id}", detail="platform admin (CLI)")
            session.commit()
            console.print(f"admin {user.email} (id {user.id})")

    @accounts_app.command("create-user")
    def create_user(
        email: Annotated[str, typer.Option(help="e-mail address")],
        name: Annotated[str, typer.Option(help="display name")],
        password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                              envvar="BIOATLAS_NEW_USER_PASSWORD")] = "",
        verified: Annotated[bool, typer.Option(help="mark the address as verified (you vouch for it)")] = False,
    ) -> None:
        """Create a registered user (not an admin); with --verified, no confirmation e-mail is needed."""
        from bioatlas.accounts import audit, service
        from bioatlas.accounts.models import now

        with session_factory()() as session:
            try:
                user = service.signup(session, email=email, password=password, display_name=name)
            except service.AccountError as exc:
                console.print(f"[red]{exc.field}: {exc}[/red]")
                raise typer.Exit(2) from None
            if user is None:
                console.print(f"[red]email: an account with the address {email} already exists[/red]")
                raise typer.Exit(2)
            if verified:
                user.email_verified_at = now()
            audit.record(session, "signup", user_id=user.id, detail="CLI" + (", verified" if verified else ""))
            session.commit()
            console.print(f"user {user.email} (id {user.id}){' verified' if verified else ''}")

    @accounts_app.command("verify")
    def verify(email: Annotated[str, typer.Argument(help="e-mail address of the account")]) -> None:
        """Mark an account's address as verified (when its confirmation mail cannot reach it)."""
        from bioatlas.accounts import audit, service
        from bioatlas.accounts.models import now

        with session_factory()() as session:
            user = service.get_user_by_email(session, email=email)
            if user is None:
                console.print(f"[red]no account with the address {email}[/red]")
                raise typer.Exit(2)
            if user.email_verified_at is None:
                user.email_verified_at = now()
                audit.record(session, "email_verified", user_id=user.id, detail="CLI")
                session.commit()
            console.print(f"{user.email} verified")

    @accounts_app.command("audit")
    def audit_cmd(
        event: Annotated[str, typer.Option(help="only this event")] = "",
        limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    ) -> None:
        """Print the latest audit events as JSON lines."""
        import json

        from bioatlas.accounts import audit

        with session_factory()() as session:
            for e in audit.query(session, event=event or None, limit=limit):
                print(json.dumps(audit.as_dict(e), ensure_ascii=False))

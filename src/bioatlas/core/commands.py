"""What every command of the `bioatlas` CLI shares: the Rich console (stderr), the settings read
when a command starts, and the session factory on the configured database, migrated first.

Lives in core so that each feature's `cli.py` (registered through the `bioatlas_cli` hook) uses
it without importing the composition layer (`bioatlas.cli`).
"""

from __future__ import annotations

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.core.config import Settings, SettingsError, load_settings
from bioatlas.core.db import make_engine, make_sessionmaker

console = Console(stderr=True)


def settings() -> Settings:
    """The settings of this run; prints the error and exits 2 when they are invalid."""
    try:
        return load_settings()
    except SettingsError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def engine(settings: Settings) -> Engine:
    return make_engine(settings.resolved_database_url)


def migrated_factory(settings: Settings) -> sessionmaker[Session]:
    """A session factory on `settings`' database, migrated to the latest revision first."""
    from bioatlas.core import migrate  # Alembic: loaded when a command opens the database

    bound = engine(settings)
    migrate.upgrade(bound)
    return make_sessionmaker(bound)


def session_factory() -> sessionmaker[Session]:
    """The session factory on the configured database, migrated first; exits 2 on bad settings.
    Every command that writes starts from it."""
    return migrated_factory(settings())

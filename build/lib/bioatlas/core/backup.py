"""Online backup and restore of the atlas's database (`bioatlas db backup|restore`).

A plain file copy of a live SQLite database loses writes (the WAL holds the newest pages) and can
be torn; the backup here is one consistent snapshot taken while the server keeps writing: SQLite's
backup API, or `pg_dump` on PostgreSQL (`Dialect.backup`). It is written to a temporary file
beside the destination, checked, then renamed, so a failed backup never leaves a half file under
the destination's name. A restore first checks the file (a database of this application, at a
schema revision this code knows) and replaces the whole database in one transaction.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

from bioatlas.core import migrate
from bioatlas.core.dialect import dialect_for
from bioatlas.core.errors import FileError


@dataclass(frozen=True)
class BackupReport:
    path: Path
    bytes: int
    revision: str | None  # the schema revision the backup holds

    def as_dict(self) -> dict:
        return {"path": str(self.path), "bytes": self.bytes, "revision": self.revision}


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # noqa: BLE001 - no schema yet
            return None


def backup(engine: Engine, dest: Path) -> BackupReport:
    """Write a consistent backup of the database to `dest` (atomically: temp file, check, rename)."""
    dest = Path(dest)
    if dest.is_dir():
        raise FileError(dest, "is a directory: give the backup's file name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.part")
    tmp.unlink(missing_ok=True)
    dialect = dialect_for(engine)
    try:
        dialect.backup(engine, tmp)
        dialect.check_backup(tmp, shown=dest)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupReport(path=dest, bytes=dest.stat().st_size, revision=_revision(engine))


def restore(engine: Engine, src: Path) -> BackupReport:
    """Replace the database with the backup `src` (all or nothing). FileError naming the file when
    it is missing, not a backup of this application, or at a schema revision this code does not know."""
    src = Path(src)
    if not src.is_file():
        raise FileError(src, "no such file")
    dialect = dialect_for(engine)
    revision = dialect.check_backup(src, shown=src)
    if revision is not None and revision not in migrate.known_revisions():
        raise FileError(src, f"schema revision {revision!r} is unknown to this version of the code")
    try:
        dialect.restore(engine, src)
    except RuntimeError as exc:
        raise FileError(src, str(exc)) from None
    return BackupReport(path=src, bytes=src.stat().st_size, revision=_revision(engine))

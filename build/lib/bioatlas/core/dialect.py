"""The database backends, one class each (SQLite, PostgreSQL): every operation the code does
differently on them lives here, so features ask `dialect_for(session)` instead of branching on
the backend's name. Full-text search keeps its own two engines (`search/backends.py`), picked
through `Dialect.choose`.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, literal_column, select, text
from sqlalchemy.orm import Session

from bioatlas.core.errors import FileError


class UnsupportedDatabase(ValueError):
    """A backend the atlas does not run on (only SQLite and PostgreSQL)."""


class Dialect:
    """What a backend does its own way. Instances are stateless; one per backend."""

    name: str = ""
    alter_in_batches = False  # Alembic: ALTER TABLE by copying the table (SQLite cannot alter columns)

    def choose(self, **by_backend: Any) -> Any:
        """The value given for this backend: `choose(sqlite=a, postgresql=b)`."""
        try:
            return by_backend[self.name]
        except KeyError:
            raise UnsupportedDatabase(f"nothing given for the {self.name} backend") from None

    def advisory_xact_lock(self, session: Session, key: int) -> None:
        """Serialise the writers holding `key` until their transaction ends."""
        raise NotImplementedError

    def streaming_cursor(self, dbapi_connection, name: str):
        """A driver cursor for reading a large result in batches (`fetchmany`) without holding
        all of it in memory at once."""
        raise NotImplementedError

    def allocate_ids(self, session: Session, *, table, n: int) -> list[int]:
        """n new ids of `table`'s integer primary key `id`, ascending."""
        raise NotImplementedError

    def insert_rows(self, connection, *, table, rows: list[dict]) -> None:
        """INSERT many rows (dicts with the same keys) as fast as the backend allows (none: nothing)."""
        if rows:  # an empty list would INSERT one row of defaults
            connection.execute(insert(table), rows)

    def concat_agg(self, expr: str, *, real: bool = False) -> str:
        """SQL aggregating a group's values into one comma-separated string; with `real`, NULL as
        'nan' and numbers written so that they read back exactly."""
        raise NotImplementedError

    def unindexed(self, column) -> Any:
        """`column`, written so that the planner does not pick an index on it (the query is meant
        to reach its rows through another, more selective one)."""
        return column

    def now(self) -> datetime:
        """Now (UTC), as this backend's timestamp columns read back."""
        return datetime.now(UTC)

    def guard(self, session: Session) -> AbstractContextManager:
        """A context for a statement allowed to fail: the transaction stays usable after it."""
        return nullcontext()

    def flush_erased(self, bind: Engine | Connection) -> None:
        """After an erasure has committed: make sure no file still holds the erased values."""

    def is_transient(self, exc: Exception) -> bool:
        """Whether a driver error is a passing condition worth a retry (503), not a bug."""
        return False

    def backup(self, engine: Engine, dest: Path) -> None:
        """Write a consistent copy of the live database to `dest` (writers may go on meanwhile)."""
        raise NotImplementedError

    def restore(self, engine: Engine, src: Path) -> None:
        """Replace the database's contents with the backup `src`, all or nothing."""
        raise NotImplementedError

    def check_backup(self, path: Path, *, shown: Path) -> str | None:
        """FileError (naming `shown`) unless `path` is a sound backup of this application; its
        schema revision when the backend can read it without restoring (None otherwise)."""
        return None


class SQLiteDialect(Dialect):
    name = "sqlite"
    alter_in_batches = True

    def advisory_xact_lock(self, session: Session, key: int) -> None:
        """Nothing to do: SQLite has one writer at a time."""

    def streaming_cursor(self, dbapi_connection, name: str):
        return dbapi_connection.cursor()  # sqlite3 steps through the result as it is fetched

    def allocate_ids(self, session: Session, *, table, n: int) -> list[int]:
        """After the largest id: a writer committing a row in between makes this transaction fail
        (unique id) and roll back whole; once this transaction has written it holds the write lock."""
        start = (session.scalar(select(table.c.id).order_by(table.c.id.desc()).limit(1)) or 0) + 1
        return list(range(start, start + n))

    def insert_rows(self, connection, *, table, rows: list[dict]) -> None:
        """The compiled statement goes straight to the driver's executemany, with the columns' bind
        processors applied (datetimes): about three times faster than the Core path."""
        if not rows:
            return
        dialect = connection.dialect
        keys = list(rows[0])
        compiled = insert(table).compile(dialect=dialect, column_keys=keys)
        processors = {}
        for key in keys:
            processor = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[key] = _last_value_cached(processor)
        order = compiled.positiontup
        if order is None:
            raise RuntimeError(f"{dialect.name}: bulk insert needs a positional parameter style")
        params = [tuple(processors[k](r[k]) if k in processors else r[k] for k in order) for r in rows]
        connection.exec_driver_sql(compiled.string, params)

    def concat_agg(self, expr: str, *, real: bool = False) -> str:
        inner = f"CASE WHEN {expr} IS NULL THEN 'nan' ELSE printf('%.17g', {expr}) END" if real else expr
        return f"group_concat({inner}, ',')"

    def unindexed(self, column) -> Any:
        """`+table.column`: SQLite's unary plus hides the column from the planner's index choice."""
        col = column.expression  # a mapped attribute's Column (a Column is its own expression)
        return literal_column(f"+{col.table.name}.{col.name}")

    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)  # SQLite stores naive UTC

    def is_transient(self, exc: Exception) -> bool:
        """"database is locked" / "database is busy": another writer held the lock past busy_timeout."""
        text_ = str(getattr(exc, "orig", exc)).lower()
        return "database is locked" in text_ or "database is busy" in text_

    def flush_erased(self, bind: Engine | Connection) -> None:
        """The write-ahead log still holds the pages as they were before the erasure until a
        checkpoint copies the new ones into the main file (with `secure_delete`, zeroed) and
        truncates the log."""
        with bind.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def backup(self, engine: Engine, dest: Path) -> None:
        """SQLite's online backup API (one step: a read transaction, so the copy is one
        consistent snapshot; in WAL mode writers are not blocked meanwhile)."""
        target = sqlite3.connect(dest)
        try:
            with engine.connect() as conn:
                conn.connection.driver_connection.backup(target)  # type: ignore[union-attr]
        finally:
            target.close()

    def check_backup(self, path: Path, *, shown: Path) -> str | None:
        """A sound SQLite file (`quick_check`) with an Alembic revision: a database of this application."""
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                status = conn.execute("PRAGMA quick_check").fetchone()[0]
                tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone() if "alembic_version" in tables else None
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise FileError(shown, f"not a SQLite database ({exc})") from None
        if status != "ok":
            raise FileError(shown, f"damaged database: {status}")
        if row is None:
            raise FileError(shown, "not a Bioprod Atlas database (no schema revision)")
        return row[0]

    def restore(self, engine: Engine, src: Path) -> None:
        """The backup API the other way: the copy replaces every page of the live file in one
        write transaction (readers see the old or the new database, never a mix)."""
        source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        engine.dispose()
        try:
            with engine.connect() as conn:
                source.backup(conn.connection.driver_connection)  # type: ignore[arg-type]
        finally:
            source.close()
            engine.dispose()


class PostgreSQLDialect(Dialect):
    name = "postgresql"

    def advisory_xact_lock(self, session: Session, key: int) -> None:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    def streaming_cursor(self, dbapi_connection, name: str):
        return dbapi_connection.cursor(name=name)  # a server-side cursor

    def allocate_ids(self, session: Session, *, table, n: int) -> list[int]:
        """Drawn from the table's sequence: safe with concurrent writers."""
        rows = session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": n},
        )
        return sorted(r[0] for r in rows)

    def concat_agg(self, expr: str, *, real: bool = False) -> str:
        inner = f"COALESCE(({expr})::text, 'nan')" if real else f"({expr})::text"
        return f"string_agg({inner}, ',')"

    def guard(self, session: Session) -> AbstractContextManager:
        """A savepoint: on PostgreSQL a failed statement aborts the whole transaction."""
        return session.begin_nested()

    def is_transient(self, exc: Exception) -> bool:
        """Lock timeouts, serialisation failures, deadlocks, too many connections, a server restarting."""
        code = getattr(getattr(exc, "orig", None), "sqlstate", None) or getattr(getattr(exc, "orig", None), "pgcode", None)
        return code in {"55P03", "40001", "40P01", "53300", "57P03"}

    def backup(self, engine: Engine, dest: Path) -> None:
        """`pg_dump` (custom format): one snapshot transaction, so the dump is consistent while
        the application writes."""
        _run_pg_tool(["pg_dump", "--format=custom", "--no-owner", f"--file={dest}", _libpq_url(engine)])

    def restore(self, engine: Engine, src: Path) -> None:
        """`pg_restore --clean` in a single transaction: all or nothing."""
        engine.dispose()
        _run_pg_tool(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                      "--exit-on-error", f"--dbname={_libpq_url(engine)}", str(src)])


_DIALECTS: dict[str, Dialect] = {d.name: d for d in (SQLiteDialect(), PostgreSQLDialect())}


def dialect_for(bind) -> Dialect:
    """The backend of a Session, Connection or Engine (or a backend name)."""
    if isinstance(bind, str):
        name = bind
    else:
        if isinstance(bind, Session):
            bind = bind.get_bind()
        name = bind.dialect.name
    try:
        return _DIALECTS[name]
    except KeyError:
        raise UnsupportedDatabase(f"unsupported database backend: {name!r} (SQLite or PostgreSQL)") from None


def _libpq_url(engine: Engine) -> str:
    """The engine's URL as libpq reads it (no `+driver`), password included."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run_pg_tool(args: list[str]) -> None:
    """Run a PostgreSQL client tool; its own message on failure (a RuntimeError)."""
    if shutil.which(args[0]) is None:
        raise RuntimeError(f"{args[0]} not found: install the PostgreSQL client tools")
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()[-2000:]}")


def _last_value_cached(processor):
    """A bind processor that remembers its last argument (bulk rows repeat the same timestamp)."""
    last: list = [object(), None]

    def process(value):
        if value is not last[0]:
            last[0], last[1] = value, processor(value)
        return last[1]

    return process

"""Writes and reads while an import runs (issue 20 item 2): a web upload no longer freezes the
server (the import runs in a worker thread, not on the event loop), and a database locked past the
busy timeout answers 503 with Retry-After, never a 500."""

from __future__ import annotations

import sqlite3
import threading
import time

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from bioatlas.core.dialect import dialect_for
from tests.web.live import serve

ADMIN = {"Authorization": "Bearer " + "t" * 32}


def test_the_server_answers_while_a_web_upload_imports(settings, db):
    rows = "Nom;CP;Ville\n" + "".join(f"Organisation synthétique {i};91000;Évry-Courcouronnes\n" for i in range(1500))
    with serve(settings) as url:
        result: dict = {}

        def upload() -> None:
            result["r"] = httpx.post(f"{url}/api/v1/imports/actors", files={"file": ("big.csv", rows.encode())},
                                     headers=ADMIN, timeout=300)

        thread = threading.Thread(target=upload)
        thread.start()
        latencies = []
        time.sleep(0.3)  # let the upload reach the import (the only wait: the import is the load)
        while thread.is_alive() and len(latencies) < 20:
            start = time.perf_counter()
            assert httpx.get(f"{url}/healthz", timeout=30).status_code == 200
            latencies.append(time.perf_counter() - start)
        thread.join()
    assert result["r"].status_code == 200, result["r"].text[:300]
    assert latencies, "the import ended before any request was timed"
    assert max(latencies) < 2.0, latencies  # before the fix: frozen for the whole import


def test_a_locked_database_is_a_503_with_retry_after(client, db, engine, backend):
    if backend != "sqlite":
        pytest.skip("SQLite's whole-database write lock; PostgreSQL's transient errors are classified below")
    holder = sqlite3.connect(engine.url.database, timeout=1)
    holder.execute("BEGIN IMMEDIATE")  # another process's long import holds the write lock
    try:
        r = client.post("/api/v1/imports/actors", files={"file": ("a.csv", b"Nom;CP\nGenethon;91000\n")}, headers=ADMIN)
    finally:
        holder.rollback()
        holder.close()
    assert r.status_code == 503 and r.headers["retry-after"] == "5" and "busy" in r.json()["detail"], r.text[:500]


class _PgError(Exception):
    def __init__(self, sqlstate: str):
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("backend_name", "orig", "transient"), [
    ("sqlite", sqlite3.OperationalError("database is locked"), True),
    ("sqlite", sqlite3.OperationalError("no such table: actors"), False),
    ("postgresql", _PgError("55P03"), True),  # lock_not_available
    ("postgresql", _PgError("40001"), True),  # serialization_failure
    ("postgresql", _PgError("42P01"), False),  # undefined_table: a bug, stays a 500
])
def test_transient_errors_are_told_from_bugs(backend_name, orig, transient):
    error = OperationalError("statement", {}, orig)
    assert dialect_for(backend_name).is_transient(error) is transient

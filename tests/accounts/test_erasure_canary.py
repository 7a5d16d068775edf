"""GDPR erasure, checked the way an auditor would: a canary address and name go through sign-up,
failed logins (rate-limit counters), a refused contribution that contains them, then the account is
deleted; no table row, no rate-limit counter and (on SQLite) no byte of the database, WAL or
shared-memory files still holds them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect, text

from bioatlas.accounts.models import RateLimitHit
from tests.accounts.fixtures import (  # noqa: F401  (fixtures)
    PASSWORD, acc_app, csrf_of, login, mail_settings, make_user, smtp, web,
)
from tests.contributions.helpers import add_actor

CANARY_EMAIL = "canari.zx81q@example.org"
CANARY_NAME = "Canari Qwzx"


def _rows_holding(engine, needle: str) -> list[str]:
    """Every table.column whose text holds `needle` (both backends)."""
    found = []
    inspector = inspect(engine)
    with engine.connect() as conn:
        for table in inspector.get_table_names():
            for column in inspector.get_columns(table):
                if "CHAR" not in str(column["type"]).upper() and "TEXT" not in str(column["type"]).upper():
                    continue
                hit = conn.execute(text(f'SELECT 1 FROM "{table}" WHERE "{column["name"]}" LIKE :n LIMIT 1'),
                                   {"n": f"%{needle}%"}).first()
                if hit:
                    found.append(f"{table}.{column['name']}")
    return found


def test_no_trace_of_a_deleted_account_anywhere(web, db, engine, acc_app):
    make_user(db, CANARY_EMAIL, name=CANARY_NAME)
    actor_id = add_actor(db, "Genethon", "91000")
    assert login(web, CANARY_EMAIL, "wrong password").status_code == 401  # counted under the address
    assert login(web, CANARY_EMAIL).status_code == 303
    headers = {"X-CSRF-Token": csrf_of(web, "/account")}
    refused = web.post(f"/api/v1/actors/{actor_id}/proposals",
                       json={"fields": {"modalities": [CANARY_EMAIL]}}, headers=headers)
    assert refused.status_code == 422
    assert "audit_events.detail" in _rows_holding(engine, CANARY_EMAIL)  # the refused value was audited
    assert "users.display_name" in _rows_holding(engine, CANARY_NAME)
    limiter = acc_app.state.rate_limiter
    digests = [limiter._digest(f"{bucket}:account:{CANARY_EMAIL}") for bucket in ("login", "reset")]
    with db() as s:
        assert s.query(RateLimitHit).filter(RateLimitHit.key.in_(digests)).count() >= 1

    r = web.post("/account/delete", data={"csrf_token": csrf_of(web, "/account"), "password": PASSWORD})
    assert r.status_code == 200, r.text

    assert _rows_holding(engine, CANARY_EMAIL) == [] and _rows_holding(engine, CANARY_NAME) == []
    assert _rows_holding(engine, "canari.zx81q") == []
    with db() as s:
        assert s.query(RateLimitHit).filter(RateLimitHit.key.in_(digests)).count() == 0
    if engine.dialect.name == "sqlite":
        main = Path(engine.url.database)
        files = [str(p) for p in (main, Path(f"{main}-wal"), Path(f"{main}-shm")) if p.exists()]
        assert _files_holding(files, [CANARY_EMAIL, CANARY_NAME, "canari.zx81q"]) == []


# Read in another process: opening and closing the live database file in this one would release
# every POSIX lock SQLite holds on it here (closing any descriptor of a file drops the process's
# locks on it), and a concurrent writer could then corrupt the test database.
_SCAN = """
import json, sys
files, needles = json.loads(sys.argv[1]), json.loads(sys.argv[2])
found = []
for path in files:
    data = open(path, "rb").read()
    found += [[n, path] for n in needles if n.encode() in data or n.encode("utf-16-le") in data]
print(json.dumps(found))
"""


def _files_holding(files: list[str], needles: list[str]) -> list:
    done = subprocess.run([sys.executable, "-c", _SCAN, json.dumps(files), json.dumps(needles)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)

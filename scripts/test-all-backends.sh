#!/usr/bin/env bash
# Runs the whole test suite twice: on SQLite (the embedded default), then on a throw-away
# PostgreSQL cluster started here and stopped on exit (without the browser tests, run once). Extra arguments go to pytest.
# Before the suites: ruff (lint, [tool.ruff] in pyproject.toml) and mypy ([tool.mypy]); either failing stops here.
set -uo pipefail
cd "$(dirname "$0")/.."
PG_DIR=$(mktemp -d /tmp/bioatlas-pg-XXXXXX)
PG_PORT=${BIOATLAS_PG_PORT:-55432}
# pytest keeps its last three numbered temp folders (/tmp/pytest-of-$USER/pytest-N) and deletes older
# ones when a session starts, even a session still running: another pytest on the same machine would
# delete this run's test database under it. Each run here gets its own temp folder instead.
TMP_BASE=$(mktemp -d /tmp/bt-XXXXXX)  # short: CLI messages naming a test file fold at 80 columns
cleanup() { bash scripts/pg-cluster.sh stop "$PG_DIR" >/dev/null 2>&1 || true; rm -rf "$TMP_BASE"; }
trap cleanup EXIT

echo "== lint (ruff) and types (mypy: core and service layers) =="
.venv/bin/ruff check src tests || { echo "ruff found problems (fix them, or \`ruff check --fix\`)" >&2; exit 1; }
.venv/bin/mypy || { echo "mypy found type errors in core or a service layer" >&2; exit 1; }

echo "== test suite on SQLite =="
.venv/bin/pytest --basetemp="$TMP_BASE/s" "$@"
sqlite_status=$?

echo "== test suite on PostgreSQL (browser tests ran once, on SQLite: they test the pages, not the backend) =="
url=$(bash scripts/pg-cluster.sh start "$PG_DIR" "$PG_PORT") || { echo "could not start PostgreSQL" >&2; exit 1; }
BIOATLAS_TEST_DATABASE_URL="$url" .venv/bin/pytest --basetemp="$TMP_BASE/p" -m "not browser" "$@"
pg_status=$?

echo "SQLite exit status: $sqlite_status, PostgreSQL exit status: $pg_status"
[ "$sqlite_status" -eq 0 ] && [ "$pg_status" -eq 0 ]

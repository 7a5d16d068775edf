#!/usr/bin/env bash
# Runs the whole test suite twice, both halves at the same time: on SQLite (the embedded default,
# in the foreground) and on a throw-away PostgreSQL cluster started here and stopped on exit
# (without the browser tests, run once; its output goes to a log printed when it ends). Each half
# uses about one core (pytest, or pytest and the server in turn), so side by side the wall time is
# the slower half's, not the sum. BIOATLAS_TESTS_IN_SEQUENCE=1 runs them one after the other.
# Extra arguments go to pytest.
# Before the suites: ruff (lint, [tool.ruff] in pyproject.toml) and mypy ([tool.mypy]); either failing stops here.
set -uo pipefail
cd "$(dirname "$0")/.."
PG_DIR=$(mktemp -d /tmp/bioatlas-pg-XXXXXX)
PG_PORT=${BIOATLAS_PG_PORT:-55432}
# pytest keeps its last three numbered temp folders (/tmp/pytest-of-$USER/pytest-N) and deletes older
# ones when a session starts, even a session still running: another pytest on the same machine would
# delete this run's test database under it. Each run here gets its own temp folder instead.
TMP_BASE=$(mktemp -d /tmp/bt-XXXXXX)  # short: CLI messages naming a test file fold at 80 columns
PG_LOG="$TMP_BASE/postgresql.log"
pg_pid=""
sqlite_pid=""
cleanup() {  # a stopped run stops its test processes before their database and folders go
  for pid in $pg_pid $sqlite_pid; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  bash scripts/pg-cluster.sh stop "$PG_DIR" >/dev/null 2>&1 || true
  rm -rf "$TMP_BASE"
}
trap cleanup EXIT

echo "== lint (ruff) and types (mypy: core and service layers) =="
.venv/bin/ruff check src tests || { echo "ruff found problems (fix them, or \`ruff check --fix\`)" >&2; exit 1; }
.venv/bin/mypy || { echo "mypy found type errors in core or a service layer" >&2; exit 1; }

url=$(bash scripts/pg-cluster.sh start "$PG_DIR" "$PG_PORT") || { echo "could not start PostgreSQL" >&2; exit 1; }
run_postgresql() {  # exec: in the background, $! is pytest itself (the exit trap stops it)
  BIOATLAS_TEST_DATABASE_URL="$url" exec .venv/bin/pytest --basetemp="$TMP_BASE/p" -m "not browser" "$@"
}

if [ "${BIOATLAS_TESTS_IN_SEQUENCE:-}" = "1" ]; then
  echo "== test suite on SQLite =="
  .venv/bin/pytest --basetemp="$TMP_BASE/s" "$@"
  sqlite_status=$?
  echo "== test suite on PostgreSQL (browser tests ran once, on SQLite: they test the pages, not the backend) =="
  (run_postgresql "$@")
  pg_status=$?
else
  echo "== test suites on SQLite (below) and PostgreSQL (at the same time; its output follows when both end) =="
  (run_postgresql "$@") >"$PG_LOG" 2>&1 &
  pg_pid=$!
  .venv/bin/pytest --basetemp="$TMP_BASE/s" "$@" &  # waited for, so that a signal reaches the trap at once
  sqlite_pid=$!
  wait "$sqlite_pid"
  sqlite_status=$?
  sqlite_pid=""
  wait "$pg_pid"
  pg_status=$?
  pg_pid=""
  echo "== test suite on PostgreSQL (browser tests ran once, on SQLite: they test the pages, not the backend) =="
  cat "$PG_LOG"
fi

echo "SQLite exit status: $sqlite_status, PostgreSQL exit status: $pg_status"
[ "$sqlite_status" -eq 0 ] && [ "$pg_status" -eq 0 ]

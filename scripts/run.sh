#!/usr/bin/env bash
# `make run`: the task queue's worker in the background, the web server in the foreground; when the
# server stops (Ctrl-C or an error), the worker is asked to stop too (SIGINT: running jobs finish).
set -euo pipefail
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

"$BIN/bioatlas" db upgrade  # once, before the two processes start (each would migrate otherwise)
"$BIN/bioatlas" jobs worker --workers "${JOBS_WORKERS:-1}" &
worker=$!
stop_worker() {
  kill -INT "$worker" 2>/dev/null || true
  wait "$worker" 2>/dev/null || true
}
trap stop_worker EXIT
"$BIN/bioatlas" serve --host "$HOST" --port "$PORT"

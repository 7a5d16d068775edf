#!/usr/bin/env bash
# `make run`: the task queue's worker (and, without SMTP settings, the development mail catcher) in the
# background, the web server in the foreground; when the server stops (Ctrl-C or an error), they are
# asked to stop too (SIGINT: running jobs finish).
set -euo pipefail
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

# Without a mail server configured, a local mail catcher keeps every e-mail (sign-up links…) and
# /dev/mail lists them: a new user can finish signing up in the demo (development only).
if [ -z "${BIOATLAS_SMTP_HOST:-}" ]; then
  export BIOATLAS_SMTP_HOST=127.0.0.1 BIOATLAS_SMTP_PORT=${MAIL_PORT:-1025} BIOATLAS_SMTP_STARTTLS=false
  export BIOATLAS_DEV_MAIL_DIR=${BIOATLAS_DEV_MAIL_DIR:-var/mail}
  "$BIN/bioatlas" mail catch --port "$BIOATLAS_SMTP_PORT" --dir "$BIOATLAS_DEV_MAIL_DIR" &
  catcher=$!
  echo "mail catcher on 127.0.0.1:$BIOATLAS_SMTP_PORT: e-mails are listed at http://$HOST:$PORT/dev/mail"
fi
"$BIN/bioatlas" db upgrade  # once, before the two processes start (each would migrate otherwise)
"$BIN/bioatlas" jobs worker --workers "${JOBS_WORKERS:-1}" &
worker=$!
stop_worker() {
  kill -INT "$worker" 2>/dev/null || true
  wait "$worker" 2>/dev/null || true
  if [ -n "${catcher:-}" ]; then kill -TERM "$catcher" 2>/dev/null || true; wait "$catcher" 2>/dev/null || true; fi
}
trap stop_worker EXIT
"$BIN/bioatlas" serve --host "$HOST" --port "$PORT"

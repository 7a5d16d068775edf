#!/usr/bin/env bash
# System packages the tests need, from Debian: chromium and its translations (browser tests) and PostgreSQL
# (second backend).
# Installs only what is missing; needs root (or sudo) when something is missing.
# --bench: also the benchmarks' tools (wrk: the load client of `bench/http_load.py --client wrk`).
set -euo pipefail
missing=()
if [ "${1:-}" = "--bench" ]; then
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
fi
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# chromium's own French (its date and time fields drawn as a French reader's browser draws them)
ls /usr/lib/chromium/locales/fr.pak >/dev/null 2>&1 || missing+=(chromium-l10n)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
# WeasyPrint (observatory factsheet PDF) needs Pango; pdftoppm (poppler-utils) renders the PDF in a test.
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || missing+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing+=(libpangoft2-1.0-0)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

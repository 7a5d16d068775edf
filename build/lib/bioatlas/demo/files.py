"""The demo's data files (`demo/data/`, derived by `scripts/derive_demo_data.py`; sources and
licences in docs/data-sources.md). Tests use them as real-data fixtures."""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).with_name("data")
ROR_FILE = DEMO_DIR / "ror-fr.jsonl.gz"  # the ROR records located in France
SEED_FILE = DEMO_DIR / "seed-actors.csv"  # organisations named in the sector's articles, each citing its article
EMA_FILES = (DEMO_DIR / "ema-medicines-2018-12-23.xlsx", DEMO_DIR / "ema-medicines-2026-01-29.xlsx")  # oldest first
ROME_FILES = (DEMO_DIR / "unix_referentiel_code_rome_v460_utf8.csv", DEMO_DIR / "unix_referentiel_appellation_v460_utf8.csv")

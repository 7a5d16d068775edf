"""Derive the demo's ROR subset from ../shared/data/ror: every record located in France
(active, inactive and withdrawn alike), unchanged, one JSON object a line, gzipped.

Source: ROR registry data dump (CC0 1.0). Output committed at
src/bioatlas/atlas/demo_data/ror-fr.jsonl.gz; see docs/data-sources.md.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def in_france(rec: dict) -> bool:
    if "locations" in rec:
        return any(l.get("geonames_details", {}).get("country_code") == "FR" for l in rec["locations"])
    return (rec.get("country") or {}).get("country_code") == "FR"


def main() -> None:
    src = ROOT.parent / "shared" / "data" / "ror" / "ror-records.jsonl.gz"
    out = ROOT / "src" / "bioatlas" / "atlas" / "demo_data" / "ror-fr.jsonl.gz"
    n = 0
    with gzip.open(src, "rt", encoding="utf-8") as fin, gzip.open(out, "wt", encoding="utf-8") as fout:
        for line in fin:
            rec = json.loads(line)
            if in_france(rec):
                fout.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
                n += 1
    print(f"{n} French ROR records -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""Derive the demo's data from ../shared/data (outputs committed under src/bioatlas/demo/data/):

- ror-fr.jsonl.gz: every ROR record with a location in France (active, inactive and withdrawn
  alike), unchanged, one JSON object a line, gzipped. ROR registry data dump, CC0 1.0.
- ema-medicines-2018-12-23.xlsx, ema-medicines-2026-01-29.xlsx: the EMA lists of centrally
  authorised medicines, copied unchanged. European Medicines Agency, reuse with acknowledgement.
- unix_referentiel_*_v460_utf8.csv: ROME v4.60 occupations and job titles, copied unchanged. France Travail,
  Licence Ouverte.
See docs/data-sources.md.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def in_france(rec: dict) -> bool:
    if "locations" in rec:
        return any(l.get("geonames_details", {}).get("country_code") == "FR" for l in rec["locations"])
    return (rec.get("country") or {}).get("country_code") == "FR"


def main() -> None:
    src = ROOT.parent / "shared" / "data" / "ror" / "ror-records.jsonl.gz"
    out = ROOT / "src" / "bioatlas" / "demo" / "data" / "ror-fr.jsonl.gz"
    n = 0
    with gzip.open(src, "rt", encoding="utf-8") as fin, gzip.open(out, "wt", encoding="utf-8") as fout:
        for line in fin:
            rec = json.loads(line)
            if in_france(rec):
                fout.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
                n += 1
    print(f"{n} French ROR records -> {out.relative_to(ROOT)}")
    data = ROOT.parent / "shared" / "data"
    copies = {
        data / "ema" / "epar-2020-Medicines_output_european_public_assessment_reports.xlsx": "ema-medicines-2018-12-23.xlsx",
        data / "ema" / "medicines-output-medicines-report_en-2026-01-29.xlsx": "ema-medicines-2026-01-29.xlsx",
        data / "rome" / "unix_referentiel_code_rome_v460_utf8.csv": "unix_referentiel_code_rome_v460_utf8.csv",
        data / "rome" / "unix_referentiel_appellation_v460_utf8.csv": "unix_referentiel_appellation_v460_utf8.csv",
    }
    for src_file, name in copies.items():
        shutil.copyfile(src_file, out.parent / name)
        print(f"copied {src_file.name} -> {name}")


if __name__ == "__main__":
    main()

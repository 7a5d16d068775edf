"""Derive the demo's data from ../shared/data (outputs committed under src/bioatlas/demo/data/):

- ror-fr.jsonl.gz: every ROR record with a location in France (active, inactive and withdrawn
  alike), unchanged, one JSON object a line, gzipped. ROR registry data dump, CC0 1.0.
- ema-medicines-2018-12-23.xlsx, ema-medicines-2026-01-29.xlsx: the EMA lists of centrally
  authorised medicines, copied unchanged. European Medicines Agency, reuse with acknowledgement.
- unix_referentiel_*_v460_utf8.csv: ROME v4.60 occupations and job titles, copied unchanged. France Travail,
  Licence Ouverte.
- sources/demo_data/: the sector part of the four registries the sources room loads into the demo
  (`sources/demo.py`), official layout and columns unchanged, rows filtered: RNSR structures in
  biology/medicine/health (scientific domain 5) or with a life-science ERC panel (LS1–LS9); i-Lab
  laureates of the biotech/pharma technology domains; IREP establishments of NAF 21.10Z, 21.20Z
  and 72.11Z; Transparence-Santé French human-medicine companies (`[FR]`, `[MED]`).
  Licences: RNSR and i-Lab Licence Ouverte 2.0 (MESR), IREP Licence Ouverte (DGPR), Transparence-
  Santé attribution (Ministère de la Santé).
See docs/data-sources.md.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from collections.abc import Callable
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


ILAB_DOMAINS = {"Biotechnologies et pharmacie", "Pharmacie, Sciences du vivant & Biotechnologies", "Pharmacie & biotechnologies"}
IREP_NAF = {"2110Z", "2120Z", "7211Z"}


def rnsr_in_sector(row: dict[str, str]) -> bool:
    domains = row["code_domaine_scientifique"].split(";")
    return "5" in domains or any(p.strip().startswith("LS") for p in row["code_panel_erc"].split(";"))


SECTOR_PARTS: dict[str, tuple[str, str, str, str, Callable[[dict[str, str]], bool]]] = {
    # demo file: (shared file, delimiter, encoding, line end, row filter)
    "rnsr-sante.csv": ("rnsr/fr-esr-structures-recherche-publiques-actives.csv", ";", "utf-8", "\r\n", rnsr_in_sector),
    "ilab-biotech-pharma.csv": ("ilab/fr-esr-laureats-concours-national-i-lab.csv", ";", "utf-8-sig", "\r\n",
                                lambda r: r["Domaine technologique"] in ILAB_DOMAINS),
    "irep-pharma-biotech.csv": ("irep/irep-etablissements-2015.csv", ",", "utf-8", "\r\n",
                                lambda r: r["Code_APE"].replace(".", "").upper() in IREP_NAF),
    "transparence-sante-med-fr.csv": ("transparence-sante/entreprises.csv", ",", "utf-8", "\n",
                                      lambda r: r["pays_code"] == "[FR]" and r["secteur_activite_code"] == "[MED]"),
}


def sector_parts(data: Path, out_dir: Path) -> None:
    """The sector's rows of the four registries, header and columns as published."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, (shared, delimiter, encoding, line_end, keep) in SECTOR_PARTS.items():
        text = (data / shared).read_text(encoding="utf-8-sig")
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        header = next(reader)
        rows = [cells for cells in reader if any(c.strip() for c in cells) and keep(dict(zip(header, cells)))]
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
        writer.writerow(header)
        writer.writerows(rows)
        (out_dir / name).write_bytes(buffer.getvalue().encode(encoding))
        print(f"{len(rows)} rows of {shared} -> {name}")


if __name__ == "__main__":
    main()
    sector_parts(ROOT.parent / "shared" / "data", ROOT / "src" / "bioatlas" / "sources" / "demo_data")

"""Label the gold set: for each request of `requests.json`, the demo atlas's actors that are
relevant to it under the written rule of README.md, read from the actors' own registry data
(kind, sites, names, descriptions, capabilities and their evidence). Never reads the matcher.

    PYTHONPATH=src .venv/bin/python bench/data/matching_gold/label.py --database-url sqlite:///var/bench/demo.sqlite3

Writes `gold.json` next to this file: {request id: [{"name", "kind", "evidence"}]}.
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from pathlib import Path

from sqlalchemy import create_engine, text

HERE = Path(__file__).resolve().parent
ACADEMIA = ("research_unit", "university", "hospital", "tech_platform")

# Strong terms: words a reader takes as evidence that an organisation works on the modality.
# Generic words the inference also accepts ("cellules", "protéines", "enzymes", "hormones", "ARN",
# "ATMP", "EV", "LV", "anticorps" alone...) are not evidence here.
STRONG = {
    "mab": ["anticorps monoclonal", "anticorps monoclonaux", "monoclonal antibody", "monoclonal antibodies",
            "anticorps therapeutique", "anticorps therapeutiques", "therapeutic antibodies", "mab", "mabs"],
    "recombinant_protein": ["proteine recombinante", "proteines recombinantes", "recombinant protein",
                            "recombinant proteins"],
    "vaccine": ["vaccin", "vaccins", "vaccine", "vaccines", "vaccinal", "vaccinale", "vaccination"],
    "viral_vector": ["vecteur viral", "vecteurs viraux", "viral vector", "viral vectors", "therapie genique",
                     "therapies geniques", "gene therapy", "gene therapies"],
    "aav": ["aav", "aavs", "adeno-associated", "adeno-associe", "adeno-associes"],
    "lentiviral": ["lentiviral", "lentiviraux", "lentivirus", "lentiviral vector", "lentiviral vectors"],
    "cell_therapy": ["therapie cellulaire", "therapies cellulaires", "cell therapy", "cell therapies"],
    "autologous_cell": ["autologue", "autologues", "autologous"],
    "allogeneic_cell": ["allogenique", "allogeniques", "allogeneic"],
    "car_t": ["car-t", "car t", "cart-cells", "chimeric antigen receptor"],
    "nucleic_acid": ["arnm", "mrna", "arn messager", "acides nucleiques", "acide nucleique", "nucleic acids",
                     "oligonucleotide", "oligonucleotides", "sirna", "adn plasmidique", "plasmid dna"],
    "adc": ["adc", "adcs", "anticorps conjugue", "anticorps conjugues", "antibody-drug conjugate",
            "antibody-drug conjugates", "antibody drug conjugates"],
    "extracellular_vesicle": ["vesicules extracellulaires", "vesicule extracellulaire", "extracellular vesicles",
                              "exosome", "exosomes"],
}
CHILDREN = {"viral_vector": ["aav", "lentiviral"], "cell_therapy": ["autologous_cell", "allogeneic_cell", "car_t"]}


def fold(value: str) -> str:
    value = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9-]+", " ", value)


def hits(folded: str, codes: set[str]) -> list[str]:
    padded = f" {folded} "
    return [term for code in sorted(codes) for term in STRONG.get(code, ()) if f" {term} " in padded]


def widen(codes: list[str]) -> set[str]:
    out = set(codes)
    for code in codes:
        out |= set(CHILDREN.get(code, ()))
    return out


def actors(conn) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for aid, name, kind, dfr, den in conn.execute(text(
            "select id, name, kind, description_fr, description_en from actors where status = 'active'")):
        out[aid] = {"name": name, "kind": kind, "texts": [name, dfr or "", den or ""], "regions": set(),
                    "countries": set(), "stated": {}, "inferred": {}, "steps": set()}
    for aid, value in conn.execute(text("select actor_id, value from actor_names")):
        if aid in out:
            out[aid]["texts"].append(value)
    for aid, region, country in conn.execute(text("select actor_id, region, country from sites")):
        if aid in out:
            if region:
                out[aid]["regions"].add(region)
            out[aid]["countries"].add(country)
    for aid, facet, code, source_kind in conn.execute(text(
            "select c.actor_id, c.facet, c.code, s.kind from actor_capabilities c join sources s on s.id = c.source_id")):
        if aid not in out:
            continue
        if facet == "value_chain":
            out[aid]["steps"].add(code)
        elif facet == "modalities" and source_kind != "inferred":
            out[aid]["stated"][code] = source_kind
    for aid, code, matched in conn.execute(text(
            "select actor_id, code, matched from capability_evidence where facet = 'modalities' and status = 'inferred'")):
        if aid in out:
            out[aid]["inferred"][code] = matched
    return out


def relevant(request: dict, actor: dict) -> str | None:
    """The evidence when the actor is relevant to the request under README's rule, else None."""
    if actor["kind"] not in request["audience"]:
        return None
    if request["regions"] and not actor["regions"] & set(request["regions"]):
        return None
    if request.get("countries") and not actor["countries"] & set(request["countries"]):
        return None
    if request["steps"] and actor["steps"] and not actor["steps"] & set(request["steps"]):
        return None
    codes = widen(request["modalities"])
    stated = sorted(c for c in actor["stated"] if c in codes)
    if stated:
        return f"stated {stated[0]} ({actor['stated'][stated[0]]})"
    for code in sorted(c for c in actor["inferred"] if c in codes):
        strong = hits(fold(actor["inferred"][code]), {code})
        if strong:
            return f"inferred {code} from '{strong[0]}'"
    for t in actor["texts"]:
        strong = hits(fold(t), codes)
        if strong:
            return f"text '{strong[0]}'"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    requests = json.loads((HERE / "requests.json").read_text())["requests"]
    with create_engine(args.database_url).connect() as conn:
        table = actors(conn)
    by_name = {}
    for a in table.values():
        by_name.setdefault(a["name"], []).append(a)
    gold = {}
    for request in requests:
        me = request["requester"]
        gold[request["id"]] = sorted(({"name": a["name"], "kind": a["kind"], "evidence": ev}
                                      for a in table.values() if a["name"] != me and (ev := relevant(request, a))),
                                     key=lambda row: row["name"])
        print(f"{request['id']} {len(gold[request['id']]):4d} relevant  {request['title_en']}")
    (HERE / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()

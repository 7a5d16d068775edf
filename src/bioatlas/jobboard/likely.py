"""Likely employers of an occupation (issue 16 item 4): the sector actors whose NAF code, value-
chain steps and kind make them likely to hire for a ROME code, even without a posted offer (the
idea of La Bonne Boîte's ROME ↔ NAF affinity, here as an editorial weighting).

The weighting is `likely_employers.csv` (rome prefix, dimension naf|step|kind, value, weight 0-1,
reason), written by the project from the ROME fiches' sectors and the NAF rév. 2 headings; it is
not hiring statistics. A ROME code takes every row whose `rome` is a prefix of it. An actor's
score is 0.5 × its best NAF weight (the NAF value a prefix of its code) + 0.35 × its best
value-chain step weight + 0.15 × its best kind weight, between 0 and 1; the reasons are the rows
that matched. docs/jobboard.md says the same."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

RULES_FILE = Path(__file__).with_name("likely_employers.csv")
SHARES = {"naf": 0.5, "step": 0.35, "kind": 0.15}
SOURCE = {"fr": "Pondération éditoriale ROME ↔ NAF / chaîne de valeur du projet (d'après les fiches ROME et "
                "les intitulés NAF rév. 2\u202f; pas des statistiques d'embauche)",
          "en": "The project's editorial ROME ↔ NAF / value-chain weighting (from the ROME fiches and the NAF "
                "rév. 2 headings; not hiring statistics)"}


@dataclass(frozen=True)
class Rule:
    rome: str
    dimension: str
    value: str
    weight: float
    reason: str


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    with RULES_FILE.open(encoding="utf-8", newline="") as fh:
        out = tuple(Rule(r["rome"], r["dimension"], r["value"], float(r["weight"]), r["reason"])
                    for r in csv.DictReader(fh))
    for rule in out:
        if rule.dimension not in SHARES or not 0 < rule.weight <= 1:
            raise ValueError(f"{RULES_FILE.name}: bad rule {rule}")
    return out


def rules_for(rome_code: str) -> list[Rule]:
    return [r for r in rules() if rome_code.upper().startswith(r.rome)]


def score(rules_: list[Rule], *, naf: str | None, steps: set[str], kind: str) -> tuple[float, list[Rule]]:
    """The actor's score and the rules that matched (the best of each dimension)."""
    best: dict[str, Rule] = {}
    for rule in rules_:
        hit = ((rule.dimension == "naf" and naf and naf.startswith(rule.value))
               or (rule.dimension == "step" and rule.value in steps)
               or (rule.dimension == "kind" and rule.value == kind))
        if hit and (rule.dimension not in best or rule.weight > best[rule.dimension].weight):
            best[rule.dimension] = rule
    total = sum(SHARES[d] * r.weight for d, r in best.items())
    return round(total, 3), sorted(best.values(), key=lambda r: -SHARES[r.dimension] * r.weight)

"""Affiliation gold sets (S2AFF annotations, Crossref publisher-asserted ROR ids) and the
metrics of the ROR API's matching tests: accuracy (chosen set == gold set), precision over all
chosen ids, recall over all gold ids."""

from __future__ import annotations

import ast
import csv
from dataclasses import dataclass
from pathlib import Path

S2AFF_FILE = "data/affiliations/s2aff_gold_affiliation_annotations.csv"
CROSSREF_FILE = "data/affiliations/20230628_Crossref_publisher_asserted_affiliation_string_ROR_IDs_{split}.csv"


@dataclass(frozen=True)
class GoldItem:
    affiliation: str
    gold: frozenset[str]
    split: str


def s2aff(shared: Path, splits: set[str]) -> list[GoldItem]:
    with open(Path(shared) / S2AFF_FILE, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        if row["split"] not in splits:
            continue
        labels = row["labels"].strip()
        gold = frozenset(ast.literal_eval(labels)) if labels.startswith("{") else frozenset()
        out.append(GoldItem(row["original_affiliation"], gold, row["split"]))
    return out


def crossref(shared: Path, split: str) -> list[GoldItem]:
    with open(Path(shared) / CROSSREF_FILE.format(split=split), encoding="utf-8-sig", newline="") as fh:
        return [GoldItem(r["affiliation"], frozenset(r["ror_id"].split()), split) for r in csv.DictReader(fh)]


def in_registry(items: list[GoldItem], known: set[str]) -> list[GoldItem]:
    """Only items whose gold ids are all in the loaded registry count (and have at least one)."""
    return [it for it in items if it.gold and it.gold <= known]


@dataclass
class Metrics:
    n: int
    exact: int
    chosen: int
    correct: int
    gold: int

    @property
    def accuracy(self) -> float:
        return self.exact / self.n if self.n else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.chosen if self.chosen else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0


def score(pairs: list[tuple[set[str], frozenset[str]]]) -> Metrics:
    """pairs: (chosen ids, gold ids) per item."""
    m = Metrics(n=len(pairs), exact=0, chosen=0, correct=0, gold=0)
    for chosen, gold in pairs:
        m.exact += set(chosen) == set(gold)
        m.chosen += len(chosen)
        m.correct += len(set(chosen) & gold)
        m.gold += len(gold)
    return m

"""Error analysis of the resolver on a gold set: why each missed gold id was missed and why each
wrong id was chosen. Used by `bench/resolve.py --analyse` on the train/val splits (never to tune
on test answers; the test figures are printed for the report only)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bioatlas.resolve.gold import GoldItem
from bioatlas.resolve.index import ResolverIndex

MISSED = ("no candidate", "hierarchy: a parent/child chosen instead", "wrong candidate ranked first",
          "right candidate below threshold", "multi-org: another gold id chosen, this one not")
WRONG = ("hierarchy: parent/child of a gold id", "extra id next to the right one", "wrong candidate ranked first")


@dataclass
class ErrorSummary:
    items: int = 0
    exact: int = 0
    gold_ids: int = 0
    chosen_ids: int = 0
    missed: Counter = field(default_factory=Counter)
    wrong: Counter = field(default_factory=Counter)
    multi_items: int = 0
    multi_exact: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"{self.items} items, {self.exact} exact; {self.gold_ids} gold ids, {self.chosen_ids} chosen ids",
               f"missed gold ids ({sum(self.missed.values())}):"]
        out += [f"  {k}: {self.missed[k]}" for k in MISSED]
        out.append(f"wrong chosen ids ({sum(self.wrong.values())}):")
        out += [f"  {k}: {self.wrong[k]}" for k in WRONG]
        out.append(f"multi-organisation items (several gold ids): {self.multi_items}, exact {self.multi_exact}")
        return out


def relatives(index: ResolverIndex, actor_id: int, depth: int = 3) -> set[int]:
    """Ancestors and descendants of an actor (a few levels)."""
    out: set[int] = set()
    for attr in ("parents", "children"):
        frontier = {actor_id}
        for _ in range(depth):
            frontier = {n for a in frontier if a in index.actors for n in getattr(index.actors[a], attr)} - out
            out |= frontier
    return out - {actor_id}


def analyse(index: ResolverIndex, results: list[tuple[GoldItem, list[str], list[str]]], *, keep_examples: int = 0) -> ErrorSummary:
    """results: (item, chosen public ids, candidate public ids best first)."""
    s = ErrorSummary()
    pid = index.by_public_id

    def related(a: str, b: str) -> bool:
        return a in pid and b in pid and pid[b] in relatives(index, pid[a])

    def note(kind: str, item: GoldItem, chosen: list[str]) -> None:
        if keep_examples and len(s.examples.setdefault(kind, [])) < keep_examples:
            names = [index.actors[pid[c]].name for c in chosen if c in pid]
            gold = [index.actors[pid[g]].name for g in item.gold if g in pid]
            s.examples[kind].append(f"{item.affiliation!r} -> {names} (gold {gold})")

    for item, chosen, cands in results:
        s.items += 1
        cset = set(chosen)
        s.exact += cset == set(item.gold)
        s.gold_ids += len(item.gold)
        s.chosen_ids += len(cset)
        if len(item.gold) > 1:
            s.multi_items += 1
            s.multi_exact += cset == set(item.gold)
        for g in item.gold - cset:
            if g not in cands:
                kind = MISSED[0]
            elif any(related(g, c) for c in cset):
                kind = MISSED[1]
            elif cset & item.gold:
                kind = MISSED[4]
            elif cset:
                kind = MISSED[2]
            else:
                kind = MISSED[3]
            s.missed[kind] += 1
            note(kind, item, chosen)
        for c in cset - item.gold:
            if any(related(c, g) for g in item.gold):
                kind = WRONG[0]
            elif cset & item.gold:
                kind = WRONG[1]
            else:
                kind = WRONG[2]
            s.wrong[kind] += 1
            note("wrong: " + kind, item, chosen)
    return s

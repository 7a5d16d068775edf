"""Free-text organisation mention -> the actor(s) it names, with a calibrated score and reasons.

1. The mention is cleaned, cut into segments (commas, semicolons, brackets) and spans (up to
   three contiguous segments); each is reduced to a key (`resolve.text`).
2. Candidate names come from the exact path (a span key, or an upper-case word for acronyms,
   equal to a name key) and the token path (IDF-weighted overlap in the inverted index).
3. Each candidate actor gets features (name coverage, best span similarity, exact/contained,
   acronym, country and city agreement, parent/child also named, ambiguity, margin) and the
   logistic calibration turns them into a probability.
4. The best candidate is chosen above the threshold; another one is chosen too when it names a
   different part of the mention and reaches the higher `extra_threshold`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from bioatlas.resolve.calibration import FEATURES, Calibration, load_calibration
from bioatlas.resolve.index import MAX_POSTING, ResolverIndex, bag, country_names
from bioatlas.resolve.text import acronym_key, clean, is_unit, key, segments, tokens
from bioatlas.resolve.text import words as raw_words

MAX_ENTRIES = 60
MAX_SCANNED = 3000  # names sharing a rare token with the mention whose whole coverage is computed
MAX_CANDIDATES = 10
MAX_SPAN = 3


@dataclass
class Candidate:
    actor_id: int
    id: str  # ROR URL when the actor has one, else the actor id
    name: str
    matched: str
    score: float
    features: dict[str, float]
    span: tuple[int, int]
    reasons: list[str] = field(default_factory=list)
    part: int = 0  # which `;`-separated affiliation of the mention it matched

    def as_dict(self) -> dict:
        return {"id": self.id, "actor_id": self.actor_id, "name": self.name, "matched": self.matched,
                "score": round(self.score, 4), "reasons": self.reasons}


@dataclass
class Resolution:
    mention: str
    chosen: list[Candidate]
    candidates: list[Candidate]

    def as_dict(self, *, max_candidates: int = 5) -> dict:
        return {
            "affiliation": self.mention,
            "chosen": [c.id for c in self.chosen],
            "candidates": [c.as_dict() for c in self.candidates[:max_candidates]],
        }


@dataclass
class _Span:
    start: int
    end: int
    key: str
    raw: str = ""  # its words, abbreviations not expanded
    bag: str = ""

    def __post_init__(self) -> None:
        self.bag = bag(tokens(self.key))


@dataclass
class _Context:
    """What every candidate name is compared with: the mention's spans, words, upper-case words, countries."""
    text: str
    spans: list[_Span]
    word_set: set[str]
    raw: str  # the mention's words, abbreviations not expanded (acronyms are compared with these)
    upper: set[str]
    countries: set[str]

    def __post_init__(self) -> None:
        self.span_keys = [s.key for s in self.spans]
        self.bags = {s.bag for s in self.spans}


# words of a name that make it a sub-unit of its parent (a school of a university, a hospital department)
_SUB_UNIT = frozenset("school faculty department college division campus branch section sezione".split())


class Resolver:
    def __init__(self, index: ResolverIndex, calibration: Calibration | None = None) -> None:
        self.index = index
        self.calibration = calibration or load_calibration()
        self._countries = country_names()
        self._bearers: dict[str, frozenset[int]] = {}  # name key -> active actors bearing it (cache)

    # -- public ---------------------------------------------------------------------------------

    def forget(self) -> None:
        """Drop what was cached from the index (after `index.refresh`)."""
        self._bearers = {}

    def resolve(self, mention: object, *, exclude: int | None = None) -> Resolution:
        text = clean(mention)
        cands = self.candidates(text, exclude=exclude)
        return Resolution(text, self.choose(cands), cands)

    def choose(self, cands: list[Candidate]) -> list[Candidate]:
        cal = self.calibration
        if not cands or cands[0].score < cal.threshold:
            return []
        chosen = [cands[0]]
        for c in cands[1:]:
            if c.score < cal.threshold:
                break
            if any(c.actor_id == o.actor_id or not (c.span[1] < o.span[0] or c.span[0] > o.span[1]) for o in chosen):
                continue
            if c.score >= cal.extra_threshold or all(c.part != o.part for o in chosen):
                chosen.append(c)  # another organisation, or another affiliation of a list
        return chosen

    # -- candidates -----------------------------------------------------------------------------

    def candidates(self, text: str, *, exclude: int | None = None) -> list[Candidate]:
        pieces = segments(text)
        if not pieces:
            return []
        segs = [s for s, _ in pieces]
        seg_keys = [key(s) for s in segs]
        raw_keys = [acronym_key(s) for s in segs]
        parts = [p for _, p in pieces]
        spans = [
            _Span(i, j, " ".join(k for k in seg_keys[i : j + 1] if k), raw=" ".join(raw_keys[i : j + 1]))
            for i in range(len(segs)) for j in range(i, min(i + MAX_SPAN, len(segs)))
        ]
        spans = [s for s in spans if s.key]
        if not spans:
            return []
        words = " ".join(seg_keys).split()
        grams = {" ".join(words[i : i + n]) for n in range(1, 5) for i in range(len(words) - n + 1)}
        ctx = _Context(text, spans, set(words), " ".join(raw_words(text, expand=False)), self._upper_words(text),
                       {self._countries[g] for g in grams if g in self._countries})
        best: dict[int, tuple[float, dict[str, float], int, _Span]] = {}
        for n in self._retrieve(segs, spans, words):
            self._keep_best(best, n, ctx, exclude)
        if not best:
            return []
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])[: MAX_CANDIDATES * 2]
        # hierarchy: the parents of the strong candidates compete too ("X School of Medicine" -> X University)
        actors = self.index.actors
        for actor_id, (raw, *_rest) in ranked[:MAX_CANDIDATES]:
            if raw < 0.7:
                break
            for parent in actors[actor_id].parents:
                if parent not in best and parent != exclude:
                    for n in self.index.of_actor.get(parent, ()):
                        self._keep_best(best, n, ctx, exclude, via_child=True)
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])[: MAX_CANDIDATES * 2]
        strong = {a for a, v in ranked if v[0] >= 0.9}
        located = []
        for actor_id, (raw, feats, n, span) in ranked:
            info = actors[actor_id]
            countries = ctx.countries
            feats["country_match"] = 1.0 if countries and info.countries & countries else 0.0
            feats["country_mismatch"] = 1.0 if countries and info.countries and not info.countries & countries else 0.0
            feats["city"] = 1.0 if info.cities & grams else 0.0
            feats["parent_named"] = 1.0 if info.parents & strong else 0.0
            feats["child_named"] = 1.0 if info.children & strong else 0.0
            feats["inactive"] = 0.0 if info.active else 1.0
            feats["sub_unit_name"] = 1.0 if info.parents and _SUB_UNIT & set(key(info.name).split()) else 0.0
            # the ranking score: the name, then the place, active records first
            rank_raw = (raw + 0.2 * feats["country_match"] - 0.4 * feats["country_mismatch"] + 0.1 * feats["city"]
                        - 0.3 * feats["inactive"])
            located.append((rank_raw, actor_id, feats, n, span))
        located.sort(key=lambda x: -x[0])
        strong_spans = {a: sp for r, a, _, _, sp in located if r >= 0.9}
        last_end: dict[int, int] = {}  # per `;`-separated affiliation: where its last strong name ends
        for sp in strong_spans.values():
            last_end[parts[sp.start]] = max(last_end.get(parts[sp.start], -1), sp.end)
        out: list[Candidate] = []
        for rank_raw, actor_id, feats, n, span in located:
            info = actors[actor_id]
            # competitors: the other candidates read from an overlapping part of the mention
            rivals = [r for r, a, _, _, sp in located if a != actor_id and not (sp.end < span.start or sp.start > span.end)]
            top = max(rivals, default=0.0)
            feats["margin"] = rank_raw - top
            feats["rank1"] = 1.0 if rank_raw >= top else 0.0
            feats["exact_top"] = feats["exact"] * feats["rank1"]
            feats["position"] = (span.end + 1) / len(segs)  # organisations tend to follow their sub-units
            # several organisations named: the last strong one is usually the institution, the others its units
            part = parts[span.start]
            feats["rightmost"] = 1.0 if actor_id in strong_spans and span.end == last_end.get(part) else 0.0
            others = {a for a, sp in strong_spans.items() if a != actor_id and parts[sp.start] == part
                      and (sp.end < span.start or sp.start > span.end)}
            feats["others_named"] = math.log1p(len(others))
            # a few products: a logistic model cannot combine two signals by itself
            feats["cov_x_ratio"] = feats["coverage"] * feats["ratio"]
            feats["margin_x_rank1"] = feats["margin"] * feats["rank1"]
            feats["contained_x_rightmost"] = feats["contained"] * feats["rightmost"]
            feats["acronym_x_ambiguity"] = feats["acronym"] * feats["ambiguity"]
            feats["rank1_x_others"] = feats["rank1"] * feats["others_named"]
            feats["unit_x_position"] = feats["unit_segment"] * feats["position"]
            score = self.calibration.probability([feats[f] for f in FEATURES])
            e = self.index.entries[n]
            out.append(Candidate(actor_id, info.public_id, info.name, e.value, score, feats, (span.start, span.end),
                                 _reasons(feats), part=parts[span.start]))
        out.sort(key=lambda c: -c.score)
        return out[:MAX_CANDIDATES]

    def _keep_best(self, best: dict, n: int, ctx: "_Context", exclude: int | None, *, via_child: bool = False) -> None:
        """Score one name entry against the mention; keep it when it is its actor's best."""
        e = self.index.entries[n]
        if e.actor_id == exclude:
            return
        if e.acronym:
            if e.key in self._countries:  # "USA", "UK": a country, not an organisation's acronym
                return
            cov = 1.0 if f" {e.key} " in f" {ctx.raw} " else 0.0
        else:
            idf = self.index.idf
            cov = sum(idf.get(t, 0.0) for t in e.tokens if t in ctx.word_set) / e.weight if e.weight else 0.0
        spans = ctx.spans
        hit = process.extractOne(e.key, ctx.span_keys, scorer=fuzz.ratio)
        ratio, span = (hit[1] / 100.0, spans[hit[2]]) if hit else (0.0, spans[0])
        contained = None if e.acronym else next((s for s in spans if f" {e.key} " in f" {s.key} "), None)
        if e.acronym and cov:
            contained = next((s for s in spans if f" {e.key} " in f" {s.raw} "), None)
        if contained is not None and ratio < 1.0:
            span = contained if span.key != e.key else span
        same_bag = not e.acronym and len(e.tokens) > 1 and e.bag in ctx.bags
        raw = 0.5 * cov + 0.5 * ratio + (0.2 if contained is not None or same_bag else 0.0)
        feats = {
            "coverage": cov, "ratio": ratio, "exact": 1.0 if ratio == 1.0 else 0.0,
            "contained": 1.0 if contained is not None else 0.0, "same_words": 1.0 if same_bag else 0.0,
            "acronym": 1.0 if e.acronym else 0.0,
            "acronym_upper": 1.0 if e.acronym and e.key in ctx.upper else 0.0,
            "unit_segment": 1.0 if is_unit(span.key) else 0.0,
            "specificity": min(e.weight, 40.0) / 10.0,
            "ambiguity": self._ambiguity(e.key, e.actor_id, exclude),
            "via_child": 1.0 if via_child else 0.0,
        }
        prev = best.get(e.actor_id)
        if prev is None or raw > prev[0]:
            best[e.actor_id] = (raw, feats, n, span)

    def _retrieve(self, segs: list[str], spans: list[_Span], words: list[str]) -> list[int]:
        index = self.index
        found: dict[int, float] = {}
        for s in spans:
            for n in index.exact.get(s.key, ()):
                found[n] = 1e9
            for n in index.bags.get(s.bag, ()):
                found.setdefault(n, 1e9)
        raw = set(raw_words(" ".join(segs), expand=False))
        for w in self._upper_words(" ".join(segs)) | {w for w in words if len(w) > 2} | {w for w in raw if len(w) > 2}:
            if w in self._countries:
                continue
            for n in index.exact.get(w, ()):
                found.setdefault(n, 1e8)
        # rare tokens retrieve, every token of the name counts: "California Institute of Technology
        # Pasadena" finds Caltech through "california" although "institute" and "technology" are everywhere.
        # Vectorised: the rare tokens' postings are summed with numpy; a name whose coverage cannot reach
        # 0.5 even if it held every frequent token of the mention is dropped before the exact count.
        toks = list(dict.fromkeys(tokens(" ".join(words))))
        word_set = set(toks)
        idf = index.idf
        rare, frequent = [], 0.0
        for t in toks:
            ids = index.postings.get(t)
            if ids is None:
                continue
            if len(ids) > MAX_POSTING:
                frequent += idf[t]
            else:
                rare.append((ids, idf[t]))
        if rare:
            ids = np.concatenate([a for a, _ in rare])
            weights = np.concatenate([np.full(len(a), w) for a, w in rare])
            uniq, inverse = np.unique(ids, return_inverse=True)
            sums = np.bincount(inverse, weights=weights)
            reachable = (sums + np.minimum(frequent, index.frequent_weights[uniq])) >= 0.5 * index.weights[uniq]
            uniq, sums = uniq[reachable], sums[reachable]
            if len(uniq) > MAX_SCANNED:
                top = np.argpartition(-sums, MAX_SCANNED)[:MAX_SCANNED]
                uniq, sums = uniq[top], sums[top]
            entries = index.entries
            for n, v in zip(uniq.tolist(), sums.tolist()):
                if n in found:
                    continue
                e = entries[n]
                share = v + sum(idf[t] for t in e.frequent if t in word_set)
                if e.weight and share >= 0.5 * e.weight:
                    found[n] = share / e.weight + v / 100.0
        return sorted(found, key=lambda n: -found[n])[:MAX_ENTRIES]

    def _ambiguity(self, name_key: str, actor_id: int, exclude: int | None = None) -> float:
        """How many other actors bear this name (its own parents and children excepted)."""
        info = self.index.actors[actor_id]
        same = self._bearers.get(name_key)
        if same is None:
            actors = self.index.actors
            same = self._bearers[name_key] = frozenset(
                a for a in (self.index.entries[m].actor_id for m in self.index.exact.get(name_key, ())) if actors[a].active)
        return math.log1p(len(same - {actor_id, exclude} - info.parents - info.children))

    @staticmethod
    def _upper_words(text: str) -> set[str]:
        return {acronym_key(w) for w in text.replace("-", " ").split() if len(w) >= 2 and sum(ch.isupper() for ch in w) >= 2}


def _reasons(f: dict[str, float]) -> list[str]:
    out = []
    if f["exact"]:
        out.append("name: exact")
    elif f["contained"]:
        out.append("name: contained")
    else:
        out.append(f"name: similarity {f['ratio']:.2f}, coverage {f['coverage']:.2f}")
    if f["same_words"] and not f["exact"]:
        out.append("name: same words, other order")
    if f["acronym"]:
        out.append("acronym")
    if f["inactive"]:
        out.append("registry record not active")
    if f["country_match"]:
        out.append("location: country agrees")
    if f["country_mismatch"]:
        out.append("location: other country named")
    if f["city"]:
        out.append("location: city named")
    if f["parent_named"]:
        out.append("parent also named")
    if f["child_named"]:
        out.append("child also named")
    if f["via_child"]:
        out.append("parent of a named organisation")
    return out

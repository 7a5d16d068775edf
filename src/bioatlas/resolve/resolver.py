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

from rapidfuzz import fuzz, process

from bioatlas.resolve.calibration import FEATURES, Calibration, load_calibration
from bioatlas.resolve.index import ResolverIndex, country_names
from bioatlas.resolve.text import clean, is_unit, key, segments, tokens

MAX_POSTING = 800  # tokens in more names than this only count in the coverage, not the retrieval
MAX_ENTRIES = 60
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


class Resolver:
    def __init__(self, index: ResolverIndex, calibration: Calibration | None = None) -> None:
        self.index = index
        self.calibration = calibration or load_calibration()
        self._countries = country_names()

    # -- public ---------------------------------------------------------------------------------

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
        parts = [p for _, p in pieces]
        spans = [
            _Span(i, j, " ".join(k for k in seg_keys[i : j + 1] if k))
            for i in range(len(segs)) for j in range(i, min(i + MAX_SPAN, len(segs)))
        ]
        spans = [s for s in spans if s.key]
        if not spans:
            return []
        words = " ".join(seg_keys).split()
        word_set = set(words)
        grams = {" ".join(words[i : i + n]) for n in range(1, 5) for i in range(len(words) - n + 1)}
        countries = {self._countries[g] for g in grams if g in self._countries}
        entry_ids = self._retrieve(segs, spans, words)
        best: dict[int, tuple[float, dict[str, float], int, _Span]] = {}
        span_keys = [s.key for s in spans]
        idf = self.index.idf
        for n in entry_ids:
            e = self.index.entries[n]
            if e.actor_id == exclude:
                continue
            if e.acronym:
                cov = 1.0 if e.key in word_set else 0.0
            else:
                cov = sum(idf.get(t, 0.0) for t in e.tokens if t in word_set) / e.weight if e.weight else 0.0
            hit = process.extractOne(e.key, span_keys, scorer=fuzz.ratio)
            ratio, span = (hit[1] / 100.0, spans[hit[2]]) if hit else (0.0, spans[0])
            contained = next((s for s in spans if f" {e.key} " in f" {s.key} "), None)
            if contained is not None and ratio < 1.0:
                span = contained if span.key != e.key else span
            raw = 0.5 * cov + 0.5 * ratio + (0.2 if contained is not None else 0.0)
            feats = {
                "coverage": cov, "ratio": ratio, "exact": 1.0 if ratio == 1.0 else 0.0,
                "contained": 1.0 if contained is not None else 0.0, "acronym": 1.0 if e.acronym else 0.0,
                "acronym_upper": 1.0 if e.acronym and e.key in self._upper_words(text) else 0.0,
                "unit_segment": 1.0 if is_unit(span.key) else 0.0,
                "specificity": min(e.weight, 40.0) / 10.0,
                "ambiguity": self._ambiguity(e.key, e.actor_id),
            }
            prev = best.get(e.actor_id)
            if prev is None or raw > prev[0]:
                best[e.actor_id] = (raw, feats, n, span)
        if not best:
            return []
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])[: MAX_CANDIDATES * 2]
        strong = {a for a, v in ranked if v[0] >= 0.9}
        out: list[Candidate] = []
        located = []
        for actor_id, (raw, feats, n, span) in ranked:
            info = self.index.actors[actor_id]
            feats["country_match"] = 1.0 if countries and info.countries & countries else 0.0
            feats["country_mismatch"] = 1.0 if countries and info.countries and not info.countries & countries else 0.0
            feats["city"] = 1.0 if info.cities & grams else 0.0
            feats["parent_named"] = 1.0 if info.parents & strong else 0.0
            feats["child_named"] = 1.0 if info.children & strong else 0.0
            # the ranking score: the name, then the place
            rank_raw = raw + 0.2 * feats["country_match"] - 0.4 * feats["country_mismatch"] + 0.1 * feats["city"]
            located.append((rank_raw, actor_id, feats, n, span))
        located.sort(key=lambda x: -x[0])
        best_in_part: dict[int, list[float]] = {}
        for rank_raw, _, _, _, span in located:
            best_in_part.setdefault(parts[span.start], []).append(rank_raw)
        for rank, (rank_raw, actor_id, feats, n, span) in enumerate(located):
            info = self.index.actors[actor_id]
            peers = best_in_part[parts[span.start]]  # candidates of the same affiliation, best first
            top = peers[0] if peers[0] != rank_raw else (peers[1] if len(peers) > 1 else 0.0)
            feats["margin"] = rank_raw - top
            feats["rank1"] = 1.0 if rank_raw == peers[0] else 0.0
            feats["exact_top"] = feats["exact"] * feats["rank1"]
            feats["position"] = (span.end + 1) / len(segs)  # organisations tend to follow their sub-units
            score = self.calibration.probability([feats[f] for f in FEATURES])
            e = self.index.entries[n]
            out.append(Candidate(actor_id, info.public_id, info.name, e.value, score, feats, (span.start, span.end),
                                 _reasons(feats), part=parts[span.start]))
        out.sort(key=lambda c: -c.score)
        return out[:MAX_CANDIDATES]

    def _retrieve(self, segs: list[str], spans: list[_Span], words: list[str]) -> list[int]:
        index = self.index
        found: dict[int, float] = {}
        for s in spans:
            for n in index.exact.get(s.key, ()):
                found[n] = 1e9
        for w in self._upper_words(" ".join(segs)) | {w for w in words if len(w) > 2}:
            for n in index.exact.get(w, ()):
                found.setdefault(n, 1e8)
        acc: dict[int, float] = {}
        for t in dict.fromkeys(tokens(" ".join(words))):
            ids = index.postings.get(t)
            if not ids or len(ids) > MAX_POSTING:
                continue
            w = index.idf[t]
            for n in ids:
                acc[n] = acc.get(n, 0.0) + w
        entries = index.entries
        for n, v in acc.items():
            weight = entries[n].weight
            if weight and v / weight >= 0.5:
                found.setdefault(n, v / weight + v / 100.0)
        return sorted(found, key=lambda n: -found[n])[:MAX_ENTRIES]

    def _ambiguity(self, name_key: str, actor_id: int) -> float:
        """How many other actors bear this name (its own parents and children excepted)."""
        info = self.index.actors[actor_id]
        same = {self.index.entries[m].actor_id for m in self.index.exact.get(name_key, ())}
        return math.log1p(len(same - {actor_id} - info.parents - info.children))

    @staticmethod
    def _upper_words(text: str) -> set[str]:
        return {key(w) for w in text.replace("-", " ").split() if len(w) >= 2 and sum(ch.isupper() for ch in w) >= 2}


def _reasons(f: dict[str, float]) -> list[str]:
    out = []
    if f["exact"]:
        out.append("name: exact")
    elif f["contained"]:
        out.append("name: contained")
    else:
        out.append(f"name: similarity {f['ratio']:.2f}, coverage {f['coverage']:.2f}")
    if f["acronym"]:
        out.append("acronym")
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
    return out

"""Explainable matching of a request with offers (and the reverse): pure functions over plain
documents (`Side`), no database.

Hard constraints first (`hard`): the same kind of opportunity, opposite directions, the scale
ranges overlap, the offered GMP grade reaches the grade asked, the windows overlap, the offer's
actor lies in the request's scope (regions, countries), each side's actor is of the kind of
partner the other seeks (academia, industry) when it says so. A pair failing one is not suggested.
A pair whose sides both state modalities, none of the offer's meeting the request's, is dropped
too (a mAb request is no use to an AAV-only platform). Then the ranking (`soft`): taxonomy overlap (modalities widened to their sub-terms, value-chain
steps, expression systems), shared words of the descriptions, and complementary fit
(academia ↔ industry). Each suggestion carries its reasons: (criterion, value, met)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bioatlas.atlas.service import Taxonomy
from bioatlas.core.text import fold

GMP_GRADES = ("none", "gmp_clinical", "gmp_commercial")
ACADEMIA = frozenset({"research_unit", "university", "hospital", "tech_platform"})
INDUSTRY = frozenset({"company", "startup", "sme", "midcap", "large_group", "cdmo", "integrator"})
WORD = re.compile(r"[a-zà-ÿ0-9]{4,}")
STOP = frozenset({"pour", "avec", "dans", "nous", "notre", "with", "that", "this", "from", "have", "will",
                  "are", "des", "les", "une", "sont", "plus", "their", "our", "test", "synthetic", "synthétique",
                  "demo", "démo", "démonstration", "demonstration", "fictive", "fictif"})
# taxonomy synonyms too generic to say what an organisation's *name* is about (EU partner search)
GENERIC_TERMS = frozenset({"cellules", "proteines", "enzymes", "hormones", "antibodies", "anticorps", "therapie innovante",
                           "therapies innovantes", "advanced therapies"})
WEIGHTS = {"modality": 3.0, "step": 2.0, "expression_system": 1.0, "words": 2.0, "complementary": 1.0}


@dataclass(frozen=True)
class Side:
    """One side of a pair: an opportunity, or an actor's capacity line (direction "offer")."""

    direction: str
    kind: str
    actor_id: int
    actor_kind: str = ""
    actor_regions: frozenset[str] = frozenset()
    actor_country: str = "FR"
    modalities: frozenset[str] = frozenset()
    steps: frozenset[str] = frozenset()
    expression_systems: frozenset[str] = frozenset()
    capacity: Mapping[str, Any] | None = None
    regions: frozenset[str] = frozenset()  # scope asked (requests)
    countries: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    partner_kinds: frozenset[str] = frozenset()  # academia | industry sought (empty: any)


@dataclass
class Fit:
    score: float
    reasons: list[tuple[str, str, bool]] = field(default_factory=list)


def words_of(*texts: str | None) -> frozenset[str]:
    return frozenset(w for t in texts if t for w in WORD.findall(t.lower()) if w not in STOP)


def group(kind: str) -> str:
    return "academia" if kind in ACADEMIA else "industry" if kind in INDUSTRY else "other"


def widen(codes: Iterable[str], taxonomy: Taxonomy) -> frozenset[str]:
    """The codes and their sub-terms (a request for viral vectors is met by AAV)."""
    out: set[str] = set()
    for code in codes:
        out |= taxonomy.descendants(code) if code in taxonomy.terms else {code}
    return frozenset(out)


def country_of(countries: Iterable[str], wanted: Iterable[str]) -> str:
    """The actor's country to weigh against a scope: one in the scope if any, else its first."""
    mine = sorted(countries)
    hit = [c for c in mine if c in set(wanted)]
    return (hit or mine or ["FR"])[0]


def name_terms(codes: Iterable[str], taxonomy: Taxonomy) -> dict[str, str]:
    """{folded term: code} of the codes' labels and synonyms specific enough to read an
    organisation's name by (5 characters or more, not GENERIC_TERMS)."""
    out: dict[str, str] = {}
    for code in sorted(codes):
        term = taxonomy.terms.get(code)
        if term is None:
            continue
        for value in (term.label_fr, term.label_en, *term.synonyms):
            key = fold(value)
            if len(key) >= 5 and key not in GENERIC_TERMS:
                out.setdefault(key, code)
    return out


def _scale(cap: Mapping[str, Any] | None) -> tuple[float, float] | None:
    if not cap or cap.get("scale_min_l") is None or cap.get("scale_max_l") is None:
        return None
    return float(cap["scale_min_l"]), float(cap["scale_max_l"])


def hard(request: Side, offer: Side) -> list[tuple[str, str, bool]]:
    """The hard constraints the request sets, each with the offer's answer and whether it is met."""
    out: list[tuple[str, str, bool]] = []
    cap_req, cap_off = request.capacity or {}, offer.capacity or {}
    want = _scale(cap_req)
    if want is not None:
        have = _scale(cap_off)
        out.append(("scale", f"{have[0]:g}-{have[1]:g} L" if have else "?",
                    have is not None and have[1] >= want[0] and have[0] <= want[1]))
    grade = cap_req.get("gmp") or "none"
    if grade != "none":
        offered = cap_off.get("gmp") or "none"
        out.append(("gmp", offered, GMP_GRADES.index(offered) >= GMP_GRADES.index(grade)))
    if cap_req.get("window_from") and cap_off.get("window_from"):
        met = cap_off["window_from"] <= cap_req["window_to"] and cap_req["window_from"] <= cap_off["window_to"]
        out.append(("window", f"{cap_off['window_from']}/{cap_off['window_to']}", met))
    if request.regions:
        hit = sorted(request.regions & offer.actor_regions)
        out.append(("region", hit[0] if hit else ",".join(sorted(offer.actor_regions)) or "?", bool(hit)))
    if request.countries:
        out.append(("country", offer.actor_country, offer.actor_country in request.countries))
    # complementary fit both ways: the offer's actor is the partner the request seeks, and the
    # requester is in the offer's audience
    if request.partner_kinds:
        out.append(("partner", group(offer.actor_kind), group(offer.actor_kind) in request.partner_kinds))
    if offer.partner_kinds:
        out.append(("audience", group(request.actor_kind), group(request.actor_kind) in offer.partner_kinds))
    return out


def soft(request: Side, offer: Side, *, modalities: Taxonomy) -> Fit:
    """The ranking score and its reasons (taxonomy overlap, shared words, complementary fit)."""
    fit = Fit(score=0.0)
    if request.modalities:
        hit = sorted(widen(request.modalities, modalities) & offer.modalities)
        fit.reasons.append(("modality", hit[0] if hit else ",".join(sorted(offer.modalities)), bool(hit)))
        fit.score += WEIGHTS["modality"] * bool(hit)
    for criterion, mine, theirs in (("step", request.steps, offer.steps),
                                    ("expression_system", request.expression_systems, offer.expression_systems)):
        if mine:
            hit = sorted(mine & theirs)
            fit.reasons.append((criterion, hit[0] if hit else ",".join(sorted(theirs)), bool(hit)))
            fit.score += WEIGHTS[criterion] * bool(hit)
    if request.words and offer.words:
        shared = request.words & offer.words
        if shared:
            jaccard = len(shared) / len(request.words | offer.words)
            fit.reasons.append(("words", ", ".join(sorted(shared)[:4]), True))
            fit.score += WEIGHTS["words"] * min(1.0, 4 * jaccard)
    a, b = group(request.actor_kind), group(offer.actor_kind)
    if {a, b} == {"academia", "industry"}:
        fit.reasons.append(("complementary", f"{a} ↔ {b}", True))
        fit.score += WEIGHTS["complementary"]
    return fit


def pair(request: Side, offer: Side, *, modalities: Taxonomy) -> Fit | None:
    """None when a hard constraint fails or nothing ties them; else the score with every reason
    (hard ones first)."""
    if request.direction != "request" or offer.direction != "offer" or request.actor_id == offer.actor_id:
        return None
    if request.kind != offer.kind and offer.kind != "actor" and not (request.kind == "capacity" and offer.kind == "profile"):
        return None
    constraints = hard(request, offer)
    if not all(met for _, _, met in constraints):
        return None
    fit = soft(request, offer, modalities=modalities)
    if fit.score <= 0 or any(c == "modality" and not met for c, _, met in fit.reasons if offer.modalities):
        return None  # nothing in common, or both state modalities and none meets the request's
    fit.score += len(constraints) * 0.5  # a stated constraint met says more than an unstated one
    fit.reasons = constraints + fit.reasons
    return fit


def rank(fits: Sequence[tuple[Any, int, Fit]], *, limit: int) -> list[tuple[Any, Fit]]:
    """Best first, at most one suggestion per actor (the exposure cap: a large actor with many
    offers takes one place per list, not ten), ties to the actor seen in fewer candidates."""
    seen_per_actor: dict[int, int] = {}
    for _, actor_id, _ in fits:
        seen_per_actor[actor_id] = seen_per_actor.get(actor_id, 0) + 1
    ordered = sorted(fits, key=lambda row: (-row[2].score, seen_per_actor[row[1]], str(row[0])))
    out, taken = [], set()
    for item, actor_id, fit in ordered:
        if actor_id in taken:
            continue
        taken.add(actor_id)
        out.append((item, fit))
        if len(out) >= limit:
            break
    return out


def km(a: Sequence[tuple[float, float]], b: Sequence[tuple[float, float]]) -> float | None:
    """The shortest great-circle distance (km) between two sets of (lat, lon), None when one is empty."""
    best = None
    for lat1, lon1 in a:
        for lat2, lon2 in b:
            p1, p2 = math.radians(lat1), math.radians(lat2)
            h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
            d = 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))
            best = d if best is None else min(best, d)
    return best


def with_distance(fit: Fit, distance: float | None) -> Fit:
    """Add the distance as a reason ("38 km"), and a small bonus to the near ones (up to 0.5 under
    500 km): proximity breaks ties, it never outranks a better technical fit by much."""
    if distance is None:
        return fit
    return Fit(score=fit.score + 0.5 * max(0.0, 1 - distance / 500),
               reasons=[*fit.reasons, ("distance", f"{distance:.0f} km", True)])

"""A region of the observatory, read live from the atlas: its actors (by kind, modality, value-chain
step), its share of the country's actors, production capacity and GMP status, its notable actors,
its contacts (agencies and clusters with their websites) and its roadmaps. The region page and the
regional factsheet both use `region_profile()`.

An actor belongs to a region when it is active and has a site there (as in the atlas's region
facet). A region with no actor gets `has_actors = False` and no figure at all: the pages show an
explicit empty state rather than zeros that would read as measured.

Every figure counts one scope (`RegionProfile.scope`): the sector scope by default once it has
been computed (`atlas.service.default_scope`), or every actor when asked. Contacts are always
the sector's own clusters, agencies, incubators and platforms once the scope exists (never an
unrelated public body that merely has a site in the region).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bioatlas.atlas.service import (
    SCOPES,
    Actor,
    RegionFacts,
    Taxonomy,
    default_scope,
    in_scope_ids,
    located_actor_total,
    region_facts,
)
from bioatlas.atlas.service import taxonomies as load_taxonomies
from bioatlas.observatory.models import Roadmap

REGIONS_CSV = Path(__file__).resolve().parents[1] / "atlas" / "geodata" / "regions.csv"
CONTACT_KINDS = ("public_agency", "cluster", "incubator", "tech_platform")
NOTABLE_KINDS = ("cdmo", "integrator", "tech_platform")
NOTABLE_GMP = ("gmp_commercial", "gmp_clinical")
MAX_NOTABLE = 8
MAX_CONTACTS = 12


@dataclass
class Count:
    code: str
    label: str
    count: int
    depth: int = 0  # 1 for a sub-value (counted in its parent too)


@dataclass
class Point:
    latitude: float
    longitude: float
    kind: str
    name: str


@dataclass
class RegionProfile:
    code: str
    name: str
    scope: str = "all"  # what the figures count: "sector" (the sector scope) or "all"
    scope_computed: bool = False  # the sector scope exists on this atlas
    actors: int = 0
    country_actors: int = 0  # active actors with a site in a French region (the share's denominator)
    by_kind: list[Count] = field(default_factory=list)
    by_modality: list[Count] = field(default_factory=list)
    by_step: list[Count] = field(default_factory=list)
    capacity: list[Count] = field(default_factory=list)  # litres per modality
    capacity_actors: int = 0
    gmp: list[Count] = field(default_factory=list)
    notable: list[dict] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)
    roadmaps: list[Roadmap] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)

    @property
    def has_actors(self) -> bool:
        return self.actors > 0

    @property
    def share(self) -> float | None:
        """Percent of the country's located actors that have a site in the region."""
        return round(100 * self.actors / self.country_actors, 1) if self.country_actors and self.actors else None


@lru_cache(maxsize=1)
def _region_names() -> tuple[tuple[str, str], ...]:
    with REGIONS_CSV.open(encoding="utf-8", newline="") as fh:
        return tuple((row["code"], row["name"]) for row in csv.DictReader(fh))


def region_names() -> dict[str, str]:
    """INSEE region code -> name (the atlas's shipped `geodata/regions.csv`)."""
    return dict(_region_names())


def _rolled_up(pairs: list[tuple[int, str | None]], taxonomy: Taxonomy, lang: str, *,
               top_level_only: bool = False) -> list[Count]:
    """(actor id, code) pairs -> distinct actors per term, a parent term counting its subtree (as the
    atlas's facets do), in the taxonomy's order."""
    actors: dict[str, set[int]] = {}
    for actor_id, code in pairs:
        seen = set()
        while code and code in taxonomy.terms and code not in seen:
            seen.add(code)
            actors.setdefault(code, set()).add(actor_id)
            code = taxonomy.terms[code].parent
    return [Count(term.code, term.label(lang), len(actors[term.code]), 1 if term.parent else 0)
            for term in taxonomy.terms.values()
            if term.code in actors and not (top_level_only and term.parent)]


def region_profile(session: Session, *, code: str, lang: str = "fr",
                   taxonomies: dict[str, Taxonomy] | None = None, scope: str | None = None) -> RegionProfile | None:
    """The profile of the region with this INSEE code, or None when no such region exists.
    `scope`: "sector" or "all"; None takes the atlas's default (the sector once computed)."""
    names = region_names()
    if code not in names:
        return None
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"scope: expected one of {', '.join(SCOPES)}, not {scope!r}")
    computed = default_scope(session) == "sector"
    tax = taxonomies or load_taxonomies()
    profile = RegionProfile(code=code, name=names[code], scope=scope or ("sector" if computed else "all"),
                            scope_computed=computed)
    profile.roadmaps = list(session.scalars(select(Roadmap).where(Roadmap.region == code).order_by(Roadmap.code)))
    facts = region_facts(session, region=code, facets=("modalities", "value_chain"), scope=profile.scope)
    profile.actors = facts.count
    if not profile.has_actors:
        return profile
    profile.country_actors = located_actor_total(session, country="FR", scope=profile.scope)
    profile.by_kind = _rolled_up(facts.kinds, tax["kinds"], lang, top_level_only=True)
    profile.gmp = _rolled_up(facts.gmp, tax["gmp_status"], lang)
    for attr, tax_name in (("by_modality", "modalities"), ("by_step", "value_chain")):
        setattr(profile, attr, _rolled_up(facts.capabilities[tax_name], tax[tax_name], lang))
    _capacity(profile, facts, tax, lang)
    sector = in_scope_ids(session, actor_ids=[a.id for a in facts.actors]) if computed else None
    _actors(profile, facts, tax, lang, sector)
    return profile


def _capacity(profile: RegionProfile, facts: RegionFacts, tax: dict[str, Taxonomy], lang: str) -> None:
    litres = facts.litres
    profile.capacity_actors = len(litres)
    if not litres:
        return
    per_modality: dict[str, float] = {}
    seen = set()
    for actor_id, mod in facts.litres_modalities:
        per_modality[mod] = per_modality.get(mod, 0.0) + litres[actor_id]
        seen.add(actor_id)
    unspecified = sum(v for a, v in litres.items() if a not in seen)
    terms = tax["modalities"].terms
    profile.capacity = [Count(c, terms[c].label(lang) if c in terms else c, int(v))
                        for c, v in sorted(per_modality.items(), key=lambda kv: -kv[1])]
    if unspecified:
        profile.capacity.append(Count("unspecified", "", int(unspecified)))


def _actors(profile: RegionProfile, facts: RegionFacts, tax: dict[str, Taxonomy], lang: str,
            sector: set[int] | None) -> None:
    """Map points, contacts (of the sector when `sector`, the ids in scope, is given) and notable actors."""
    actors = facts.actors
    kinds = tax["kinds"].terms

    def top_kind(kind: str) -> str:
        term = kinds.get(kind)
        return term.parent if term is not None and term.parent else kind

    def entry(a: Actor) -> dict:
        websites = [i.value for i in a.identifiers if i.scheme == "website" and i.value.startswith(("http://", "https://"))]
        place = next((s.commune_name for s in a.sites if s.region == profile.code and s.commune_name), None)
        return {"id": a.id, "name": a.name, "kind": a.kind,
                "kind_label": kinds[a.kind].label(lang) if a.kind in kinds else a.kind,
                "website": websites[0] if websites else None, "place": place,
                "scale_litres": a.scale_litres, "gmp": a.gmp}

    for a in actors:
        for s in a.sites:
            if s.region == profile.code and s.latitude is not None and s.longitude is not None:
                profile.points.append(Point(s.latitude, s.longitude, top_kind(a.kind), a.name))
    contacts = [a for a in actors if top_kind(a.kind) in CONTACT_KINDS and (sector is None or a.id in sector)]
    contacts.sort(key=lambda a: (not any(i.scheme == "website" for i in a.identifiers), a.name))
    profile.contacts = [entry(a) for a in contacts[:MAX_CONTACTS]]
    notable = [a for a in actors if top_kind(a.kind) in NOTABLE_KINDS or a.gmp in NOTABLE_GMP or a.scale_litres]
    notable.sort(key=lambda a: (-(a.scale_litres or 0), a.gmp not in NOTABLE_GMP, a.name))
    profile.notable = [entry(a) for a in notable[:MAX_NOTABLE]]


def recorded_figures(session: Session, *, code: str, lang: str = "fr") -> list[dict]:
    """The figures recorded from articles for this region (scope = the region code), latest period
    per indicator, each with its source: shown next to the computed ones, never mixed with them."""
    from bioatlas.observatory.models import Indicator, IndicatorValue
    from bioatlas.observatory.service import latest_values, value_dict

    values = list(session.scalars(
        select(IndicatorValue).where(IndicatorValue.scope == code, IndicatorValue.kind == "recorded")
        .options(selectinload(IndicatorValue.indicator), selectinload(IndicatorValue.source))))
    by_indicator: dict[int, list] = {}
    for v in values:
        by_indicator.setdefault(v.indicator_id, []).append(v)
    out = []
    for vs in by_indicator.values():
        indicator: Indicator = vs[0].indicator
        for v in latest_values(vs):
            out.append({**value_dict(v), "code": indicator.code, "unit": indicator.unit,
                        "label": indicator.label_en if lang == "en" else indicator.label_fr})
    return sorted(out, key=lambda d: d["code"])

"""The filters of a view of the atlas (map, directory, API, export), and their SQL conditions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.sql import ColumnElement

from bioatlas.atlas.models import Actor, ActorName, Capability, Site
from bioatlas.atlas.taxonomy import Taxonomy

# facet name -> taxonomy name
FACETS: dict[str, str] = {
    "kind": "kinds",
    "modality": "modalities",
    "step": "value_chain",
    "expression": "expression_systems",
    "gmp": "gmp_status",
    "region": "",
    "departement": "",
}
MAX_VALUES = 50
MAX_Q = 200


class FilterError(ValueError):
    """A filter value that names nothing; `field` is the query parameter."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class ActorFilter:
    kind: tuple[str, ...] = ()
    modality: tuple[str, ...] = ()
    step: tuple[str, ...] = ()
    expression: tuple[str, ...] = ()
    gmp: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    departement: tuple[str, ...] = ()
    q: str = ""
    status: str = "active"

    def without(self, facet: str) -> "ActorFilter":
        return replace(self, **{facet: ()})

    def as_query(self) -> list[tuple[str, str]]:
        """The filter as URL query pairs (to share a view or link an export)."""
        pairs: list[tuple[str, str]] = []
        for f in FACETS:
            pairs.extend((f, v) for v in getattr(self, f))
        if self.q:
            pairs.append(("q", self.q))
        return pairs


def parse_filter(params: Mapping[str, list[str]], taxonomies: dict[str, Taxonomy], geo) -> ActorFilter:
    """Build a filter from query parameters ({name: [values]}); unknown codes raise FilterError."""
    values: dict[str, tuple[str, ...]] = {}
    for facet, tax_name in FACETS.items():
        raw = [v.strip() for item in params.get(facet, []) for v in item.split(",") if v.strip()]
        if len(raw) > MAX_VALUES:
            raise FilterError(facet, f"at most {MAX_VALUES} values")
        if tax_name:
            tax = taxonomies[tax_name]
            bad = [v for v in raw if v not in tax.terms]
            if bad:
                raise FilterError(facet, f"unknown value {bad[0]!r}; expected one of {', '.join(tax.terms)}")
        elif facet == "region":
            bad = [v for v in raw if v not in geo.regions]
            if bad:
                raise FilterError(facet, f"unknown region code {bad[0]!r}")
        elif facet == "departement":
            raw = [v.upper() for v in raw]
            bad = [v for v in raw if v not in geo.departements]
            if bad:
                raise FilterError(facet, f"unknown département code {bad[0]!r}")
        values[facet] = tuple(dict.fromkeys(raw))
    q = " ".join((params.get("q") or [""])[0].split())
    if len(q) > MAX_Q:
        raise FilterError("q", f"at most {MAX_Q} characters")
    return ActorFilter(q=q, **values)


def _expand(values: tuple[str, ...], tax: Taxonomy) -> set[str]:
    out: set[str] = set()
    for v in values:
        out |= tax.descendants(v)
    return out


def conditions(f: ActorFilter, taxonomies: dict[str, Taxonomy]) -> list[ColumnElement[bool]]:
    """SQL conditions on Actor for the filter (AND between facets, OR inside one facet)."""
    conds: list[ColumnElement[bool]] = []
    if f.status:
        conds.append(Actor.status == f.status)
    if f.kind:
        conds.append(Actor.kind.in_(_expand(f.kind, taxonomies["kinds"])))
    if f.gmp:
        conds.append(Actor.gmp.in_(f.gmp))
    for facet, tax_name in (("modality", "modalities"), ("step", "value_chain"), ("expression", "expression_systems")):
        chosen = getattr(f, facet)
        if chosen:
            codes = _expand(chosen, taxonomies[tax_name])
            # Uncorrelated IN (evaluated once), not EXISTS: without statistics SQLite would scan
            # the facet's index once per actor (12 s for a region filter on the demo, 0.2 s this way).
            conds.append(
                Actor.id.in_(select(Capability.actor_id).where(Capability.facet == tax_name, Capability.code.in_(codes)))
            )
    if f.region or f.departement:
        conds.append(Actor.id.in_(select(Site.actor_id).where(site_condition(f))))
    if f.q:
        like = f"%{_escape_like(f.q.lower())}%"
        conds.append(
            or_(
                func.lower(Actor.name).like(like, escape="\\"),
                exists().where(ActorName.actor_id == Actor.id, func.lower(ActorName.value).like(like, escape="\\")),
            )
        )
    return conds


def site_condition(f: ActorFilter) -> ColumnElement[bool]:
    """Which sites of a matching actor belong to the view (geo facets apply to sites)."""
    parts = []
    if f.region:
        parts.append(Site.region.in_(f.region))
    if f.departement:
        parts.append(Site.departement.in_(f.departement))
    return and_(*parts) if parts else Site.id.isnot(None)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

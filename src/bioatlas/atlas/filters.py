"""The view filter of the atlas: the one definition every view uses (directory, API, exports,
map clusters, search and its in-memory facets).

- `parse_filter`: query parameters -> `ActorFilter` (unknown codes raise `FilterError`, naming the parameter);
- `predicates`: the filter as sets of accepted codes per actor facet and per site facet (subtrees
  expanded), the data the in-memory indexes (map, search facets) test their rows against;
- `conditions`: the same predicates as SQL conditions on `Actor`; `site_condition`: on `Site`.

Semantics: AND between facets, OR inside one; kind, modality, step and expression select their
whole subtree, GMP its exact codes; region and département select sites (an actor matches when
one of its sites meets both), `q` a substring of a name, `scope` "sector" the actors the sector
scope holds (`atlas.scope`: at least one stored reason) or "all"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.sql import ColumnElement

from bioatlas.atlas.models import Actor, ActorName, Capability, ScopeReason, Site
from bioatlas.atlas.taxonomy import Taxonomy
from bioatlas.core.dialect import Dialect
from bioatlas.core.fields import FieldError

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
SCALAR_FACETS = {"kind": "kinds", "gmp": "gmp_status"}  # a column of the actor
CAPABILITY_FACETS = {"modality": "modalities", "step": "value_chain", "expression": "expression_systems"}
SITE_FACETS = ("region", "departement")  # a column of each site
EXPANDED = ("kind", "modality", "step", "expression")  # a value selects its whole subtree
MAX_VALUES = 50
SCOPES = ("sector", "all")  # atlas.scope.SCOPES
MAX_Q = 200


class FilterError(FieldError):
    """A filter value that names nothing: `FilterError(parameter, message id, params={...})`, a
    `core.fields.FieldError` (str() "parameter: message" in English; a page in the reader's language)."""


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
    scope: str = "all"  # "sector": only the actors of the sector scope

    def without(self, facet: str) -> ActorFilter:
        return replace(self, **{facet: ()})

    def as_query(self) -> list[tuple[str, str]]:
        """The filter as URL query pairs (to share a view or link an export)."""
        pairs: list[tuple[str, str]] = []
        for f in FACETS:
            pairs.extend((f, v) for v in getattr(self, f))
        if self.q:
            pairs.append(("q", self.q))
        pairs.append(("scope", self.scope))
        return pairs


def parse_filter(params: Mapping[str, list[str]], taxonomies: dict[str, Taxonomy], geo, *,
                 default_scope: str = "all") -> ActorFilter:
    """Build a filter from query parameters ({name: [values]}); unknown codes raise FilterError.
    `scope` absent or empty takes `default_scope`."""
    values: dict[str, tuple[str, ...]] = {}
    for facet, tax_name in FACETS.items():
        raw = [v.strip() for item in params.get(facet, []) for v in item.split(",") if v.strip()]
        if len(raw) > MAX_VALUES:
            raise FilterError(facet, "at most {max} values", params={"max": MAX_VALUES})
        if tax_name:
            tax = taxonomies[tax_name]
            bad = [v for v in raw if v not in tax.terms]
            if bad:
                raise FilterError(facet, "unknown value {value!r}; expected one of {expected}",
                                  params={"value": bad[0], "expected": ", ".join(tax.terms)})
        elif facet == "region":
            bad = [v for v in raw if v not in geo.regions]
            if bad:
                raise FilterError(facet, "unknown region code {code!r}", params={"code": bad[0]})
        elif facet == "departement":
            raw = [v.upper() for v in raw]
            bad = [v for v in raw if v not in geo.departements]
            if bad:
                raise FilterError(facet, "unknown département code {code!r}", params={"code": bad[0]})
        values[facet] = tuple(dict.fromkeys(raw))
    q = " ".join((params.get("q") or [""])[0].split())
    if len(q) > MAX_Q:
        raise FilterError("q", "at most {max} characters", params={"max": MAX_Q})
    scopes = [v.strip() for v in params.get("scope", []) if v.strip()]
    if len(set(scopes)) > 1 or any(v not in SCOPES for v in scopes):
        bad = next((v for v in scopes if v not in SCOPES), scopes[-1] if scopes else "")
        raise FilterError("scope", "expected one of {expected}, not {value!r}", params={"expected": ", ".join(SCOPES), "value": bad})
    return ActorFilter(q=q, scope=scopes[0] if scopes else default_scope, **values)


@dataclass(frozen=True)
class Predicates:
    """The filter as accepted codes: `actor` maps each selected actor facet (kind, gmp, modality,
    step, expression) to its codes, subtrees expanded; `site` maps each selected site facet
    (region, departement) to its codes. An actor is in the view when its status is `status` (any
    when empty), it has an accepted code for every facet of `actor`, one of its sites has an
    accepted code for every facet of `site`, and `q` is in one of its names."""

    status: str = "active"
    actor: Mapping[str, frozenset[str]] = field(default_factory=dict)
    site: Mapping[str, frozenset[str]] = field(default_factory=dict)
    q: str = ""
    scope: str = "all"

    @property
    def status_only(self) -> bool:
        """Nothing but the status is asked of the actor (sites aside)."""
        return not self.actor and not self.q and self.scope != "sector"


def predicates(f: ActorFilter, taxonomies: Mapping[str, Taxonomy]) -> Predicates:
    actor: dict[str, frozenset[str]] = {}
    for facet, tax_name in {**SCALAR_FACETS, **CAPABILITY_FACETS}.items():
        chosen = getattr(f, facet)
        if chosen:
            actor[facet] = _expand(chosen, taxonomies[tax_name]) if facet in EXPANDED else frozenset(chosen)
    site = {facet: frozenset(getattr(f, facet)) for facet in SITE_FACETS if getattr(f, facet)}
    return Predicates(status=f.status, actor=actor, site=site, q=f.q, scope=f.scope)


def _expand(values: tuple[str, ...], tax: Taxonomy) -> frozenset[str]:
    out: set[str] = set()
    for v in values:
        out |= tax.descendants(v)
    return frozenset(out)


def conditions(
    f: ActorFilter, taxonomies: Mapping[str, Taxonomy], *, sites: str = "in", dialect: Dialect | None = None
) -> list[ColumnElement[bool]]:
    """SQL conditions on Actor for the filter (AND between facets, OR inside one).

    `sites` is how the site facets are written: "in" (`actors.id IN (sites of the regions)`,
    evaluated once: listings and exports over the whole atlas), "exists" (a correlated EXISTS
    per candidate actor: searches, where few actors are candidates; the site columns hidden from
    the planner by `dialect.unindexed` so that it reads each candidate's sites by actor id), or "skip" (the caller
    selects sites itself with `site_condition`: map points)."""
    p = predicates(f, taxonomies)
    conds: list[ColumnElement[bool]] = []
    if p.status:
        conds.append(Actor.status == p.status)
    if p.scope == "sector":  # an uncorrelated IN, evaluated once
        conds.append(Actor.id.in_(select(ScopeReason.actor_id)))
    if "kind" in p.actor:
        conds.append(Actor.kind.in_(sorted(p.actor["kind"])))
    if "gmp" in p.actor:
        conds.append(Actor.gmp.in_(sorted(p.actor["gmp"])))
    for facet, tax_name in CAPABILITY_FACETS.items():
        if facet in p.actor:
            # Uncorrelated IN (evaluated once), not EXISTS: without statistics SQLite would scan
            # the facet's index once per actor (12 s for a region filter on the demo, 0.2 s this way).
            conds.append(Actor.id.in_(
                select(Capability.actor_id).where(Capability.facet == tax_name, Capability.code.in_(sorted(p.actor[facet])))
            ))
    if p.q:
        like = f"%{_escape_like(p.q.lower())}%"
        conds.append(
            or_(
                func.lower(Actor.name).like(like, escape="\\"),
                exists().where(ActorName.actor_id == Actor.id, func.lower(ActorName.value).like(like, escape="\\")),
            )
        )
    if p.site and sites == "in":
        conds.append(Actor.id.in_(select(Site.actor_id).where(site_condition(f))))
    elif p.site and sites == "exists":
        conds.append(exists().where(Site.actor_id == Actor.id, site_condition(f, dialect=dialect)))
    elif sites not in ("in", "exists", "skip"):
        raise ValueError(f"sites: expected in, exists or skip, not {sites!r}")
    return conds


def site_condition(f: ActorFilter, *, dialect: Dialect | None = None) -> ColumnElement[bool]:
    """Which sites of a matching actor belong to the view (geo facets apply to sites). With a
    `dialect`, the columns are hidden from the planner's index choice (the sites are read by
    actor id, not by walking every site of the region)."""
    parts = []
    for facet in SITE_FACETS:
        chosen = getattr(f, facet)
        if chosen:
            col = getattr(Site, facet)
            parts.append((dialect.unindexed(col) if dialect is not None else col).in_(chosen))
    return and_(*parts) if parts else Site.id.isnot(None)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

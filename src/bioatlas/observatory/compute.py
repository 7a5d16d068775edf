"""Computed indicators: each is a named function over the atlas, and its docstring says the
query. An indicator's `query` (indicators.csv) names the function and, after a
colon, its field: `actors_by:kind`, `ema_per_year:biologics`. Unknown names or fields raise
ValueError with the expected ones. The rooms add theirs through the hook
`bioatlas_observatory_queries` (products: the EMA lists and `made_in`; calls, portfolio,
opportunities, events, jobboard, oneshop), each returning the contract's `ObservatoryPoint`s.

`snapshot(session, at=day)` runs every computed indicator and stores its values dated `at`, each
citing the source "computed from the atlas, <query>"; running it again the same day replaces that
day's computed values. A query with nothing to count returns an `Empty` reason, never a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Callable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bioatlas.atlas.service import (
    ActorFilter,
    SourceRecord,
    Taxonomy,
    capacity_per_region_and_modality,
    default_scope,
    facet_counts,
    get_or_create_source,
    located_actor_total,
    located_actors_per_region,
    sites_per_gmp_status,
)
from bioatlas.atlas.service import taxonomies as load_taxonomies
from bioatlas.core.plugins import ObservatoryPoint, collect


@dataclass(frozen=True)
class Empty:
    """Nothing to compute yet, and why (shown instead of a number)."""

    reason: str


@dataclass
class Context:
    session: Session
    taxonomies: dict[str, Taxonomy] = field(default_factory=load_taxonomies)


Result = list[ObservatoryPoint] | Empty
QUERIES: dict[str, tuple[Callable[[Context, str | None], Result], tuple[str, ...]]] = {}


def query(name: str, fields: tuple[str, ...] = ()):
    def register(fn):
        QUERIES[name] = (fn, fields)
        return fn
    return register


def _points(run: Callable[[Session, str | None], Sequence[ObservatoryPoint] | str]):
    def adapted(ctx: Context, arg: str | None) -> Result:
        found = run(ctx.session, arg)
        return Empty(found) if isinstance(found, str) else list(found)
    return adapted


def all_queries() -> dict[str, tuple[Callable[[Context, str | None], Result], tuple[str, ...]]]:
    """This module's queries and the rooms' (hook `bioatlas_observatory_queries`)."""
    return {**QUERIES, **{q.name: (_points(q.run), q.fields) for q in collect("bioatlas_observatory_queries")}}


def parse_query(text: str) -> tuple[str, str | None]:
    """`name` or `name:field` → (name, field); ValueError naming what is expected."""
    name, _, arg = text.strip().partition(":")
    queries = all_queries()
    if name not in queries:
        raise ValueError(f"unknown query {name!r}; expected one of {', '.join(sorted(queries))}")
    fields = queries[name][1]
    if fields and arg not in fields:
        raise ValueError(f"unknown field {arg!r} for {name}; expected one of {', '.join(fields)}")
    if not fields and arg:
        raise ValueError(f"{name} takes no field (got {arg!r})")
    return name, arg or None


def run_query(ctx: Context, text: str) -> Result:
    name, arg = parse_query(text)
    return all_queries()[name][0](ctx, arg)


# --- the atlas ---------------------------------------------------------------------------------

@query("actors_by", ("kind", "region", "modality", "step"))
def actors_by(ctx: Context, facet: str) -> Result:
    """Active actors per value of a facet: `atlas.queries.facet_counts(ActorFilter())[facet]`
    (distinct actors; a parent value counts its subtree; region: actors with a site there).
    Scope FR; for region the scope is the region code. Counts the sector scope once it has been
    computed (`atlas.service.default_scope`), every actor before."""
    counts = facet_counts(ctx.session, view=ActorFilter(scope=default_scope(ctx.session)), taxonomies=ctx.taxonomies)[facet]
    if not counts:
        return Empty(f"no active actor with a {facet} in the atlas")
    if facet == "region":
        return [ObservatoryPoint(scope=code, value=n) for code, n in sorted(counts.items())]
    return [ObservatoryPoint(scope="FR", dimension=f"{facet}={code}", value=n) for code, n in sorted(counts.items())]


@query("region_share")
def region_share(ctx: Context, _arg=None) -> Result:
    """Share of actors per region: active actors with a site in the region (numerator) among active
    actors with at least one site located in a French region (denominator), in percent; the sector's
    actors once the sector scope has been computed."""
    scope = default_scope(ctx.session)
    total = located_actor_total(ctx.session, country="FR", scope=scope)
    if not total:
        return Empty("no active actor has a site located in a French region")
    rows = located_actors_per_region(ctx.session, country="FR", scope=scope)
    said = " (sector scope)" if scope == "sector" else ""
    return [ObservatoryPoint(scope=region, value=round(100 * n / total, 2), value_text=f"{n} / {total}{said}", numerator=n,
                  denominator=total) for region, n in rows]


@query("capacity_litres")
def capacity_litres(ctx: Context, _arg=None) -> Result:
    """Sum of `actors.scale_litres` of active actors per region of their sites and per modality
    (`actor_capabilities`, facet modalities; `modality=unspecified` when none). An actor counts once
    per region where it has a site, and in each of its modalities."""
    rows = capacity_per_region_and_modality(ctx.session)
    if not rows:
        return Empty("no active actor with a site has a production scale (scale_litres) recorded")
    return [
        ObservatoryPoint(scope=region, dimension=f"modality={code or 'unspecified'}", value=float(litres), numerator=n,
              value_text=f"{litres:g} L ({n} actors)")
        for region, code, litres, n in sorted(rows, key=lambda r: (r[0], r[1] or ""))
    ]


@query("gmp_sites")
def gmp_sites(ctx: Context, _arg=None) -> Result:
    """Sites of active actors whose GMP status (`actors.gmp`) is gmp_clinical or gmp_commercial,
    per status (scope FR: sites in France), with the number of actors."""
    rows = sites_per_gmp_status(ctx.session, statuses=("gmp_clinical", "gmp_commercial"), country="FR")
    if not rows:
        return Empty("no site of an actor with a GMP status (clinical or commercial) recorded")
    return [ObservatoryPoint(scope="FR", dimension=f"gmp={g}", value=n, numerator=a, value_text=f"{n} sites ({a} actors)")
            for g, n, a in rows]


# --- snapshot ------------------------------------------------------------------------------------

def computed_source(session: Session, query_text: str):
    return get_or_create_source(session, record=SourceRecord(
        key=f"computed:{query_text}", title=f"computed from the atlas, {query_text}", kind="computed"))


@dataclass
class SnapshotReport:
    at: date
    stored: dict[str, int] = field(default_factory=dict)
    empty: dict[str, str] = field(default_factory=dict)
    replaced: int = 0


def snapshot(session: Session, *, at: date, taxonomies: dict[str, Taxonomy] | None = None) -> SnapshotReport:
    """Compute every indicator that has a query and store its values dated `at` (period = `at`);
    that day's earlier computed values are replaced. The caller commits."""
    from bioatlas.observatory.models import Indicator, IndicatorValue

    ctx = Context(session, taxonomies or load_taxonomies())
    report = SnapshotReport(at=at)
    report.replaced = session.execute(
        delete(IndicatorValue).where(IndicatorValue.kind == "computed", IndicatorValue.snapshot_date == at)
    ).rowcount or 0
    now = datetime.now(timezone.utc)
    for indicator in session.scalars(select(Indicator).where(Indicator.query.is_not(None)).order_by(Indicator.code)):
        result = run_query(ctx, indicator.query)
        if isinstance(result, Empty):
            report.empty[indicator.code] = result.reason
            continue
        source = computed_source(session, indicator.query)
        session.add_all(
            IndicatorValue(indicator_id=indicator.id, scope=p.scope, dimension=p.dimension, period=at.isoformat(),
                           value=float(p.value), comparator="=", value_text=p.value_text, numerator=p.numerator,
                           denominator=p.denominator, kind="computed", source_id=source.id, snapshot_date=at,
                           computed_at=now, note=p.note)
            for p in result
        )
        report.stored[indicator.code] = len(result)
    session.flush()
    return report

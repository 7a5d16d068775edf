"""The EMA medicines' computed figures for the observatory (hook `bioatlas_observatory_queries`),
named as the indicators' queries (`indicators.csv`): `ema_per_year`, `ema_by`, `ema_per_list`,
`made_in`. Each returns the contract's `ObservatoryPoint`s, or why there is nothing to count yet."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bioatlas.core.plugins import ObservatoryPoint, ObservatoryQuery
from bioatlas.products import service
from bioatlas.products.layers import STATUS_LABELS

Result = Sequence[ObservatoryPoint] | str
NO_LIST = "no EMA list imported yet (bioatlas import ema)"


def ema_per_year(session: Session, column: str | None) -> Result:
    """Human medicines per year of marketing authorisation: `products.queries.per_year(category="human")`,
    column biologics (`is_biologic`) or atmps (`advanced_therapy`). Scope EU, dimension year=YYYY."""
    if not service.has_products(session, category="human"):
        return NO_LIST
    return [ObservatoryPoint(scope="EU", dimension=f"year={row['year']}", value=row[column], denominator=row["all"],
                             value_text=f"{row[column]} / {row['all']}")
            for row in service.per_year(session, category="human")]


def ema_by(session: Session, field_name: str | None) -> Result:
    """Human biologics per status (`products.queries.by_status(category="human", biologic=True)`,
    scope EU) or, for authorised ones, per holder country (`by_mah_country(..., status="authorised")`,
    scope = country code, `unknown` when not established)."""
    if not service.has_products(session, category="human"):
        return NO_LIST
    if field_name == "status":
        counts = service.by_status(session, category="human", biologic=True)
        return [ObservatoryPoint(scope="EU", dimension=f"status={s}", value=n) for s, n in counts.items()]
    counts = service.by_mah_country(session, category="human", biologic=True, status="authorised")
    return [ObservatoryPoint(scope=c or "unknown", value=n) for c, n in counts.items()]


def ema_per_list(session: Session, _field: str | None) -> Result:
    """For each EMA list date D (the distinct `first_seen` / `last_seen` dates): human biologics the
    list names (first_seen ≤ D ≤ last_seen), and those first named by it (first_seen = D, not for the
    oldest list). Scope EU, dimension list=D / new_in_list=D (`products.queries.biologics_per_list`)."""
    if not service.has_products(session, category="human"):
        return NO_LIST
    out: list[ObservatoryPoint] = []
    lists = service.biologics_per_list(session)
    for i, (day, named, new) in enumerate(lists):
        out.append(ObservatoryPoint(scope="EU", dimension=f"list={day.isoformat()}", value=named))
        if new is not None:
            out.append(ObservatoryPoint(scope="EU", dimension=f"new_in_list={day.isoformat()}", value=new,
                                        note=f"first named after the {lists[i - 1][0].isoformat()} list"))
    return out


def made_in(session: Session, _field: str | None) -> Result:
    """Authorised human biologics with a manufacturing link (`product_manufacturing`) to a site in the
    country (the link's site, or any site of the linked actor when the link names none), per country,
    out of all authorised human biologics (`products.queries.made_in_countries`). Nothing while no
    manufacturing link is recorded."""
    found = service.made_in_countries(session)
    if found is None:
        return "no manufacturing links recorded yet"
    total, rows = found
    if not rows:
        return "no manufacturing link of an authorised human biologic has a located site"
    return [ObservatoryPoint(scope=c, value=n, numerator=n, denominator=total, value_text=f"{n} / {total}")
            for c, n in rows]


QUERIES = [
    ObservatoryQuery(name="ema_per_year", fields=("biologics", "atmps"), run=ema_per_year),
    ObservatoryQuery(name="ema_by", fields=("status", "mah_country"), run=ema_by, labels={"status": STATUS_LABELS}),
    ObservatoryQuery(name="ema_per_list", fields=("biologics",), run=ema_per_list),
    ObservatoryQuery(name="made_in", fields=(), run=made_in),
]

"""Write side of products: import an EMA list, one product per EMA product number.

- Idempotent: the same list twice → 0 created, every product unchanged.
- A newer list updates only the fields that changed, and moves `last_seen` and the product's
  source to that list; an older list never overwrites a newer one (it only moves `first_seen`).
- A list says nothing about a field when its column set has no such column ("Advanced therapy"
  before 2024) or the cell is empty (the 2026 list leaves the authorisation date, ATCvet code and
  holder of most veterinary medicines empty, where the 2018 list gave them): the stored value stays.
  Dates are past events and the codes and names do not stop being true because a list omits them.
- After the stated fields: the biologic rule (`classify`), the holder's actor and country (`mah`).
- One transaction: a failure, or a dry run, leaves the database as it was.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.atlas.service import Source, actor_exists, get_or_create_source, site_of_actor
from bioatlas.core.reports import ImportReport, write_or_rollback
from bioatlas.core.text import fold
from bioatlas.products.classify import classify
from bioatlas.products.mah import MahResolver
from bioatlas.products import queries
from bioatlas.products.models import MANUFACTURING_ROLES, Product, ProductManufacturing
from bioatlas.sources import ema

# Product field -> the report column (ema.COLUMNS key) that states it.
STATED_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "category": ("category",),
    "status": ("status",),
    "inn": ("inn",),
    "active_substance": ("active_substance",),
    "therapeutic_area": ("therapeutic_area",),
    "atc_code": ("atc_human", "atc_vet"),
    "authorisation_date": ("authorisation_date",),
    "decision_date": ("decision_date",),
    "opinion_date": ("opinion_date",),
    "refusal_date": ("refusal_date",),
    "withdrawal_date": ("withdrawal_date",),
    "advanced_therapy": ("advanced_therapy",),
    "biosimilar": ("biosimilar",),
    "orphan": ("orphan",),
    "generic": ("generic",),
    "conditional_approval": ("conditional_approval",),
    "exceptional_circumstances": ("exceptional_circumstances",),
    "accelerated_assessment": ("accelerated_assessment",),
    "prime": ("prime",),
    "mah_name": ("mah_name",),
    "url": ("url",),
}
DERIVED_FIELDS = ("is_biologic", "biologic_rule", "mah_actor_id", "mah_country", "mah_country_rule", "search_key")


@dataclass(kw_only=True)
class EmaImportReport(ImportReport):
    """The shared import report (`rejected`: rows, `errors`: their cells), plus what a list says
    about products: the list's date and column set, biologics, holders…"""

    report_date: date | None = None
    column_set: str | None = None
    source_key: str | None = None
    older: int = 0  # products last stated by a newer list: left as they are
    changed_fields: Counter = field(default_factory=Counter)
    categories: Counter = field(default_factory=Counter)
    biologics_by_rule: Counter = field(default_factory=Counter)
    not_biologic_by_rule: Counter = field(default_factory=Counter)  # exclusion rules (-siran…) and "none"
    atmps: int = 0
    mah: Counter = field(default_factory=Counter)  # resolved | ambiguous | conflict | unresolved | empty
    mah_countries: int = 0
    not_in_list: int = 0  # products already stored that this (newest) list no longer names

    @property
    def biologics(self) -> int:
        return sum(self.biologics_by_rule.values())

    def as_dict(self) -> dict:
        return {
            **super().as_dict(),
            "report_date": self.report_date.isoformat() if self.report_date else None,
            "column_set": self.column_set,
            "source_key": self.source_key,
            "older": self.older,
            "changed_fields": dict(sorted(self.changed_fields.items())),
            "categories": dict(sorted(self.categories.items())),
            "biologics": self.biologics,
            "biologics_by_rule": dict(self.biologics_by_rule.most_common()),
            "not_biologic_by_rule": dict(self.not_biologic_by_rule.most_common()),
            "atmps": self.atmps,
            "mah": {k: self.mah.get(k, 0) for k in ("resolved", "ambiguous", "conflict", "unresolved", "empty")},
            "mah_countries": self.mah_countries,
            "not_in_list": self.not_in_list,
        }


def import_ema(
    factory: sessionmaker[Session],
    *,
    path: Path | str,
    dry_run: bool = False,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
    on_read: Callable[[int], None] | None = None,
) -> EmaImportReport:
    """Import one EMA list. Raises ema.EmaFileError (nothing written) when the file cannot be used.

    Rejected rows are reported and skipped; with `strict`, any rejected row means nothing is written.
    `on_read(n)` is called once the file is read (n rows), `progress(k)` after every k products."""
    report = ema.read_report(path)
    result = EmaImportReport(
        file=str(path), report_date=report.report_date, column_set=report.column_set,
        source_key=ema.source_record(report).key, read=report.read, errors=list(report.rejected),
        rejected=len({e.line for e in report.rejected}), warnings=list(report.warnings), dry_run=dry_run,
    )
    if on_read:
        on_read(len(report.rows))
    if strict and report.rejected:
        return result
    return write_or_rollback(
        factory, result, lambda session: upsert_report(session, report=report, result=result, progress=progress))


def upsert_report(
    session: Session, *, report: ema.EmaList, result: EmaImportReport, progress: Callable[[int], None] | None = None
) -> EmaImportReport:
    """Create or update the products of a report in `session` (not committed)."""
    source = get_or_create_source(session, record=ema.source_record(report))
    resolver = MahResolver(session)
    stated = {f for f, columns in STATED_FIELDS.items() if any(c in report.columns for c in columns)}
    numbers = [r.product_number for r in report.rows]
    existing: dict[str, Product] = {}
    for chunk in range(0, len(numbers), 500):
        part = numbers[chunk : chunk + 500]
        existing.update({p.product_number: p for p in session.scalars(select(Product).where(Product.product_number.in_(part)))})
    for name in sorted({r.mah_name for r in report.rows if r.mah_name}):
        resolver.resolve(name)  # before any product is added: no flush between look-ups
    now = datetime.now(timezone.utc)
    for i, row in enumerate(report.rows, 1):
        status = upsert_product(session, row=row, product=existing.get(row.product_number), source=source,
                                report_date=report.report_date, stated=stated, resolver=resolver, result=result, now=now)
        result.count(status)
        if progress and i % 100 == 0:
            progress(100)
    if progress:
        progress(len(report.rows) % 100)
    session.flush()
    newest = session.scalar(select(func.max(Product.last_seen)))
    if newest == report.report_date:
        result.not_in_list = session.scalar(
            select(func.count()).select_from(Product).where(Product.last_seen < report.report_date)
        ) or 0
    return result


def upsert_product(
    session: Session,
    *,
    row: ema.EmaRow,
    product: Product | None,
    source: Source,
    report_date: date,
    stated: set[str],
    resolver: MahResolver,
    result: EmaImportReport,
    now: datetime,
) -> str:
    """created | updated | unchanged | older."""
    result.categories[row.category] += 1
    if product is not None and product.last_seen and product.last_seen > report_date:
        if product.first_seen is None or product.first_seen > report_date:
            product.first_seen = report_date
        _count_product(product, result, resolver.resolve(product.mah_name))
        return "older"
    created = product is None
    if product is None:
        product = Product(product_number=row.product_number, source_id=source.id, first_seen=report_date,
                          last_seen=report_date, created_at=now, updated_at=now)
        session.add(product)
    changed: list[str] = []
    for name in STATED_FIELDS:
        if name in stated:
            value = getattr(row, name)
            if value is not None and getattr(product, name) != value:
                setattr(product, name, value)
                changed.append(name)
    verdict = classify(advanced_therapy=product.advanced_therapy, biosimilar=product.biosimilar,
                       atc_code=product.atc_code, inn=product.inn, active_substance=product.active_substance)
    resolution = resolver.resolve(product.mah_name)
    derived = {
        "is_biologic": verdict.is_biologic,
        "biologic_rule": verdict.rule,
        "mah_actor_id": resolution.actor_id,
        "mah_country": resolution.country,
        "mah_country_rule": resolution.country_rule,
        "search_key": search_key(product),
    }
    for name, value in derived.items():
        if getattr(product, name) != value:
            setattr(product, name, value)
            if name != "search_key":
                changed.append(name)
    if product.first_seen is None or product.first_seen > report_date:
        product.first_seen = report_date
    if product.last_seen is None or product.last_seen < report_date:
        product.last_seen = report_date
    if product.source_id != source.id:
        product.source_id = source.id
    _count_product(product, result, resolution)
    if created:
        return "created"
    if changed:
        product.updated_at = now
        result.changed_fields.update(changed)
        return "updated"
    return "unchanged"


def _count_product(product: Product, result: EmaImportReport, resolution) -> None:
    if product.is_biologic:
        result.biologics_by_rule[product.biologic_rule] += 1
    else:
        result.not_biologic_by_rule[product.biologic_rule] += 1
    if product.advanced_therapy:
        result.atmps += 1
    result.mah[resolution.status] += 1
    if product.mah_country:
        result.mah_countries += 1


def search_key(product: Product) -> str:
    return fold(" ".join(v for v in (product.name, product.inn, product.active_substance, product.product_number) if v))


def add_manufacturing(
    session: Session,
    *,
    product_id: int,
    actor_id: int,
    role: str,
    source: Source,
    site_id: int | None = None,
) -> ProductManufacturing:
    """State that an actor (optionally at one of its sites) makes part of a product, with provenance.
    Stating the same link again returns the existing row."""
    if role not in MANUFACTURING_ROLES:
        raise ValueError(f"role must be one of {', '.join(MANUFACTURING_ROLES)}, got {role!r}")
    if session.get(Product, product_id) is None:
        raise ValueError(f"no product with id {product_id}")
    if not actor_exists(session, actor_id=actor_id):
        raise ValueError(f"no actor with id {actor_id}")
    if site_id is not None:
        if not site_of_actor(session, site_id=site_id, actor_id=actor_id):
            raise ValueError(f"site {site_id} is not a site of actor {actor_id}")
    query = select(ProductManufacturing).where(
        ProductManufacturing.product_id == product_id, ProductManufacturing.actor_id == actor_id,
        ProductManufacturing.role == role,
        ProductManufacturing.site_id.is_(None) if site_id is None else ProductManufacturing.site_id == site_id,
    )
    link = session.scalar(query)
    if link is None:
        link = ProductManufacturing(product_id=product_id, actor_id=actor_id, site_id=site_id, role=role, source_id=source.id)
        session.add(link)
        session.flush()
    return link


# --- figures for the observatory (read side, `products.queries`) -------------------------------------
has_products = queries.has_products
per_year = queries.per_year
by_status = queries.by_status
by_mah_country = queries.by_mah_country
biologics_per_list = queries.biologics_per_list
made_in_countries = queries.made_in_countries


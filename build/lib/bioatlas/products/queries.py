"""Read side of products: the filtered list, one product, and counts for indicators
(authorisations per year — all, biologics, ATMPs —, products by status, by holder country)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, case, extract, func, select
from sqlalchemy.orm import Session, selectinload

from bioatlas.atlas.service import sites_selectable
from bioatlas.core.text import fold
from bioatlas.products.models import Product, ProductManufacturing

MAX_PAGE = 500


@dataclass(frozen=True)
class ProductFilter:
    biologic: bool | None = None
    atmp: bool | None = None
    biosimilar: bool | None = None
    orphan: bool | None = None
    status: tuple[str, ...] = ()
    category: str | None = None
    year: int | None = None  # year of the marketing authorisation
    q: str = ""  # text in the name, INN / common name, active substance or product number

    def conditions(self) -> list:
        out = []
        for column, wanted in (
            (Product.is_biologic, self.biologic),
            (Product.advanced_therapy, self.atmp),
            (Product.biosimilar, self.biosimilar),
            (Product.orphan, self.orphan),
        ):
            if wanted is True:
                out.append(column.is_(True))
            elif wanted is False:
                out.append(column.is_not(True))  # False or unknown (a list without the column)
        if self.status:
            out.append(Product.status.in_(self.status))
        if self.category:
            out.append(Product.category == self.category)
        if self.year is not None:
            out.append(Product.authorisation_date.between(date(self.year, 1, 1), date(self.year, 12, 31)))
        key = fold(self.q or "")
        if key:
            out.append(Product.search_key.contains(key))
        return out


def _filtered(f: ProductFilter) -> Select:
    return select(Product).where(*f.conditions())


def list_products(session: Session, *, f: ProductFilter, limit: int = 50, offset: int = 0) -> tuple[int, list[Product]]:
    total = session.scalar(select(func.count()).select_from(_filtered(f).subquery())) or 0
    rows = session.scalars(
        _filtered(f).order_by(Product.name, Product.id).limit(min(limit, MAX_PAGE)).offset(offset)
    ).all()
    return total, list(rows)


def get_product(session: Session, *, product_id: int) -> Product | None:
    return session.scalar(
        select(Product)
        .where(Product.id == product_id)
        .options(
            selectinload(Product.source),
            selectinload(Product.mah_actor),
            selectinload(Product.manufacturing).selectinload(ProductManufacturing.actor),
        )
    )


def per_year(session: Session, *, category: str | None = None) -> list[dict]:
    """Marketing authorisations per year: all, biologics, ATMPs (products with an authorisation date)."""
    year = extract("year", Product.authorisation_date)
    query = (
        select(
            year.label("year"),
            func.count().label("all"),
            func.sum(case((Product.is_biologic.is_(True), 1), else_=0)).label("biologics"),
            func.sum(case((Product.advanced_therapy.is_(True), 1), else_=0)).label("atmps"),
        )
        .where(Product.authorisation_date.is_not(None))
        .group_by(year)
        .order_by(year)
    )
    if category:
        query = query.where(Product.category == category)
    return [
        {"year": int(y), "all": int(n), "biologics": int(b or 0), "atmps": int(a or 0)}
        for y, n, b, a in session.execute(query).all()
    ]


def by_status(session: Session, *, category: str | None = None, biologic: bool | None = None) -> dict[str, int]:
    query = select(Product.status, func.count()).group_by(Product.status).order_by(Product.status)
    if category:
        query = query.where(Product.category == category)
    if biologic is not None:
        query = query.where(Product.is_biologic.is_(biologic))
    return {s: int(n) for s, n in session.execute(query).all()}


def by_mah_country(
    session: Session, *, category: str | None = None, biologic: bool | None = None, status: str | None = None
) -> dict[str | None, int]:
    """Products per marketing-authorisation holder country (None: not known)."""
    query = select(Product.mah_country, func.count()).group_by(Product.mah_country)
    if category:
        query = query.where(Product.category == category)
    if biologic is not None:
        query = query.where(Product.is_biologic.is_(biologic))
    if status:
        query = query.where(Product.status == status)
    rows = session.execute(query).all()
    return dict(sorted(((c, int(n)) for c, n in rows), key=lambda kv: (-kv[1], kv[0] or "")))


def by_rule(session: Session, *, category: str | None = None) -> dict[str, int]:
    """Products per deciding biologic rule."""
    query = select(Product.biologic_rule, func.count()).group_by(Product.biologic_rule)
    if category:
        query = query.where(Product.category == category)
    return dict(sorted(((r, int(n)) for r, n in session.execute(query).all()), key=lambda kv: (-kv[1], kv[0])))


def has_products(session: Session, *, category: str = "human") -> bool:
    return session.scalar(select(Product.id).where(Product.category == category).limit(1)) is not None


def biologics_per_list(session: Session) -> list[tuple[date, int, int | None]]:
    """For each EMA list date D (the distinct `first_seen` / `last_seen` dates): the human biologics
    the list names (first_seen <= D <= last_seen) and those it names first (None for the oldest)."""
    dates = sorted({d for d in session.scalars(select(Product.first_seen).distinct()) if d}
                   | {d for d in session.scalars(select(Product.last_seen).distinct()) if d})
    human_bio = (Product.category == "human", Product.is_biologic.is_(True))
    out: list[tuple[date, int, int | None]] = []
    for i, day in enumerate(dates):
        named = session.scalar(select(func.count()).where(*human_bio, Product.first_seen <= day, Product.last_seen >= day))
        new = session.scalar(select(func.count()).where(*human_bio, Product.first_seen == day)) if i else None
        out.append((day, named or 0, (new or 0) if i else None))
    return out


def made_in_countries(session: Session) -> tuple[int, list[tuple[str, int]]] | None:
    """Authorised human biologics with a manufacturing link to a site in each country (the link's
    site, or any site of the linked actor when the link names none), and how many there are in all;
    None while no manufacturing link is recorded."""
    if session.scalar(select(ProductManufacturing.id).limit(1)) is None:
        return None
    bio = (Product.category == "human", Product.is_biologic.is_(True), Product.status == "authorised")
    total = session.scalar(select(func.count()).where(*bio)) or 0
    site = sites_selectable()
    linked_site = select(ProductManufacturing.product_id, site.c.country).join(
        site, site.c.id == ProductManufacturing.site_id)
    actor_site = select(ProductManufacturing.product_id, site.c.country).join(
        site, site.c.actor_id == ProductManufacturing.actor_id).where(ProductManufacturing.site_id.is_(None))
    places = linked_site.union(actor_site).subquery()
    rows = session.execute(
        select(places.c.country, func.count(func.distinct(places.c.product_id)))
        .join(Product, Product.id == places.c.product_id).where(*bio)
        .group_by(places.c.country).order_by(places.c.country)
    ).tuples().all()
    return total, list(rows)


"""JSON API of products under /api/v1. Handlers parse, call a query and shape."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from bioatlas.web.problems import Problem
from bioatlas.core.deps import SessionDep
from bioatlas.products import queries
from bioatlas.products.classify import describe
from bioatlas.products.models import Product
from bioatlas.products.schemas import ProductOut, ProductPage, ProductSummary, YearCount
from bioatlas.sources.ema import STATUSES
from bioatlas.web.refusals import not_found

router = APIRouter(prefix="/api/v1", tags=["products"])
Status = Literal[STATUSES]  # type: ignore[valid-type]
Category = Literal["human", "veterinary"]


@router.get(
    "/products",
    response_model=ProductPage,
    responses={422: {"model": Problem}},
    description=(
        "Medicines of the EMA lists. Filters: biologic, atmp, biosimilar, orphan (true/false; false also "
        "matches products whose list had no such column), status (repeatable), category, year (of the "
        "marketing authorisation), q (text in the name, INN, active substance or product number)."
    ),
)
def list_products(
    session: SessionDep,
    biologic: bool | None = None,
    atmp: bool | None = None,
    biosimilar: bool | None = None,
    orphan: bool | None = None,
    status: Annotated[list[Status] | None, Query()] = None,
    category: Category | None = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
):
    f = queries.ProductFilter(
        biologic=biologic, atmp=atmp, biosimilar=biosimilar, orphan=orphan, status=tuple(status or ()),
        category=category, year=year, q=q,
    )
    total, products = queries.list_products(session, f=f, limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset, "items": [summary(p) for p in products]}


@router.get("/products/stats/by-year", response_model=list[YearCount], responses={422: {"model": Problem}})
def stats_by_year(session: SessionDep, category: Category | None = None):
    """Marketing authorisations per year: all products, biologics, ATMPs."""
    return queries.per_year(session, category=category)


@router.get("/products/{product_id}", response_model=ProductOut, responses={404: {"model": Problem}})
def get_product(product_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep):
    product = queries.get_product(session, product_id=product_id)
    if product is None:
        raise not_found("product_id", "No product with this number.", detail=f"no product with id {product_id}")
    return detail(product)


def summary(p: Product) -> dict:
    return {name: getattr(p, name) for name in ProductSummary.model_fields}


def _actor_ref(actor) -> dict | None:
    return None if actor is None else {"id": actor.id, "name": actor.name, "url": f"/actors/{actor.id}"}


def detail(p: Product) -> dict:
    body = {name: getattr(p, name) for name in ProductOut.model_fields if hasattr(Product, name)}
    s = p.source
    body.update(
        biologic_rule_description=describe(p.biologic_rule),
        mah_actor=_actor_ref(p.mah_actor),
        source={"id": s.id, "title": s.title, "kind": s.kind, "url": s.url, "licence": s.licence, "published": s.published},
        manufacturing=[
            {"actor": _actor_ref(m.actor), "site_id": m.site_id, "role": m.role, "source_id": m.source_id}
            for m in sorted(p.manufacturing, key=lambda m: (m.role, m.actor_id, m.site_id or 0))
        ],
    )
    return body

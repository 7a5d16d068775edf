"""Saved searches of the jobs page and their alerts: a new open offer notifies the owners of the
saved searches it matches (kind `jobboard.match`). The saved searches' simple conditions are
columns, so a new offer is matched by SQL first and only the candidates are checked in Python."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import Session

from bioatlas.core.db import unit_of_work
from bioatlas.core.text import fold
from bioatlas.jobboard.fields import FieldError, NotFound
from bioatlas.jobboard.models import JobOffer, SavedSearch
from bioatlas.jobboard.present import CONTRACT_LABELS
from bioatlas.jobboard import employers
from bioatlas.jobboard.search import KM_PER_DEGREE, OfferQuery, matches, parse_query
from bioatlas.notifications import service as notifications

MAX_SEARCHES = 20


def describe(params: Mapping[str, Sequence[str]]) -> str:
    """A saved search in words: its parameters, e.g. "q=technicien · contract=cdi"."""
    return " · ".join(f"{k}={','.join(v)}" for k, v in params.items() if v) or "*"


def index_columns(query: OfferQuery) -> dict:
    """The saved search's simple conditions as the columns `candidates` reads ("" = any)."""
    near = query.near
    return {"rome": query.rome, "contracts": f",{','.join(query.contracts)}," if query.contracts else "",
            "region": query.region, "departement": query.departement, "gmp": query.gmp,
            "near_latitude": near[0] if near else None, "near_longitude": near[1] if near else None,
            "near_kx": KM_PER_DEGREE * math.cos(math.radians(near[0])) if near else None,
            "km": query.km if near else None}


def save_search(session: Session, *, user_id: int, params: Mapping[str, Sequence[str]]) -> SavedSearch:
    """Keep the user's search (checked like the jobs page's; at most MAX_SEARCHES a user)."""
    query = parse_query(params)
    if (session.scalar(select(func.count(SavedSearch.id)).where(SavedSearch.user_id == user_id)) or 0) >= MAX_SEARCHES:
        raise FieldError("search", "at most {max} saved searches", params={"max": MAX_SEARCHES})
    with unit_of_work(session):
        saved = SavedSearch(user_id=user_id, params=query.chosen, **index_columns(query))
        session.add(saved)
    return saved


def searches_of(session: Session, *, user_id: int) -> list[SavedSearch]:
    return list(session.scalars(select(SavedSearch).where(SavedSearch.user_id == user_id).order_by(SavedSearch.id)))


def delete_search(session: Session, *, user_id: int, search_id: int) -> None:
    saved = session.get(SavedSearch, search_id)
    if saved is None or saved.user_id != user_id:
        raise NotFound(f"no saved search {search_id}")
    with unit_of_work(session):
        session.delete(saved)


def candidates(session: Session, *, offer: JobOffer) -> list[SavedSearch]:
    """The saved searches whose simple conditions (ROME, contract, region, département, GMP,
    radius) the offer meets, in SQL: a superset of the matches (words and capabilities are left to
    `matching_searches`), so the many searches that cannot match are never read into Python."""
    code = offer.rome_code or ""
    cond = [or_(SavedSearch.rome == "", SavedSearch.rome.in_(sorted({code[:1], code[:3], code}))),
            or_(SavedSearch.contracts == "", SavedSearch.contracts.contains(f",{offer.contract},")),
            or_(SavedSearch.region == "", SavedSearch.region == (offer.region or "")),
            or_(SavedSearch.departement == "", SavedSearch.departement == (offer.departement or ""))]
    if not offer.gmp_environment:
        cond.append(SavedSearch.gmp.is_(False))
    if offer.latitude is None or offer.longitude is None:
        cond.append(SavedSearch.near_latitude.is_(None))
    else:
        dx = (literal(offer.longitude) - SavedSearch.near_longitude) * SavedSearch.near_kx
        dy = (literal(offer.latitude) - SavedSearch.near_latitude) * KM_PER_DEGREE
        cond.append(or_(SavedSearch.near_latitude.is_(None), dx * dx + dy * dy <= SavedSearch.km * SavedSearch.km))
    return list(session.scalars(select(SavedSearch).where(*cond).order_by(SavedSearch.id)))


def _indexed(saved: SavedSearch) -> bool:
    """Whether the row's columns hold its simple conditions (saved since they exist)."""
    p = saved.params
    return not (("rome" in p and not saved.rome) or ("contract" in p and not saved.contracts)
                or ("region" in p and not saved.region) or ("departement" in p and not saved.departement)
                or ("gmp" in p and not saved.gmp) or ("near" in p and saved.near_latitude is None))


def _rest_matches(offer: JobOffer, params: Mapping[str, Sequence[str]], employer: Mapping[str, set[str]] | None) -> bool:
    """What SQL left to check: the words (in the offer's folded key) and the employer's capabilities."""
    key = offer.search_key or ""
    if not all(word in key for word in fold((params.get("q") or [""])[-1]).split()):
        return False
    chosen = employers.Capabilities(modality=tuple(params.get("modality") or ()), step=tuple(params.get("step") or ()))
    return employers.meets(chosen, employer)


def matching_searches(session: Session, *, offer: JobOffer) -> list[SavedSearch]:
    """The saved searches a new open offer matches: the SQL candidates, then what SQL cannot
    check (words, the employer's capabilities, read from the atlas once per offer) in Python; a
    search saved before the columns existed is checked whole."""
    found = []
    employer: dict[str, set[str]] | None = None
    loaded = False
    for saved in candidates(session, offer=offer):
        if not loaded and (saved.params.get("modality") or saved.params.get("step")) and offer.actor_id is not None:
            employer, loaded = employers.actor_codes(session, actor_ids=[offer.actor_id]).get(offer.actor_id), True
        if _indexed(saved):
            if _rest_matches(offer, saved.params, employer):
                found.append(saved)
            continue
        try:
            query = parse_query(saved.params)
        except FieldError:  # a code no longer known (a taxonomy or gazetteer change): never matches
            continue
        if matches(offer, query, employer=employer):
            found.append(saved)
    return found


def alert_saved_searches(session: Session, *, offers: Sequence[JobOffer]) -> int:
    """Notify the owners of the saved searches each new open offer matches (one notification per
    user and offer, in the caller's transaction); how many."""
    sent = 0
    for offer in offers:
        if offer.status != "open":
            continue
        told: set[int] = set()
        for saved in matching_searches(session, offer=offer):
            if saved.user_id in told:
                continue
            told.add(saved.user_id)
            note = notifications.notify(session, user_id=saved.user_id, kind="jobboard.match", link=f"/jobboard/offers/{offer.id}",
                                        context={"title": offer.title, "employer": offer.employer_name,
                                                 "place": offer.commune_name or "", "rome": f"{offer.rome_code} {offer.rome_label}",
                                                 "contract": CONTRACT_LABELS[offer.contract]["fr"],
                                                 "search": describe(saved.params), "synthetic": offer.synthetic})
            sent += note is not None
    return sent

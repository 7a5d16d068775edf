"""Saved searches of the jobs page and their alerts: a new open offer notifies the owners of the
saved searches it matches (kind `jobboard.match`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.core.db import unit_of_work
from bioatlas.jobboard.fields import FieldError, NotFound
from bioatlas.jobboard.models import JobOffer, SavedSearch
from bioatlas.jobboard.present import CONTRACT_LABELS
from bioatlas.jobboard.search import matches, parse_query
from bioatlas.notifications import service as notifications

MAX_SEARCHES = 20


def describe(params: Mapping[str, Sequence[str]]) -> str:
    """A saved search in words: its parameters, e.g. "q=technicien · contract=cdi"."""
    return " · ".join(f"{k}={','.join(v)}" for k, v in params.items() if v) or "*"


def save_search(session: Session, *, user_id: int, params: Mapping[str, Sequence[str]]) -> SavedSearch:
    """Keep the user's search (checked like the jobs page's; at most MAX_SEARCHES a user)."""
    query = parse_query(params)
    if (session.scalar(select(func.count(SavedSearch.id)).where(SavedSearch.user_id == user_id)) or 0) >= MAX_SEARCHES:
        raise FieldError("search", f"at most {MAX_SEARCHES} saved searches")
    with unit_of_work(session):
        saved = SavedSearch(user_id=user_id, params=query.chosen)
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


def alert_saved_searches(session: Session, *, offers: Sequence[JobOffer]) -> int:
    """Notify the owners of the saved searches each new open offer matches (one notification per
    user and offer, in the caller's transaction); how many."""
    sent = 0
    searches = list(session.scalars(select(SavedSearch).order_by(SavedSearch.id)))
    for offer in offers:
        if offer.status != "open":
            continue
        told: set[int] = set()
        for saved in searches:
            if saved.user_id in told or not matches(offer, parse_query(saved.params)):
                continue
            told.add(saved.user_id)
            note = notifications.notify(session, user_id=saved.user_id, kind="jobboard.match", link=f"/jobboard/offers/{offer.id}",
                                        context={"title": offer.title, "employer": offer.employer_name,
                                                 "place": offer.commune_name or "", "rome": f"{offer.rome_code} {offer.rome_label}",
                                                 "contract": CONTRACT_LABELS[offer.contract]["fr"],
                                                 "search": describe(saved.params), "synthetic": offer.synthetic})
            sent += note is not None
    return sent

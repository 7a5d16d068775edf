"""The job board's service: what handlers and other rooms call. Reading an offer and who may
manage it, and the personal data the board holds, are here; the rest lives in modules named for
their use case and is re-exported: `search` (query, facets, map), `alerts` (saved searches),
`offers` (publish, edit, close, expiry), `indicators` (observatory, likely employers),
`ft_import` (France Travail), `jobposting` (schema.org)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.accounts.policy import ActorScope
from bioatlas.atlas import service as atlas
from bioatlas.jobboard import francetravail, rome_versions
from bioatlas.jobboard.alerts import (
    MAX_SEARCHES,
    alert_saved_searches,
    delete_search,
    describe,
    save_search,
    searches_of,
)
from bioatlas.jobboard.fields import Conflict, FieldError, NotFound
from bioatlas.jobboard.ft_import import FranceTravailReport, import_france_travail
from bioatlas.jobboard.indicators import JOBS_TARGET, counts, indicators, likely_employers
from bioatlas.jobboard.jobposting import EMPLOYMENT_TYPES, job_posting
from bioatlas.jobboard.models import JobOffer
from bioatlas.jobboard.offers import (
    REMIND_DAYS,
    check_rome,
    close,
    close_expired,
    now,
    publish,
    put_demo_offer,
    remind_expiring,
    suggest_titles,
    update,
)
from bioatlas.jobboard.search import (
    MAX_PAGE,
    OfferQuery,
    SearchResult,
    distance_km,
    located_offers,
    matches,
    occupations,
    open_offers_of,
    parse_query,
    search,
)

__all__ = [  # noqa: RUF022  (grouped by purpose)
    "FieldError", "JobOffer", "NotFound", "Conflict", "FormatError",
    "get_offer", "actor_scope", "offer_scope", "actor_name", "sites_of", "is_open",
    "MAX_PAGE", "OfferQuery", "SearchResult", "distance_km", "located_offers", "matches", "occupations",
    "open_offers_of", "parse_query", "search",
    "MAX_SEARCHES", "alert_saved_searches", "delete_search", "describe", "save_search", "searches_of",
    "REMIND_DAYS", "check_rome", "close", "close_expired", "now", "publish", "put_demo_offer", "remind_expiring",
    "suggest_titles", "update",
    "JOBS_TARGET", "counts", "indicators", "likely_employers",
    "FranceTravailReport", "import_france_travail", "EMPLOYMENT_TYPES", "job_posting",
    "export_personal", "erase_personal", "rome_now",
]
FormatError = francetravail.FormatError
rome_now = rome_versions.resolve  # the offer's occupation in the newest ROME loaded


def get_offer(session: Session, *, offer_id: int) -> JobOffer | None:
    return session.get(JobOffer, offer_id)


def actor_scope(session: Session, *, actor_id: int | None) -> ActorScope | None:
    """The policy's view of the actor, None when there is no such actor."""
    if actor_id is None:
        return None
    scope = atlas.actor_scope(session, actor_id=actor_id)
    return None if scope.actor_id is None else ActorScope(scope.actor_id, scope.regions, scope.clusters)


def offer_scope(session: Session, *, offer: JobOffer) -> ActorScope:
    """Who may manage the offer: the members of its actor (an imported offer without an actor:
    nobody but admins)."""
    return actor_scope(session, actor_id=offer.actor_id) or ActorScope(None)


def actor_name(session: Session, *, actor_id: int) -> str | None:
    actor = atlas.get_actor(session, actor_id=actor_id)
    return actor.name if actor is not None else None


def sites_of(session: Session, *, actor_id: int) -> list[dict]:
    """The actor's sites a member may post for: id and place."""
    actor = atlas.load_actor(session, actor_id=actor_id)
    if actor is None:
        return []
    return [{"id": s.id, "commune": s.commune_name or "", "postcode": s.postcode or "", "role": s.role}
            for s in actor.sites]


def is_open(offer: JobOffer, *, today: date | None = None) -> bool:
    return offer.status == "open" and offer.expires_on >= (today or date.today())



# --- personal data -----------------------------------------------------------------------------


def export_personal(session: Session, *, user_id: int) -> dict:
    rows = session.scalars(select(JobOffer).where(JobOffer.created_by == user_id).order_by(JobOffer.id))
    return {"offers_published": [{"offer_id": o.id, "title": o.title, "actor_id": o.actor_id,
                                  "apply_email": o.apply_email, "created_at": o.created_at.isoformat()} for o in rows],
            "saved_searches": [{"id": s.id, "params": s.params, "created_at": s.created_at.isoformat()}
                               for s in searches_of(session, user_id=user_id)]}


def erase_personal(session: Session, *, user_id: int) -> None:
    """Offers stay (they belong to the actor); the author's link is cut; saved searches go."""
    for offer in session.scalars(select(JobOffer).where(JobOffer.created_by == user_id)):
        offer.created_by = None
    for saved in searches_of(session, user_id=user_id):
        session.delete(saved)

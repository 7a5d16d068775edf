"""The capacity room's public interface (keyword-only): members save and submit an actor's
profile, editors verify or reject it, everyone searches the published ones.

Other rooms (partner search, the one-stop shop) call `search_offers(...)` and `profile_of(...)`;
they get plain dataclasses (`Offer`), never the table rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, sessionmaker

from bioatlas.accounts import service as accounts
from bioatlas.accounts.policy import ActorScope, Principal, can
from bioatlas.atlas import service as atlas
from bioatlas.atlas.service import Taxonomy
from bioatlas.capacity.fields import clean
from bioatlas.capacity.models import CapacityProfile
from bioatlas.capacity.query import OfferQuery, line_reasons, matching_lines, parse_query
from bioatlas.core.db import unit_of_work
from bioatlas.core.fields import FieldError, Word, plain_text
from bioatlas.notifications import service as notifications

__all__ = [  # noqa: RUF022  (grouped by purpose)
    "CapacityError", "NotFound", "Conflict", "FieldError", "Offer", "OfferQuery", "SearchResult",
    "parse_query", "line_reasons", "search_offers", "profile_of", "draft_of", "actor_name", "actor_scope", "save_draft", "submit", "review",
    "review_queue", "DECISIONS", "export_personal", "erase_personal", "put_demo_profile",
]
DECISIONS = ("verify", "reject")
REASON_MAX = 1000


def now() -> datetime:
    return datetime.now(timezone.utc)


class CapacityError(ValueError):
    """A refused operation; the message says why."""


class NotFound(CapacityError):
    pass


class Conflict(CapacityError, FieldError):
    """The profile is not in a state that allows it (e.g. verifying one not submitted): a FieldError
    answered 409 (`Conflict(field, message id, params={...})`), shown in the reader's language on pages."""

    def __init__(self, field: str, message: str, *, params: Mapping[str, Any] | None = None) -> None:
        FieldError.__init__(self, field, message, 409, params=params)


@dataclass(frozen=True)
class Offer:
    """A profile as other rooms and the pages see it. `doc`: the published document (or the
    draft, for `draft_of`), in the shape of `capacity.fields`; `verified`: an editor verified the
    published version; `demo_note`: a demo profile, unverified, and what it was built from."""

    actor_id: int
    actor_name: str
    actor_kind: str
    regions: tuple[str, ...]
    status: str
    doc: Mapping[str, Any]
    verified: bool
    demo_note: str | None
    updated_at: Any
    published_at: Any
    reject_reason: str | None = None
    has_pending_changes: bool = False
    matched_lines: tuple[int, ...] = ()
    reasons: tuple[tuple[tuple[str, str, bool], ...], ...] = ()  # per matched line: `query.line_reasons`


@dataclass
class SearchResult:
    """The matching offers (verified first, then the most recently published), their total, and
    facet counts over them: {facet: {code: offers}} for modality, step, gmp, region, kind."""

    offers: list[Offer]
    total: int
    facets: dict[str, Counter] = field(default_factory=dict)


def _offer(profile: CapacityProfile, actor, *, doc: Mapping[str, Any], matched: Sequence[int] = (),
           regions: Sequence[str] | None = None, with_draft: bool = True) -> Offer:
    if regions is None:
        regions = [s.region for s in (actor.sites if actor else ()) if s.region]
    return Offer(
        actor_id=profile.actor_id, actor_name=actor.name if actor else "", actor_kind=actor.kind if actor else "",
        regions=tuple(sorted(set(regions))), status=profile.status, doc=doc,
        # only an editor's verification or the demo loader (labelled) sets `published`
        verified=profile.published is not None and profile.demo_note is None,
        demo_note=profile.demo_note, updated_at=profile.updated_at, published_at=profile.published_at,
        reject_reason=profile.reject_reason,
        # (search leaves the draft unread: decoding it for every profile doubled the search's time)
        has_pending_changes=with_draft and profile.published is not None and profile.draft != profile.published,
        matched_lines=tuple(matched),
    )


def _regions(session: Session, actor_ids: Sequence[int]) -> dict[int, list[str]]:
    """{actor id: regions of its sites}, through the atlas's sites selectable (one query per 500 ids)."""
    sites = atlas.sites_selectable()
    out: dict[int, list[str]] = {}
    ids = sorted(set(actor_ids))
    for start in range(0, len(ids), 500):
        rows = session.execute(select(sites.c.actor_id, sites.c.region).where(
            sites.c.actor_id.in_(ids[start:start + 500]), sites.c.region.is_not(None)))
        for actor_id, region in rows:
            out.setdefault(actor_id, []).append(region)
    return out


def _get(session: Session, actor_id: int) -> CapacityProfile | None:
    return session.scalar(select(CapacityProfile).where(CapacityProfile.actor_id == actor_id))


def actor_scope(session: Session, *, actor_id: int) -> ActorScope | None:
    """The policy's view of the actor (its regions and clusters), None when there is no such actor."""
    scope = atlas.actor_scope(session, actor_id=actor_id)
    return None if scope.actor_id is None else ActorScope(scope.actor_id, scope.regions, scope.clusters)


def actor_name(session: Session, *, actor_id: int) -> str | None:
    actor = atlas.get_actor(session, actor_id=actor_id)
    return actor.name if actor is not None else None


def profile_of(session: Session, *, actor_id: int) -> Offer | None:
    """The published profile of the actor (verified or labelled demo), None when it has none."""
    profile = _get(session, actor_id)
    if profile is None or profile.published is None:
        return None
    return _offer(profile, atlas.load_actors(session, ids=[actor_id]).get(actor_id), doc=profile.published)


def draft_of(session: Session, *, actor_id: int) -> Offer | None:
    """The working version (for its members and editors), None when none was saved."""
    profile = _get(session, actor_id)
    if profile is None:
        return None
    return _offer(profile, atlas.load_actors(session, ids=[actor_id]).get(actor_id), doc=profile.draft)


def search_offers(session: Session, *, query: OfferQuery | None = None, today: date | None = None,
                  limit: int | None = None) -> SearchResult:
    """The published profiles meeting the query (see `capacity.query`): profile-level conditions,
    the actor's kind and regions, and at least one service line meeting every line condition.
    Profiles whose availability window is over are left out."""
    q = query or OfferQuery()
    today = today or date.today()
    profiles = list(session.scalars(select(CapacityProfile).where(CapacityProfile.published.is_not(None))
                                    .options(defer(CapacityProfile.draft))))
    # the documents first (no query), then the actors of the candidates only
    candidates = []
    for profile in profiles:
        if q.verified_only and profile.demo_note is not None:
            continue
        hits = matching_lines(profile.published or {}, q, today=today)
        if hits is not None:
            candidates.append((profile, hits))
    ids = [profile.actor_id for profile, _ in candidates]
    actors = {a.id: a for a in atlas.find_actors(session, ids=ids, limit=max(1, len(ids)))} if ids else {}
    regions = _regions(session, ids) if ids else {}
    found: list[Offer] = []
    for profile, hits in candidates:
        actor = actors.get(profile.actor_id)
        if actor is None or actor.status != "active":
            continue
        doc = profile.published or {}
        offer = _offer(profile, actor, doc=doc, matched=hits, regions=regions.get(profile.actor_id, []), with_draft=False)
        offer = replace(offer, reasons=tuple(tuple(line_reasons(doc["lines"][i], q)) for i in hits))
        if q.verified_only and not offer.verified:
            continue
        if q.kinds and offer.actor_kind not in q.kinds:
            continue
        if q.regions and not q.regions & set(offer.regions):
            continue
        found.append(offer)
    found.sort(key=lambda o: (not o.verified, -(o.published_at.timestamp() if o.published_at else 0), o.actor_name))
    facets: dict[str, Counter] = {"modality": Counter(), "step": Counter(), "gmp": Counter(), "region": Counter(),
                                  "kind": Counter()}
    for offer in found:
        lines = [offer.doc["lines"][i] for i in offer.matched_lines]
        facets["modality"].update({m for line in lines for m in line["modalities"]})
        facets["step"].update({line["step"] for line in lines})
        facets["gmp"].update({line["gmp"] for line in lines})
        facets["region"].update(set(offer.regions))
        facets["kind"].update([offer.actor_kind])
    return SearchResult(offers=found[:limit] if limit is not None else found, total=len(found), facets=facets)


# --- writes ------------------------------------------------------------------------------------


def _refuse(session: Session, *, user_id: int | None, ip: str | None, actor_id: int, action: str, exc: Exception,
            field_name: str | None = None) -> None:
    """Keep the refusal in the audit log, outside the rolled-back unit of work."""
    accounts.record_audit_now(sessionmaker(bind=session.get_bind()), event="refused", user_id=user_id, ip=ip,
                              target=f"capacity:{actor_id}",
                              detail={"action": action, "field": field_name, "reason": str(exc)[:500]})


def save_draft(session: Session, *, user_id: int | None, ip: str | None, actor_id: int, raw: object,
               taxonomies: Mapping[str, Taxonomy], today: date | None = None) -> Offer:
    """Validate and store the working version (creating the profile). A verified, rejected,
    submitted or demo profile goes back to draft; its published version stays public."""
    try:
        doc = clean(raw, taxonomies, today=today or date.today())
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, actor_id=actor_id, action="capacity.edit", exc=exc,
                field_name=exc.field)
        raise
    if not atlas.actor_exists(session, actor_id=actor_id):
        raise NotFound(f"no actor {actor_id}")
    with unit_of_work(session):
        profile = _get(session, actor_id)
        before = None if profile is None else profile.status
        if profile is None:
            profile = CapacityProfile(actor_id=actor_id, draft=doc)
            session.add(profile)
        profile.draft = doc
        profile.status = "draft"
        profile.updated_at, profile.updated_by = now(), user_id
        accounts.record_audit(session, event="capacity", user_id=user_id, ip=ip, target=f"capacity:{actor_id}",
                              detail={"action": "save", "status_before": before, "lines": len(doc["lines"])})
    return _offer(profile, atlas.load_actors(session, ids=[actor_id]).get(actor_id), doc=profile.draft)


def submit(session: Session, *, user_id: int | None, ip: str | None, actor_id: int, today: date | None = None,
           taxonomies: Mapping[str, Taxonomy]) -> None:
    """Send the working version to the editors of the actor's region (checked again: a window
    that closed since it was saved is refused by name)."""
    profile = _get(session, actor_id)
    if profile is None:
        raise NotFound(f"actor {actor_id} has no capacity profile yet")
    if profile.status not in ("draft", "rejected"):
        conflict = Conflict("status", "the profile is {status}, only a draft or a rejected profile can be submitted",
                            params={"status": Word(profile.status, "capacity profile status")})
        _refuse(session, user_id=user_id, ip=ip, actor_id=actor_id, action="capacity.submit", exc=conflict,
                field_name="status")
        raise conflict
    try:
        clean(profile.draft, taxonomies, today=today or date.today())
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, actor_id=actor_id, action="capacity.submit", exc=exc,
                field_name=exc.field)
        raise
    with unit_of_work(session):
        profile.status, profile.submitted_at, profile.reject_reason = "submitted", now(), None
        accounts.record_audit(session, event="capacity", user_id=user_id, ip=ip, target=f"capacity:{actor_id}",
                              detail={"action": "submit"})


def review(session: Session, *, user_id: int | None, ip: str | None, actor_id: int, decision: str,
           reason: str | None = None) -> None:
    """An editor's decision on a submitted profile: verify (it becomes the published version,
    any demo label dropped) or reject with a reason (the published version, if any, stays); the
    member who last edited it is notified (kind `capacity.reviewed`)."""
    profile = _get(session, actor_id)
    try:
        if decision not in DECISIONS:
            raise FieldError("decision", "expected one of {choices}", params={"choices": ', '.join(DECISIONS)})
        clean_reason = plain_text("reason", reason, REASON_MAX, required=decision == "reject")
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, actor_id=actor_id, action="capacity.verify", exc=exc,
                field_name=exc.field)
        raise
    if profile is None:
        raise NotFound(f"actor {actor_id} has no capacity profile yet")
    if profile.status != "submitted":
        conflict = Conflict("status", "the profile is {status}, only a submitted profile can be reviewed",
                            params={"status": Word(profile.status, "capacity profile status")})
        _refuse(session, user_id=user_id, ip=ip, actor_id=actor_id, action="capacity.verify", exc=conflict,
                field_name="status")
        raise conflict
    with unit_of_work(session):
        at = now()
        profile.reviewed_at, profile.reviewed_by = at, user_id
        if decision == "verify":
            profile.status, profile.published, profile.published_at = "verified", profile.draft, at
            profile.demo_note, profile.reject_reason = None, None
        else:
            profile.status, profile.reject_reason = "rejected", clean_reason
        accounts.record_audit(session, event="capacity", user_id=user_id, ip=ip, target=f"capacity:{actor_id}",
                              detail={"action": decision, "reason": clean_reason or None})
        if profile.updated_by is not None:  # the member who last edited it learns the decision
            notifications.notify(session, user_id=profile.updated_by, kind="capacity.reviewed",
                                 context={"actor": actor_name(session, actor_id=actor_id) or "", "decision": decision,
                                          "reason": clean_reason or ""},
                                 link=f"/capacity/actors/{actor_id}/edit")


def review_queue(session: Session, *, principal: Principal) -> list[Offer]:
    """The submitted profiles this editor may verify (the actor's regions or clusters), oldest first."""
    profiles = list(session.scalars(select(CapacityProfile).where(CapacityProfile.status == "submitted")
                                    .order_by(CapacityProfile.submitted_at)))
    actors = atlas.load_actors(session, ids=[p.actor_id for p in profiles])
    out = []
    for profile in profiles:
        scope = actor_scope(session, actor_id=profile.actor_id)
        if scope is not None and can(principal, "capacity.verify", scope):
            out.append(_offer(profile, actors.get(profile.actor_id), doc=profile.draft))
    return out


# --- personal data (hook bioatlas_personal_data) ---------------------------------------------------


def export_personal(session: Session, *, user_id: int) -> list[dict]:
    """The profiles this user last edited or reviewed, with the contact route they hold."""
    rows = session.scalars(select(CapacityProfile).where(
        (CapacityProfile.updated_by == user_id) | (CapacityProfile.reviewed_by == user_id)).order_by(CapacityProfile.id))
    return [{"actor_id": p.actor_id, "role": "editor of the profile" if p.updated_by == user_id else "reviewer",
             "status": p.status, "contact_kind": p.draft.get("contact_kind"), "contact_value": p.draft.get("contact_value"),
             "updated_at": p.updated_at.isoformat() if p.updated_at else None} for p in rows]


def erase_personal(session: Session, *, user_id: int) -> None:
    """Forget the user on the profiles (the caller commits): an e-mail contact route they gave is
    removed from both versions (it may name them); the profile itself belongs to the actor."""
    for p in session.scalars(select(CapacityProfile).where(
            (CapacityProfile.updated_by == user_id) | (CapacityProfile.reviewed_by == user_id))):
        if p.updated_by == user_id:
            for attr in ("draft", "published"):
                doc = getattr(p, attr)
                if doc and doc.get("contact_kind") == "email":
                    setattr(p, attr, {**doc, "contact_value": ""})
            p.updated_by = None
        if p.reviewed_by == user_id:
            p.reviewed_by = None


# --- demo -------------------------------------------------------------------------------------------


def put_demo_profile(session: Session, *, actor_id: int, doc: Mapping[str, Any], note: str,
                     taxonomies: Mapping[str, Taxonomy], today: date | None = None) -> bool:
    """Publish a labelled, unverified demo profile (status "demo"); idempotent: True when it changed
    something. A profile a member has taken over (any other status) is left alone."""
    clean_doc = clean(dict(doc), taxonomies, today=today or date.today())
    profile = _get(session, actor_id)
    if profile is not None and (profile.status != "demo" or (profile.published == clean_doc and profile.demo_note == note)):
        return False
    if profile is None:
        profile = CapacityProfile(actor_id=actor_id, draft=clean_doc)
        session.add(profile)
    at = now()
    profile.status, profile.draft, profile.published, profile.demo_note = "demo", clean_doc, clean_doc, note
    profile.updated_at, profile.published_at = at, at
    return True

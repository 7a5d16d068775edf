"""Contributions: claims, members' edits, proposals, their review, and reverts.

Every change goes through the atlas writer under the contributor's own source (`user:<id>`,
kind "user", the highest rank), so the actor's history says who (the source), when, what."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.accounts.policy import ActorScope, Owned, Principal, can
from bioatlas.atlas import service as atlas
from bioatlas.atlas.service import (
    CAPABILITY_FACETS,
    Actor,
    ActorChange,
    ActorRecord,
    GeocodeError,
    RevertError,
    SiteCorrectionError,
    SiteRecord,
    Source,
    SourceRecord,
    actor_identifiers,
    identifiers_containing,
    check_revertible,
    find_actors,
    gazetteer,
    get_or_create_source,
    revert_change,
    upsert_actor,
)
from bioatlas.contributions.fields import email_matches_site
from bioatlas.contributions import sites
from bioatlas.contributions.models import Contribution
from bioatlas.core.db import unit_of_work
from bioatlas.core.fields import FieldError, Word
from bioatlas.notifications import service as notifications


class ContributionError(FieldError):
    """A refused operation (wrong state, nothing to revert…): a FieldError answered 409
    (`ContributionError(field, message id, params={...})`, the field empty when the action itself
    is refused), shown in the reader's language on pages; str() stays the English message (the API's detail)."""

    def __init__(self, field: str, message: str, *, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(field, message, 409, params=params)
        self.args = (self.message,)


def actor_scope(session: Session, *, actor: Actor | None) -> ActorScope:
    scope = atlas.actor_scope(session, actor_id=actor.id if actor is not None else None)
    return ActorScope(scope.actor_id, scope.regions, scope.clusters)


def contribution_scope(session: Session, *, contribution: Contribution) -> Owned:
    """Whose it is and where it stands: the actor's regions and clusters, plus the region of the
    site a site contribution places (an editor of that region reviews it too)."""
    c = contribution
    if c.actor_id is not None:
        scope = actor_scope(session, actor=atlas.get_actor(session, actor_id=c.actor_id))
        region = json.loads(c.payload).get("_region") if c.kind in sites.SITE_KINDS else None
        if region and scope.actor_id is not None:
            scope = ActorScope(scope.actor_id, scope.regions | {region}, scope.clusters)
        return Owned(c.author_id, scope)
    region = json.loads(c.payload).get("_region")
    return Owned(c.author_id, ActorScope(None, frozenset({region}) if region else frozenset()))


USER_SOURCE_PREFIX = "user:"  # the facts a user contributed are stated by the source `user:<id>`


def user_source_key(user_id: int) -> str:
    return f"{USER_SOURCE_PREFIX}{user_id}"


def user_source(session: Session, *, user_id: int | None) -> Source:
    if user_id is None:
        return get_or_create_source(session, record=SourceRecord(key="user:moderation", title="Moderation", kind="user"))
    return get_or_create_source(session, record=SourceRecord(key=user_source_key(user_id),
                                                             title="User contribution", kind="user"))


def _record(actor: Actor | None, fields: dict) -> ActorRecord:
    caps = {f: fields[f] for f in CAPABILITY_FACETS if f in fields}
    rec = ActorRecord(
        name=fields.get("name") or (actor.name if actor else ""), kind=fields.get("kind"),
        actor_id=actor.id if actor else None, description_fr=fields.get("description_fr"),
        description_en=fields.get("description_en"), scale_litres=fields.get("scale_litres"), gmp=fields.get("gmp"),
        capabilities=caps,
    )
    if "website" in fields:
        rec.identifiers = {"website": [fields["website"]]}
    if fields.get("postcode"):
        try:
            place = gazetteer().geocode(postcode=fields["postcode"])
        except GeocodeError as exc:
            place = exc.candidates[0]
        rec.sites = [SiteRecord(role="hq", postcode=fields["postcode"], commune_insee=place.insee,
                                commune_name=place.name, departement=place.departement, region=place.region,
                                latitude=place.latitude, longitude=place.longitude)]
    return rec


def apply_fields(session: Session, *, actor: Actor | None, fields: dict, author_id: int | None) -> int:
    """Write the fields through the atlas writer under the author's source; the actor id."""
    if actor is None and not fields.get("kind"):
        fields = {**fields, "kind": "other"}
    outcome = upsert_actor(session, record=_record(actor, fields), source=user_source(session, user_id=author_id),
                           match_by_name=False, schemes=())
    return outcome.actor_id


def create(session: Session, *, principal: Principal, kind: str, actor: Actor | None, payload: dict,
           note: str | None, status: str = "pending") -> Contribution:
    """Add a contribution (flushed, not committed)."""
    p = principal
    if kind == "new_actor" and payload.get("postcode"):
        try:
            place = gazetteer().geocode(postcode=payload["postcode"])
        except GeocodeError as exc:
            place = exc.candidates[0]
        payload = {**payload, "_region": place.region}
    c = Contribution(kind=kind, status=status, actor_id=actor.id if actor else None, author_id=p.user_id,
                     payload=json.dumps(payload, ensure_ascii=False), note=note)
    session.add(c)
    session.flush()
    return c


def claim(session: Session, *, principal: Principal, actor: Actor, note: str | None, ip: str | None) -> Contribution:
    """A claim verified at once when the user's e-mail domain is the actor's website domain;
    otherwise pending, for an editor to verify. One unit of work (audited, committed)."""
    with unit_of_work(session):
        user_id = principal.user_id
        email = accounts.user_email(session, user_id=user_id)
        if user_id is None or email is None:
            raise ContributionError("", "no account with id {id}", params={"id": user_id})
        c = _claim(session, principal, user_id, email, actor, note)
        accounts.record_audit(session, event="contribution", user_id=principal.user_id, ip=ip, target=f"actor:{actor.id}",
                     detail={"kind": "claim", "status": c.status})
    return c


def _shared_domain(session: Session, *, email: str, actor_id: int) -> bool:
    """The address's domain is the website domain of other actors too (a research organisation's
    domain serves hundreds of labs): it proves membership of one of them, not of this one, so the
    claim goes to an editor."""
    domain = email.rsplit("@", 1)[-1].lower()
    for other, url in identifiers_containing(session, scheme="website", text=domain.split(".")[-2] if domain.count(".") else domain):
        if other != actor_id and email_matches_site(email, [url]):
            return True
    return False


def _claim(session: Session, p: Principal, user_id: int, email: str, actor: Actor, note: str | None) -> Contribution:
    if actor.id in p.member_of:
        raise ContributionError("", "you are already a member of this actor")
    pending = session.scalar(select(Contribution).where(
        Contribution.kind == "claim", Contribution.actor_id == actor.id, Contribution.author_id == user_id,
        Contribution.status == "pending"))
    if pending is not None:
        raise ContributionError("", "your claim on this actor is already waiting for review")
    websites = actor_identifiers(session, actor_id=actor.id, scheme="website")
    verified = email_matches_site(email, websites) and not _shared_domain(session, email=email, actor_id=actor.id)
    c = create(session, principal=p, kind="claim", actor=actor,
               payload={"method": "email_domain" if verified else "editor"}, note=note,
               status="accepted" if verified else "pending")
    if verified:
        c.reviewed_at = datetime.now(timezone.utc)
        accounts.grant_member(session, user_id=user_id, actor_id=actor.id)
        accounts.record_audit(session, event="claim_verified", user_id=user_id, target=f"actor:{actor.id}", detail="e-mail domain")
    return c


def review(session: Session, *, reviewer: Principal, contribution: Contribution, decision: str,
           message: str | None, amended: dict | None = None) -> Contribution:
    """accept | amend (apply the editor's version) | reject (with a message to the author); one
    unit of work (audited, committed). ContributionError when already reviewed."""
    with unit_of_work(session):
        return _review(session, reviewer, contribution, decision, message, amended)


def _review(session: Session, reviewer: Principal, c: Contribution, decision: str, message: str | None,
            amended: dict | None) -> Contribution:
    if c.status != "pending":
        raise ContributionError("", "contribution {id} was already reviewed ({status})",
                                params={"id": c.id, "status": Word(c.status, "contribution status")})
    if decision == "reject":
        if not message:
            raise ContributionError("message", "a rejection needs a message for the author")
    elif c.kind in sites.SITE_KINDS:
        _apply_site(session, c, decision, reviewer, amended)
    elif c.kind == "claim":
        if c.author_id is None:
            raise ContributionError("", "the author of this claim deleted their account")
        if c.actor_id is None:
            raise ContributionError("", "this claim names no actor")
        accounts.grant_member(session, user_id=c.author_id, actor_id=c.actor_id, granted_by=reviewer.user_id)
        accounts.record_audit(session, event="role_granted", user_id=reviewer.user_id, target=f"user:{c.author_id}",
                     detail={"role": "member", "actor_id": c.actor_id})
    else:
        fields = amended if decision == "amend" and amended else json.loads(c.payload)
        fields = {k: v for k, v in fields.items() if not k.startswith("_")}
        actor = atlas.get_actor(session, actor_id=c.actor_id) if c.actor_id else None
        actor_id = apply_fields(session, actor=actor, fields=fields,
                                author_id=c.author_id if decision == "accept" else reviewer.user_id)
        c.actor_id = actor_id
        if decision == "amend":
            c.payload = json.dumps({**json.loads(c.payload), "_amended": fields}, ensure_ascii=False)
    c.status = {"accept": "accepted", "amend": "amended", "reject": "rejected"}[decision]
    c.review_message = message
    c.reviewer_id = reviewer.user_id
    c.reviewed_at = datetime.now(timezone.utc)
    accounts.record_audit(session, event="review", user_id=reviewer.user_id, target=f"contribution:{c.id}",
                 detail={"decision": decision, "kind": c.kind, "actor_id": c.actor_id})
    if c.author_id is not None:
        notifications.notify(session, user_id=c.author_id, kind="contribution.reviewed",
                             context={"id": c.id, "status": c.status, "message": message or ""},
                             link="/contributions/mine")
    return c


def _apply_site(session: Session, c: Contribution, decision: str, reviewer: Principal, amended: dict | None) -> None:
    payload = amended if decision == "amend" and amended else json.loads(c.payload)
    actor = atlas.get_actor(session, actor_id=c.actor_id) if c.actor_id else None
    if actor is None:
        raise ContributionError("", "contribution {id} names no actor", params={"id": c.id})
    author = c.author_id if decision == "accept" else reviewer.user_id
    try:
        sites.apply(session, kind=c.kind, actor=actor, payload=payload, source=user_source(session, user_id=author),
                    at=datetime.now(timezone.utc))
    except SiteCorrectionError as exc:
        raise ContributionError(exc.field, exc.msgid, params=exc.params) from None
    if decision == "amend":
        c.payload = json.dumps({**json.loads(c.payload), "_amended": payload}, ensure_ascii=False)


def propose_site(session: Session, *, principal: Principal, actor: Actor, kind: str, payload: dict,
                 note: str | None, ip: str | None) -> Contribution:
    """A site corrected, added or removed (`sites.proposal` built `kind` and `payload`): published
    at once when the principal may edit the actor (its members, editors of its regions), as
    other fields are; otherwise waiting for an editor's review. One unit of work (audited)."""
    direct = can(principal, "actor.edit", actor_scope(session, actor=actor))
    with unit_of_work(session):
        c = create(session, principal=principal, kind=kind, actor=actor, payload=payload, note=note,
                   status="accepted" if direct else "pending")
        if direct:
            try:
                sites.apply(session, kind=kind, actor=actor, payload=payload,
                            source=user_source(session, user_id=principal.user_id), at=datetime.now(timezone.utc))
            except SiteCorrectionError as exc:
                raise ContributionError(exc.field, exc.msgid, params=exc.params) from None
            c.reviewer_id, c.reviewed_at = principal.user_id, datetime.now(timezone.utc)
        accounts.record_audit(session, event="contribution", user_id=principal.user_id, ip=ip, target=f"actor:{actor.id}",
                              detail={"kind": kind, "status": c.status})
    return c


def revert(session: Session, *, editor: Principal, change: ActorChange) -> int:
    """Put back the value a change replaced (scalar fields and capability facets), as a new
    change under the editor's source; the number of fields changed. One unit of work (audited,
    committed); ContributionError when the change cannot be reverted."""
    with unit_of_work(session):
        return _revert(session, editor, change)


def _revert(session: Session, editor: Principal, change: ActorChange) -> int:
    try:
        check_revertible(change=change)
        actor, n = revert_change(session, change=change, source=user_source(session, user_id=editor.user_id),
                                 at=datetime.now(timezone.utc))
    except RevertError as exc:
        raise ContributionError(exc.field, exc.msgid, params=exc.params) from None
    accounts.record_audit(session, event="revert", user_id=editor.user_id, target=f"actor:{actor.id}",
                 detail={"change_id": change.id, "field": change.field})
    return n


def authors(session: Session, *, changes: list[ActorChange]) -> dict[int, str]:
    """Display names of the users behind `user:<id>` sources of these changes (history 'who')."""
    ids = {}
    for ch in changes:
        key = ch.source.key if ch.source else ""
        if key.startswith("user:") and key[5:].isdigit():
            ids[ch.source_id] = int(key[5:])
    names = accounts.display_names(session, user_ids=set(ids.values()))
    return {sid: names.get(uid, "") for sid, uid in ids.items()}


# Lookups and the other units of work of the contribution pages and API (handlers parse, look
# the object up, authorise it through the policy, call one of these, render).

def get_actor(session: Session, *, actor_id: int) -> Actor | None:
    return atlas.get_actor(session, actor_id=actor_id)


def get_contribution(session: Session, *, contribution_id: int) -> Contribution | None:
    return session.get(Contribution, contribution_id)


def get_change(session: Session, *, actor_id: int, change_id: int) -> ActorChange | None:
    """A change of this actor's history (None when the id names another actor's change)."""
    change = atlas.get_change(session, change_id=change_id)
    return change if change is not None and change.actor_id == actor_id else None


def edit(session: Session, *, principal: Principal, actor: Actor, fields: dict, note: str | None,
         ip: str | None) -> Contribution:
    """A member's or editor's edit, published at once (recorded as an accepted contribution)."""
    with unit_of_work(session):
        c = create(session, principal=principal, kind="edit", actor=actor, payload=fields, note=note,
                   status="accepted")
        apply_fields(session, actor=actor, fields=fields, author_id=principal.user_id)
        accounts.record_audit(session, event="contribution", user_id=principal.user_id, ip=ip, target=f"actor:{actor.id}",
                     detail={"kind": "edit", "fields": sorted(fields)})
    return c


def propose(session: Session, *, principal: Principal, actor: Actor | None, fields: dict, note: str | None,
            ip: str | None) -> Contribution:
    """A correction of `actor`, or a new actor when `actor` is None, waiting for an editor's review."""
    kind = "correction" if actor is not None else "new_actor"
    with unit_of_work(session):
        c = create(session, principal=principal, kind=kind, actor=actor, payload=fields, note=note)
        if actor is not None:
            accounts.record_audit(session, event="contribution", user_id=principal.user_id, ip=ip, target=f"actor:{actor.id}",
                         detail={"kind": kind, "fields": sorted(fields)})
        else:
            accounts.record_audit(session, event="contribution", user_id=principal.user_id, ip=ip, detail={"kind": kind})
    return c


QUEUE_SHOWN = 500  # pending contributions a queue page lists at most


def review_queue(session: Session, *, principal: Principal) -> list[Contribution]:
    """The pending contributions this editor may review (their regions and clusters), oldest first,
    at most QUEUE_SHOWN: the scope is checked on every pending item before the list is cut, so an
    editor's items are never hidden behind other regions' older ones."""
    shown: list[Contribution] = []
    stmt = (select(Contribution).where(Contribution.status == "pending")
            .order_by(Contribution.created_at, Contribution.id).execution_options(yield_per=500))
    for c in session.scalars(stmt):
        if can(principal, "contribution.review", contribution_scope(session, contribution=c)):
            shown.append(c)
            if len(shown) == QUEUE_SHOWN:
                break
    return shown


def queue_page(session: Session, *, principal: Principal) -> dict:
    """The review queue with what its page shows: actors, authors' names, payloads."""
    items = review_queue(session, principal=principal)
    actors = {a.id: a for a in find_actors(session, ids={c.actor_id for c in items if c.actor_id}, limit=len(items) + 1)}
    names = accounts.display_names(session, user_ids={c.author_id for c in items})
    return {"items": items, "actors": actors, "authors": names, "payloads": {c.id: json.loads(c.payload) for c in items}}


def mine(session: Session, *, user_id: int) -> list[Contribution]:
    return list(session.scalars(select(Contribution).where(Contribution.author_id == user_id)
                                .order_by(Contribution.id.desc()).limit(500)))

"""Corrections of an actor's sites: a corrected address, a new site, a site removed.

Sites are stated per source and an import replaces what its source stated before
(`writer._replace_sites`). A correction therefore never edits an imported row in place: the
row leaves (its values kept as a `SiteSupersession` of its source) and the corrected site is
a new row of the correcting source (a user's, ranked above every import). Re-importing the
source skips the superseded statement, so the correction survives; if the source later states
a different address, that is a new fact and appears beside the correction. Reverting a
correction puts the superseded row back under its own source, and removes the correcting row
(itself kept as a supersession, so a revert can be reverted)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas.history import record_changes, site_line, snapshot
from bioatlas.atlas.models import Actor, ActorChange, Site, SiteSupersession, Source
from bioatlas.atlas.records import SiteRecord
from bioatlas.atlas.writer import site_values
from bioatlas.core.fields import FieldError


class SiteCorrectionError(FieldError):
    """A site change that cannot be made (the site changed since): a FieldError answered 409
    (`SiteCorrectionError("", message id, params={...})`); str() is the English message alone."""

    def __init__(self, field: str, message: str, *, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(field, message, 409, params=params)
        self.args = (self.message,)


def find_site(actor: Actor, *, site_id: int | None, was: dict | None = None) -> Site | None:
    """The actor's site with this id, else the one holding the values `was` (an import may have
    rewritten the row since the proposal), else None."""
    for site in actor.sites:
        if site.id == site_id:
            return site
    if was is not None:
        wanted = site_values(SiteRecord(**was))
        return next((s for s in actor.sites if site_values(s) == wanted), None)
    return None


def correct_site(session: Session, *, actor: Actor, site: Site | None, record: SiteRecord | None, source: Source,
                 at: datetime) -> int:
    """Replace `site` by `record` (a correction), remove it (`record` None) or add `record` (`site`
    None), under `source`; the history rows written (the field "sites")."""
    if site is not None and site.actor_id != actor.id:
        raise SiteCorrectionError("", "site {site} is not a site of actor {actor}", params={"site": site.id, "actor": actor.id})
    with session.no_autoflush:
        before = snapshot(actor)
        if site is not None:
            _supersede(session, actor, site, source, at)
        if record is not None:
            actor.sites.append(Site(source_id=source.id, **site_values(record)))
    session.flush()
    n = record_changes(session, actor, before, source, at)
    if n:
        actor.updated_at = at
    return n


def _supersede(session: Session, actor: Actor, site: Site, by: Source, at: datetime) -> None:
    session.info.pop("corrected_actors", None)  # the writer's per-transaction look-up (writer.corrected_actors)
    session.add(SiteSupersession(actor_id=actor.id, source_id=site.source_id, by_source_id=by.id, superseded_at=at,
                                 site=json.dumps(site_values(site), ensure_ascii=False)))
    actor.sites.remove(site)


def revert_sites(session: Session, *, change: ActorChange, source: Source, at: datetime) -> tuple[Actor, int]:
    """Put the actor's sites back as they were before `change` (a "sites" change): the sites it
    added leave, the ones it replaced or removed come back from their supersession under their
    own source. SiteCorrectionError when a site it added has changed since, or when a site it
    removed was not superseded by a correction (an import's change: re-import instead)."""
    actor = session.get(Actor, change.actor_id)
    if actor is None:
        raise SiteCorrectionError("", "change {id}: actor {actor} no longer exists",
                                  params={"id": change.id, "actor": change.actor_id})
    old = Counter(json.loads(change.old_value) if change.old_value else [])
    new = Counter(json.loads(change.new_value) if change.new_value else [])
    leaving: list[Site] = []
    for line, n in (new - old).items():
        rows = [s for s in actor.sites if site_line(s) == line and s not in leaving][:n]
        if len(rows) < n:
            raise SiteCorrectionError("", "change {id}: the site {line!r} has changed since; correct it instead",
                                      params={"id": change.id, "line": line})
        leaving += rows
    kept = list(session.scalars(select(SiteSupersession).where(SiteSupersession.actor_id == actor.id)
                                .order_by(SiteSupersession.id.desc())))
    coming: list[SiteSupersession] = []
    for line, n in (old - new).items():
        found = [k for k in kept if site_line(SiteRecord(**json.loads(k.site))) == line and k not in coming][:n]
        if len(found) < n:
            raise SiteCorrectionError("", "change {id}: the site {line!r} was not replaced by a correction, so it "
                                      "cannot be put back (re-import its source instead)", params={"id": change.id, "line": line})
        coming += found
    with session.no_autoflush:
        before = snapshot(actor)
        for row in leaving:
            _supersede(session, actor, row, source, at)
        for k in coming:
            actor.sites.append(Site(source_id=k.source_id, **json.loads(k.site)))
            session.delete(k)
    session.flush()
    n = record_changes(session, actor, before, source, at)
    if n:
        actor.updated_at = at
    return actor, n

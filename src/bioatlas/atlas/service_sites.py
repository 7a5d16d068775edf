"""Sites as the atlas's service offers them to other rooms (re-exported by `atlas.service`, the
only module other rooms import): corrections of an actor's sites, located sites for map layers,
a selectable for joins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas import site_corrections, writer
from bioatlas.atlas.models import Actor, Site, Source
from bioatlas.atlas.records import APPROXIMATE, SiteRecord
from bioatlas.atlas.site_corrections import SiteCorrectionError

__all__ = [
    "LocatedSite", "SiteCorrectionError", "correct_site", "find_site", "located_sites", "site_values", "sites_selectable",
]


def site_values(site: Site | SiteRecord) -> dict[str, object]:
    """A site's stored fields (role, address, postcode, commune, département, region, country,
    coordinates, precision) as plain values."""
    return writer.site_values(site)


def find_site(actor: Actor, *, site_id: int | None, was: dict | None = None) -> Site | None:
    """The actor's site `site_id`, else the one holding the values `was` (a proposal's copy of the
    site: an import may have rewritten its row since), else None."""
    return site_corrections.find_site(actor, site_id=site_id, was=was)


def correct_site(session: Session, *, actor: Actor, site_id: int | None, was: dict | None, record: SiteRecord | None,
                 source: Source, at: datetime) -> int:
    """Correct the actor's site `site_id` to `record`, remove it (`record` None) or add `record`
    (`site_id` None), under `source` (see `atlas.site_corrections`: the corrected statement of an
    import stays superseded across re-imports; the history records the change, revertible).
    `was`: the site's values when the change was proposed, to find it if an import rewrote its
    row since. SiteCorrectionError when the site is no longer there. The history rows written."""
    site = None
    if site_id is not None:
        site = site_corrections.find_site(actor, site_id=site_id, was=was)
        if site is None:
            raise SiteCorrectionError(f"site {site_id} of actor {actor.id} has changed or gone since")
    return site_corrections.correct_site(session, actor=actor, site=site, record=record, source=source, at=at)

# --- located sites (map layers of other features) ----------------------------------------------

_CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True)
class LocatedSite:
    """A site with coordinates, and its actor. `precision` (the map layers' contract): "exact" when
    the site is placed at its address (sites.precision "address"), "commune" when it is placed at
    its town (a commune's centre, or a city named by a registry)."""

    site_id: int
    actor_id: int
    actor_name: str
    latitude: float
    longitude: float
    commune_name: str | None
    precision: str


def located_sites(
    session: Session, *, actor_ids, bbox: tuple[float, float, float, float], limit: int | None = None,
    active_only: bool = True,
) -> list[LocatedSite]:
    """The located sites of these actors inside `bbox = (west, south, east, north)` (degrees),
    ordered by site id, at most `limit`; only active actors unless `active_only` is False (as
    the map's default view)."""
    west, south, east, north = bbox
    ids = sorted(set(actor_ids))
    out: list[LocatedSite] = []
    for start in range(0, len(ids), _CHUNK):
        stmt = (
            select(Site.id, Site.actor_id, Actor.name, Site.latitude, Site.longitude, Site.commune_name, Site.precision)
            .join(Actor, Actor.id == Site.actor_id)
            .where(
                Site.actor_id.in_(ids[start:start + _CHUNK]),
                Site.latitude.between(south, north),
                Site.longitude.between(west, east),
            )
            .order_by(Site.id)
        )
        if active_only:
            stmt = stmt.where(Actor.status == "active")
        if limit is not None:
            stmt = stmt.limit(limit)
        out.extend(
            LocatedSite(site_id=r[0], actor_id=r[1], actor_name=r[2], latitude=r[3], longitude=r[4],
                        commune_name=r[5], precision="commune" if r[6] in APPROXIMATE else "exact")
            for r in session.execute(stmt)
        )
    out.sort(key=lambda site: site.site_id)
    return out if limit is None else out[:limit]


# --- sites for other rooms' joins ----------------------------------------------------------------


def sites_selectable():
    """The atlas's sites as a selectable (id, actor_id, country, region, departement, commune_insee),
    for another room's aggregate joining its own rows to where actors are (e.g. products' "made in")."""
    return select(Site.id, Site.actor_id, Site.country, Site.region, Site.departement,
                  Site.commune_insee).subquery("atlas_sites")

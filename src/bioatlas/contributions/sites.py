"""Sites as contributions: a corrected address ("site_edit"), a new site ("site_add"), a site
removed ("site_remove"). The payload is built here from what the person typed (validated by
`site_fields`); accepting it writes through `atlas.service.correct_site`, so the correction
survives the next import of the source the site came from (see `atlas.site_corrections`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bioatlas.atlas.service import Actor, Source, Taxonomy, correct_site, find_site, site_values
from bioatlas.contributions.site_fields import SITE_FIELDS, clean_site, display_of, merged, record_of
from bioatlas.core.fields import FieldError

KINDS = {"edit": "site_edit", "add": "site_add", "remove": "site_remove"}
SITE_KINDS = frozenset(KINDS.values())


def proposal(actor: Actor, *, action: str, site_id: int | None, fields: dict, taxonomies: dict[str, Taxonomy],
             base: dict | None = None, was: dict | None = None) -> tuple[str, dict]:
    """(contribution kind, payload) of a site change; FieldError names the refused field. The
    fields given go over the site's current ones, or over `base` (an editor amending a proposal,
    `was` its copy of the site, to find it if an import rewrote its row since)."""
    if action not in KINDS:
        raise FieldError("action", "expected one of {choices}", params={"choices": ', '.join(KINDS)})
    site = None
    if action != "add":
        if site_id is None:
            raise FieldError("site_id", "say which site to change")
        site = find_site(actor, site_id=site_id, was=was)
        if site is None:
            raise FieldError("site_id", "actor {actor_id} has no site {site_id}", params={"actor_id": actor.id, "site_id": site_id})
    if action == "remove":
        payload = {**display_of(site), "_region": site.region}
    else:
        current = display_of(site) if site is not None else None
        payload = clean_site(merged(base if base is not None else current, fields), taxonomies)
        if current is not None and all(payload.get(k) == current.get(k) for k in SITE_FIELDS):
            raise FieldError("fields", "nothing changed: the site already has these values")
    payload["_site_id"] = site.id if site is not None else None
    payload["_was"] = site_values(site) if site is not None else None
    return KINDS[action], payload


def amendment_of(actor: Actor, *, kind: str, proposed: dict, fields: dict,
                 taxonomies: dict[str, Taxonomy]) -> dict:
    """The payload an editor publishes instead of `proposed` (their fields over the proposed ones)."""
    if kind == "site_remove":
        raise FieldError("fields", "a removal is accepted or rejected, not amended")
    shown = {k: v for k, v in proposed.items() if not k.startswith("_")}
    action = "edit" if kind == "site_edit" else "add"
    return proposal(actor, action=action, site_id=proposed.get("_site_id"), fields=fields, taxonomies=taxonomies,
                    base=shown, was=proposed.get("_was"))[1]


def before_of(actor: Actor | None, payload: dict) -> dict | None:
    """The corrected site's current fields (the moderation page's "before"), None for a new site."""
    site = find_site(actor, site_id=payload.get("_site_id"), was=payload.get("_was")) if actor is not None else None
    return display_of(site) if site is not None else None


def apply(session: Session, *, kind: str, actor: Actor, payload: dict, source: Source, at: datetime) -> int:
    """Write the site change under `source`; SiteCorrectionError when the site is gone."""
    return correct_site(session, actor=actor, site_id=payload.get("_site_id"), was=payload.get("_was"),
                        record=None if kind == "site_remove" else record_of(payload), source=source, at=at)

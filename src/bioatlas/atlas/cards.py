"""Result cards read set-based: what a list of actors shows (name, kind, descriptions, sites,
modalities, other names), as plain rows, no ORM objects.

`load_cards` reads the actors of a page with one prebuilt statement per collection (actors, their
sites, their modalities, their names: four statements whatever the number of actors), so a search
result page builds no ORM identity map, no lazy relationships and no per-request statement cache
key. Each card is an `export_rows.Plain` shaped like the ORM actor for the fields a card reads
(`presenters.actor_summary`, the search's highlighting): `id`, `name`, `name_key`, `kind`,
`description_fr`, `description_en`, `sites` (every column `serialize.site_to_dict` reads),
`capabilities` (the modalities only: `facet`, `code`) and `names` (`value`, in the order recorded).
Issue 19: loading the 20 results of a search through the ORM was a quarter of a search's miss.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bioatlas.atlas.export_rows import Plain
from bioatlas.atlas.models import Actor, ActorName, Capability, Site

_IDS = bindparam("ids", expanding=True)
_ACTOR_COLS = (Actor.id, Actor.name, Actor.name_key, Actor.kind, Actor.description_fr, Actor.description_en)
_SITE_COLS = (Site.id, Site.role, Site.address, Site.postcode, Site.commune_insee, Site.commune_name,
              Site.departement, Site.region, Site.country, Site.latitude, Site.longitude, Site.precision,
              Site.source_id)
_ACTORS = select(*_ACTOR_COLS).where(Actor.id.in_(_IDS))
_SITES = select(Site.actor_id, *_SITE_COLS).where(Site.actor_id.in_(_IDS)).order_by(Site.id)
_MODALITIES = (select(Capability.actor_id, Capability.facet, Capability.code)
               .where(Capability.actor_id.in_(_IDS), Capability.facet == "modalities").order_by(Capability.id))
_NAMES = select(ActorName.actor_id, ActorName.value).where(ActorName.actor_id.in_(_IDS)).order_by(ActorName.id)
_ACTOR_KEYS = tuple(c.key for c in _ACTOR_COLS)
_SITE_KEYS = tuple(c.key for c in _SITE_COLS)


def load_cards(session: Session, *, ids: Iterable[int]) -> dict[int, Plain]:
    """{id: card} for the actors of `ids` that exist (see the module's docstring for the fields)."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    conn = session.connection()
    params = {"ids": wanted}
    cards: dict[int, Plain] = {}
    for row in conn.execute(_ACTORS, params):
        card = Plain(**dict(zip(_ACTOR_KEYS, row)))
        card.sites, card.capabilities, card.names = [], [], []
        cards[card.id] = card
    none = Plain(sites=[], capabilities=[], names=[])  # an actor created between two statements: not shown
    for row in conn.execute(_SITES, params):
        cards.get(row[0], none).sites.append(Plain(**dict(zip(_SITE_KEYS, row[1:]))))
    for actor_id, facet, code in conn.execute(_MODALITIES, params):
        cards.get(actor_id, none).capabilities.append(Plain(facet=facet, code=code))
    for actor_id, value in conn.execute(_NAMES, params):
        cards.get(actor_id, none).names.append(Plain(value=value))
    return cards

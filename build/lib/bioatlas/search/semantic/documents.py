"""The text that stands for an actor in the vector space, built set-based from its facts (no ORM
objects, so a million actors can be processed by batches), and its hash.

Text: name; other names (acronyms, aliases); kind; French then English description; the French
and English labels of its capabilities; its communes. The hash covers the text and the model id,
so a changed text or a new model version means re-encoding, and nothing else does."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

# reads atlas tables: search is the atlas's read model
from bioatlas.atlas.models import Actor, ActorName, Capability, Site
from bioatlas.atlas.service import taxonomies as load_taxonomies

ID_CHUNK = 500  # ids per IN (...) list


@lru_cache(maxsize=1)
def _taxonomies():
    return load_taxonomies()


def _labels(facet: str, code: str) -> list[str]:
    tax = _taxonomies().get(facet)
    term = tax.terms.get(code) if tax is not None else None
    if term is None:
        return [code.replace("_", " ")]
    return [label for label in dict.fromkeys((term.label_fr, term.label_en)) if label]


def compose(name: str, others: Iterable[str], kind: str | None, description_fr: str | None,
            description_en: str | None, capabilities: Iterable[tuple[str, str]], places: Iterable[str]) -> str:
    parts = [name.strip()]
    aliases = [o for o in dict.fromkeys(o.strip() for o in others) if o and o != name.strip()]
    if aliases:
        parts.append(", ".join(aliases))
    if kind:
        parts.append(" / ".join(_labels("kinds", kind)))
    parts += [d.strip() for d in (description_fr, description_en) if d and d.strip()]
    caps = [label for facet, code in capabilities for label in _labels(facet, code)]
    if caps:
        parts.append(", ".join(dict.fromkeys(caps)))
    places = [p for p in dict.fromkeys(places) if p]
    if places:
        parts.append(", ".join(places))
    return ". ".join(p.rstrip(".") for p in parts if p)


def text_hash(text: str, model: str) -> str:
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()


def _chunks(ids: list[int]):
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start:start + ID_CHUNK]


def actor_texts(session: Session, actor_ids: Iterable[int]) -> dict[int, str]:
    """Text of each existing actor among `actor_ids` (ids of deleted actors are left out)."""
    out: dict[int, str] = {}
    for chunk in _chunks(sorted({int(i) for i in actor_ids})):
        actors = session.execute(
            select(Actor.id, Actor.name, Actor.kind, Actor.description_fr, Actor.description_en).where(Actor.id.in_(chunk))
        ).all()
        if not actors:
            continue
        names, caps, places = defaultdict(list), defaultdict(list), defaultdict(list)
        for aid, value in session.execute(
            select(ActorName.actor_id, ActorName.value).where(ActorName.actor_id.in_(chunk)).order_by(ActorName.id)
        ):
            names[aid].append(value)
        for aid, facet, code in session.execute(
            select(Capability.actor_id, Capability.facet, Capability.code)
            .where(Capability.actor_id.in_(chunk)).order_by(Capability.facet, Capability.code)
        ):
            caps[aid].append((facet, code))
        for aid, commune in session.execute(
            select(Site.actor_id, Site.commune_name).where(Site.actor_id.in_(chunk)).order_by(Site.id)
        ):
            places[aid].append(commune)
        for aid, name, kind, dfr, den in actors:
            out[aid] = compose(name or "", names[aid], kind, dfr, den, caps[aid], places[aid])
    return out

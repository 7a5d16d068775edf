"""As-you-type suggestions: actors whose names hold the words typed (last word as a prefix,
typos corrected), exact names first, active actors only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

# reads atlas tables: search is the atlas's read model
from bioatlas.atlas.models import Actor
from bioatlas.atlas.service import ordered_sites
from bioatlas.search.backends import backend_for
from bioatlas.search.service import exact_ids
from bioatlas.search.text import parse_query

_ACTORS = Actor.__table__


def suggest(session: Session, q: str, taxonomies, lang: str, *, limit: int = 8) -> list[dict]:
    q = " ".join(q.split())[:200] + (" " if q.endswith(" ") else "")
    terms = parse_query(q, as_you_type=True)
    if not terms:
        return []
    backend = backend_for(session)
    backend.correct(session, terms)
    base = [Actor.status == "active"]
    exact = exact_ids(session, q=q, base=base)[:limit]
    rows = backend.ranked(session, backend.expression(terms, names_only=True), _ACTORS, base, limit - len(exact), 0,
                          exclude=exact) if len(exact) < limit else []
    ids = exact + [i for i, _ in rows]
    actors = {a.id: a for a in session.scalars(select(Actor).where(Actor.id.in_(ids)).options(selectinload(Actor.sites)))}
    out = []
    for i in ids:
        a = actors[i]
        sites = ordered_sites(a)
        out.append({
            "id": a.id, "name": a.name, "url": f"/actors/{a.id}",
            "kind_label": taxonomies["kinds"].label(a.kind, lang),
            "commune": sites[0].commune_name if sites else None,
        })
    return out

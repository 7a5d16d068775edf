"""Shape a search result for the API and the page: actors with highlighted segments, labelled
facets (every value, count 0 included, in taxonomy order), the cursor."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bioatlas.atlas.service import (
    FACETS,
    ActorFilter,
    Taxonomy,
    actor_summary,
    gazetteer,
    load_cards,
)
from bioatlas.core.text import fold
from bioatlas.search.highlight import segments, snippet
from bioatlas.search.params import SCALE_LABELS
from bioatlas.search.service import SearchResult


def items(session: Session, result: SearchResult, taxonomies: dict[str, Taxonomy], lang: str) -> list[dict]:
    if not result.ids:
        return []
    actors = load_cards(session, ids=result.ids)  # plain rows of what a card shows (atlas/cards.py)
    out = []
    for actor_id in result.ids:
        actor = actors.get(actor_id)
        if actor is None:
            continue
        item = actor_summary(actor, taxonomies, lang)
        name_segs = segments(actor.name, result.terms)
        also = None
        if not any(hit for _, hit in name_segs):
            for n in actor.names:
                segs = segments(n.value, result.terms)
                if any(hit for _, hit in segs) and fold(n.value) != actor.name_key:
                    also = segs
                    break
        desc = (actor.description_en or actor.description_fr) if lang == "en" else (actor.description_fr or actor.description_en)
        score = result.scores.get(actor_id)
        item.update(
            exact=actor_id in result.exact,
            semantic_only=actor_id in result.semantic_only,
            partial=result.partial,
            score=None if score is None or score == float("inf") else round(score, 6),
            highlight={
                "name": _pairs(name_segs),
                "alias": _pairs(also) if also else None,
                "description": _pairs(snippet(desc, result.terms)),
            },
        )
        out.append(item)
    return out


def _pairs(segs) -> list[dict]:
    return [{"text": s, "match": hit} for s, hit in segs]


def facets(counts: dict[str, dict[str, int]] | None, f: ActorFilter, scale: tuple[str, ...],
           taxonomies: dict[str, Taxonomy], lang: str) -> dict[str, list[dict]] | None:
    if counts is None:
        return None
    geo = gazetteer()
    out: dict[str, list[dict]] = {}
    for facet, tax_name in FACETS.items():
        c, chosen = counts.get(facet, {}), set(getattr(f, facet))
        if tax_name:
            values = [(t.code, t.label(lang), t.parent) for t in taxonomies[tax_name].terms.values()]
        elif facet == "region":
            values = sorted(((code, name, None) for code, name in geo.regions.items()), key=lambda v: fold(v[1]))
        else:
            values = [(code, f"{code} – {name}", region) for code, (name, region) in geo.departements.items()]
        out[facet] = [
            {"code": code, "label": label, "count": c.get(code, 0), "parent": parent, "selected": code in chosen}
            for code, label, parent in values
        ]
    out["scale"] = [
        {"code": code, "label": label, "count": counts.get("scale", {}).get(code, 0), "parent": None,
         "selected": code in scale}
        for code, label in SCALE_LABELS.items()
    ]
    return out

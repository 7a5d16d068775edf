"""An actor with all its facts as a plain dict (JSON API, JSON export), with labels in one language
and the source of every fact."""

from __future__ import annotations

from datetime import date, datetime

from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.models import Actor, Site, Source
from bioatlas.atlas.queries import sources_of
from bioatlas.atlas.records import APPROXIMATE
from bioatlas.atlas.taxonomy import CAPABILITY_FACETS, Taxonomy, load_taxonomies


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def ordered_sites(actor: Actor) -> list[Site]:
    """Head office first, then the other sites in the order they were recorded."""
    return sorted(actor.sites, key=lambda s: (s.role != "hq", s.id or 0))


def source_to_dict(source: Source) -> dict:
    return {
        "id": source.id,
        "title": source.title,
        "kind": source.kind,
        "url": source.url,
        "licence": source.licence,
        "published": _iso(source.published),
    }


def site_to_dict(site: Site, taxonomies: dict[str, Taxonomy], lang: str) -> dict:
    geo = gazetteer()
    return {
        "id": site.id,
        "role": site.role,
        "role_label": taxonomies["site_roles"].label(site.role, lang),
        "address": site.address,
        "postcode": site.postcode,
        "commune_insee": site.commune_insee,
        "commune_name": site.commune_name,
        "departement": site.departement,
        "departement_name": geo.departement_name(site.departement) if site.departement else None,
        "region": site.region,
        "region_name": geo.region_name(site.region) if site.region else None,
        "country": site.country,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "precision": site.precision,
        "approximate": site.precision in APPROXIMATE,
        "source_id": site.source_id,
    }


def actor_to_dict(actor: Actor, lang: str = "fr", *, taxonomies: dict[str, Taxonomy] | None = None) -> dict:
    """Every fact of an actor. Codes come with their label in `lang`; each fact names its source
    (`source_id`, described in `sources`)."""
    tax = taxonomies if taxonomies is not None else load_taxonomies()
    scheme_order = list(tax["identifier_schemes"].terms)
    name_order = list(tax["name_types"].terms)
    description = actor.description_en if lang == "en" and actor.description_en else actor.description_fr
    return {
        "id": actor.id,
        "url": f"/actors/{actor.id}",
        "name": actor.name,
        "kind": actor.kind,
        "kind_label": tax["kinds"].label(actor.kind, lang),
        "status": actor.status,
        "description": description or actor.description_en,
        "description_fr": actor.description_fr,
        "description_en": actor.description_en,
        "scale_litres": actor.scale_litres,
        "gmp": actor.gmp,
        "gmp_label": tax["gmp_status"].label(actor.gmp, lang) if actor.gmp else None,
        "naf_code": actor.naf_code,
        "headcount_band": actor.headcount_band,
        "headcount_label": tax["headcount_bands"].label(actor.headcount_band, lang) if actor.headcount_band else None,
        "headcount_year": actor.headcount_year,
        "names": [
            {
                "type": n.type,
                "type_label": tax["name_types"].label(n.type, lang),
                "value": n.value,
                "lang": n.lang,
                "source_id": n.source_id,
            }
            for n in sorted(actor.names, key=lambda n: (_rank(name_order, n.type), n.value))
        ],
        "identifiers": [
            {
                "scheme": i.scheme,
                "label": tax["identifier_schemes"].label(i.scheme, lang),
                "value": i.value,
                "source_id": i.source_id,
            }
            for i in sorted(actor.identifiers, key=lambda i: (_rank(scheme_order, i.scheme), i.value))
        ],
        "sites": [site_to_dict(s, tax, lang) for s in ordered_sites(actor)],
        "capabilities": {
            facet: [
                {"code": c.code, "label": tax[facet].label(c.code, lang), "source_id": c.source_id}
                for c in sorted(
                    (c for c in actor.capabilities if c.facet == facet),
                    key=lambda c: _rank(list(tax[facet].terms), c.code),
                )
            ]
            for facet in CAPABILITY_FACETS
        },
        "relations": [
            {
                "relation": r.relation,
                "relation_label": tax["relation_types"].label(r.relation, lang),
                "target_id": r.target_id,
                "target_name": r.target.name if r.target is not None else None,
                "target_url": f"/actors/{r.target_id}",
                "source_id": r.source_id,
            }
            for r in sorted(actor.relations, key=lambda r: (r.relation, r.target_id))
        ],
        "provenance": {
            fs.field: {"source_id": fs.source_id, "recorded_at": _iso(fs.recorded_at)}
            for fs in sorted(actor.field_sources, key=lambda fs: fs.field)
        },
        "sources": [source_to_dict(s) for s in sources_of(actor)],
        "created_at": _iso(actor.created_at),
        "updated_at": _iso(actor.updated_at),
    }


def _rank(order: list[str], code: str) -> int:
    return order.index(code) if code in order else len(order)

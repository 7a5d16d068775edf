"""What a Tantivy document of an actor holds (`search/tantivy_index.py` writes them): the words of
its `search_documents` row (`names`, `body`), its facet codes with their taxonomy ancestors and its
sites' regions and départements as raw fast fields (filters), the same codes as signatures (below:
what the facet counts aggregate), its status, "sector" when in the sector scope, its scale in litres
and that scale's range code, and its sites' map cells (`tantivy_geo`).

Signatures: a terms aggregation over a multi-valued column costs ~30 ms per million documents
plus ~9 ns per value; over a single-valued one with few distinct values, ~1-3 ms per million
documents (1M, 2026-12-07). So each document holds, per group of facets, ONE value: the set of
its codes (with ancestors) as "<facet>:<code>|<facet>:<code>…" (NONE when it has none).
Counting the signatures, then adding each signature's count to each of its codes, gives every
code's count exactly (a document holds distinct codes). Distinct signatures per group are few
(at 1M synthetic actors: 450 for kind + GMP + scale, 322 modality sets, 386 step sets, 27
expression sets); sets of sites' places are not (61,000 region + département sets), and a
column of 728 region sets cost 10 ms per million documents, so a site's region and département
take slots instead: the document's first, second and third (distinct, in code order) each in
its own single-valued column (`SLOTS`), the others in a multi-valued column (SITE_MORE).
"""

from __future__ import annotations

from collections import defaultdict

import tantivy
from sqlalchemy import select
from sqlalchemy.orm import Session

# reads atlas tables: search is the atlas's read model
from bioatlas.atlas.models import Actor, Capability, ScopeReason, Site
from bioatlas.atlas.service import Taxonomy
from bioatlas.search import tantivy_geo
from bioatlas.search.models import SearchDocument
from bioatlas.search.params import SCALES

BATCH = 20_000
FACET_FIELDS = ("kind", "gmp", "modality", "step", "expression", "region", "departement")
SCALE_RANGE = "scale_range"  # the scale's range code ("10-200"), also in the signature SIGNATURES["sig_actor"]
SIGNATURES = {  # single-valued column: the facets whose codes it holds, as one value per document
    "sig_actor": ("kind", "gmp", "scale"),
    "sig_modality": ("modality",),
    "sig_step": ("step",),
    "sig_expression": ("expression",),
}
SITE_FACETS = ("region", "departement")
SITE_SLOTS = 3  # a document's first three regions and départements each in a single-valued column
SLOTS = {f"{facet}_{i + 1}": (facet, i) for facet in SITE_FACETS for i in range(SITE_SLOTS)}
SITE_MORE = "site_more"  # multi-valued: "<facet>:<code>" of the regions and départements past the slots
COUNTED = {**SIGNATURES, **{column: (facet,) for column, (facet, _) in SLOTS.items()}, SITE_MORE: SITE_FACETS}
NONE = "-"  # the value of a document without codes in the group or slot
_TAXONOMY = {"kind": "kinds", "gmp": "gmp_status", "modality": "modalities", "step": "value_chain",
             "expression": "expression_systems"}
_CAPABILITY = {"modalities": "modality", "value_chain": "step", "expression_systems": "expression"}


def schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("actor_id", stored=False, indexed=True, fast=True)
    sb.add_text_field("names", stored=False, index_option="freq")
    sb.add_text_field("body", stored=False, index_option="freq")
    for name in (*FACET_FIELDS, "status", "scope"):
        sb.add_text_field(name, stored=False, fast=True, tokenizer_name="raw", index_option="basic")
    for name in COUNTED:
        sb.add_text_field(name, stored=False, fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_float_field("scale", stored=False, indexed=True, fast=True)
    # its range code (params.SCALES): a term filters and counts ~10x faster than a float range
    sb.add_text_field(SCALE_RANGE, stored=False, fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field(tantivy_geo.FIELD, stored=False, indexed=True, fast=False)  # its sites' map cells
    return sb.build()


def scale_range(litres: float | None) -> str | None:
    """The range of params.SCALES holding this scale ([low, high) litres), None without one."""
    if litres is None:
        return None
    for code, (low, high) in SCALES.items():
        if litres >= low and (high is None or litres < high):
            return code
    return None


def _expand(tax: Taxonomy | None, codes: set[str]) -> list[str]:
    """The codes with every ancestor (a filter or count on `company` covers `startup`)."""
    out = set(codes)
    if tax is not None:
        for code in codes:
            term = tax.terms.get(code)
            while term is not None and term.parent:
                out.add(term.parent)
                term = tax.terms.get(term.parent)
    return sorted(out)


def documents(session: Session, ids: list[int] | None, taxonomies: dict[str, Taxonomy], *, after: int = 0,
               limit: int = BATCH) -> tuple[list[tantivy.Document], int]:
    """Documents of these actors (or of the `limit` actors after id `after` when `ids` is None),
    and the last actor id read."""
    if ids is None:
        rows = session.execute(select(SearchDocument.actor_id, SearchDocument.names, SearchDocument.body)
                               .where(SearchDocument.actor_id > after).order_by(SearchDocument.actor_id).limit(limit)).all()
    else:
        rows = session.execute(select(SearchDocument.actor_id, SearchDocument.names, SearchDocument.body)
                               .where(SearchDocument.actor_id.in_(ids))).all()
    if not rows:
        return [], after
    chosen = [r[0] for r in rows]
    lo, hi = min(chosen), max(chosen)
    in_range = (lambda col: col.in_(chosen)) if ids is not None else (lambda col: col.between(lo, hi))
    facets: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    plain: dict[int, dict[str, object]] = {}
    for actor_id, kind, gmp, status, scale in session.execute(
        select(Actor.id, Actor.kind, Actor.gmp, Actor.status, Actor.scale_litres).where(in_range(Actor.id))
    ):
        facets[actor_id]["kind"].add(kind)
        if gmp:
            facets[actor_id]["gmp"].add(gmp)
        plain[actor_id] = {"status": status or ""} | ({"scale": float(scale)} if scale is not None else {})
        code = scale_range(scale)
        if code:
            plain[actor_id][SCALE_RANGE] = code
            facets[actor_id]["scale"].add(code)
    for (actor_id,) in session.execute(select(ScopeReason.actor_id).where(in_range(ScopeReason.actor_id)).distinct()):
        if actor_id in plain:
            plain[actor_id]["scope"] = "sector"
    for actor_id, facet, code in session.execute(
        select(Capability.actor_id, Capability.facet, Capability.code).where(in_range(Capability.actor_id))
    ):
        if facet in _CAPABILITY:
            facets[actor_id][_CAPABILITY[facet]].add(code)
    cells: dict[int, set[int]] = defaultdict(set)
    for actor_id, region, dept, lat, lon in session.execute(
        select(Site.actor_id, Site.region, Site.departement, Site.latitude, Site.longitude).where(in_range(Site.actor_id))
    ):
        cells[actor_id].update(tantivy_geo.site_cells(lat, lon))
        if region:
            facets[actor_id]["region"].add(region)
        if dept:
            facets[actor_id]["departement"].add(dept)
    docs = []
    for actor_id, names, body in rows:
        values: dict[str, object] = {"actor_id": int(actor_id), "names": names or "", "body": body or "",
                                     **plain.get(actor_id, {})}
        if actor_id in cells:
            values[tantivy_geo.FIELD] = sorted(cells[actor_id])
        expanded = {name: _expand(taxonomies.get(_TAXONOMY[name]) if name in _TAXONOMY else None, codes)
                    for name, codes in facets.get(actor_id, {}).items()}
        for name, codes in expanded.items():
            if name != "scale":  # its own field is SCALE_RANGE, set above
                values[name] = codes
        values.update(signatures(expanded))
        docs.append(tantivy.Document(**values))
    return docs, hi


def signatures(expanded: dict[str, list[str]]) -> dict[str, object]:
    """The counted columns' values of a document with these codes per facet (ancestors included)."""
    out: dict[str, object] = {column: "|".join(f"{name}:{code}" for name in names for code in expanded.get(name, ())) or NONE
                              for column, names in SIGNATURES.items()}
    for column, (facet, i) in SLOTS.items():
        codes = expanded.get(facet, [])
        out[column] = f"{facet}:{codes[i]}" if i < len(codes) else NONE
    more = [f"{facet}:{code}" for facet in SITE_FACETS for code in expanded.get(facet, [])[SITE_SLOTS:]]
    if more:
        out[SITE_MORE] = more
    return out


def codes_of(signature: str) -> list[tuple[str, str]]:
    """(facet, code) of a signature column's value (none for NONE)."""
    if signature == NONE:
        return []
    return [(facet, code) for facet, _, code in (part.partition(":") for part in signature.split("|"))]

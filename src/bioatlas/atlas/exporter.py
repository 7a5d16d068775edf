"""Download a view of the atlas as CSV, XLSX, JSON or GeoJSON.

CSV and XLSX have one row per actor under the field names the importer reads, so a file exported
and imported again changes nothing. CSV cells that a spreadsheet would run as a formula get a
leading apostrophe, which the importer removes. `stream_export` yields the file in pieces
(CSV, JSON, GeoJSON row by row) for a streaming HTTP response.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from sqlalchemy.orm import Session

from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.importer.reader import neutralise_formula
from bioatlas.atlas.models import Actor
from bioatlas.atlas.queries import iter_actors, sources_of
from bioatlas.atlas.serialize import actor_to_dict, ordered_sites
from bioatlas.atlas.taxonomy import CAPABILITY_FACETS, Taxonomy

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "geojson": "application/geo+json",
}
COLUMNS = (
    "id", "name", "legal_name", "acronym", "name_en", "kind", "status", "siren", "siret", "ror", "rnsr", "wikidata",
    "vat", "website", "site_role", "address", "postcode", "commune", "insee", "latitude", "longitude", "precision", "modalities",
    "value_chain", "expression_systems", "scale_litres", "gmp", "naf", "headcount", "headcount_year", "description_fr",
    "description_en", "clusters", "sources",
)
IDENTIFIER_COLUMNS = ("siren", "siret", "ror", "rnsr", "wikidata", "vat", "website")
CSV_DELIMITER = ";"  # what a French spreadsheet opens without asking


def export_actors(
    session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], fmt: str, lang: str = "fr"
) -> bytes:
    """The whole file for the actors of a view."""
    return b"".join(stream_export(session, f=f, taxonomies=taxonomies, fmt=fmt, lang=lang))


def stream_export(
    session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], fmt: str, lang: str = "fr"
) -> Iterator[bytes]:
    """The file in pieces; actors are read from the database in batches."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    actors = iter_actors(session, f=f, taxonomies=taxonomies)
    if fmt == "csv":
        return _csv(actors, taxonomies, lang)
    if fmt == "xlsx":
        return iter([_xlsx(actors, taxonomies, lang)])
    if fmt == "json":
        return _json(actors, taxonomies, lang)
    return _geojson(actors, f, taxonomies, lang)


# -- one spreadsheet row per actor ----------------------------------------------------------
def _label(tax: Taxonomy, code: str | None, lang: str) -> str | None:
    """The label in `lang` when the importer reads it back as the same code, else the code."""
    if code is None:
        return None
    label = tax.label(code, lang)
    if tax.resolve(label) == code and not any(ch in label for ch in ",;|"):
        return label
    return code


def _join(values: list[str]) -> str | None:
    """Multiple values as the importer splits them ('a; b'); a lone value with a comma keeps it."""
    values = [v for v in values if v]
    if not values:
        return None
    text = "; ".join(values)
    if len(values) == 1 and "," in text and not any(ch in text for ch in ";|\n"):
        text += ";"  # otherwise the comma would split it
    return text


def actor_row(actor: Actor, taxonomies: dict[str, Taxonomy], lang: str) -> dict[str, object]:
    """The spreadsheet row of an actor: field name -> text or number (None when empty)."""
    names = {t: [n.value for n in sorted(actor.names, key=lambda n: n.value) if n.type == t] for t in ("legal", "acronym", "label_en")}
    ids = {s: sorted(i.value for i in actor.identifiers if i.scheme == s) for s in IDENTIFIER_COLUMNS}
    sites = ordered_sites(actor)
    site = sites[0] if sites else None
    row: dict[str, object] = {
        "id": actor.id,
        "name": actor.name,
        "legal_name": names["legal"][0] if names["legal"] else None,
        "acronym": _join(names["acronym"]),
        "name_en": names["label_en"][0] if names["label_en"] else None,
        "kind": _label(taxonomies["kinds"], actor.kind, lang),
        "status": actor.status,
        **{s: _join(ids[s]) for s in IDENTIFIER_COLUMNS},
        "site_role": _label(taxonomies["site_roles"], site.role, lang) if site else None,
        "address": site.address if site else None,
        "postcode": site.postcode if site else None,
        "commune": site.commune_name if site else None,
        "insee": site.commune_insee if site else None,
        "latitude": site.latitude if site else None,
        "longitude": site.longitude if site else None,
        "precision": site.precision if site else None,
    }
    for facet in CAPABILITY_FACETS:
        tax = taxonomies[facet]
        codes = sorted((c.code for c in actor.capabilities if c.facet == facet), key=lambda c: list(tax.terms).index(c) if c in tax.terms else len(tax.terms))
        row[facet] = _join([_label(tax, c, lang) or c for c in codes])
    row["scale_litres"] = actor.scale_litres
    row["gmp"] = _label(taxonomies["gmp_status"], actor.gmp, lang)
    row["naf"] = actor.naf_code
    row["headcount"] = _label(taxonomies["headcount_bands"], actor.headcount_band, lang)
    row["headcount_year"] = actor.headcount_year
    row["description_fr"] = actor.description_fr
    row["description_en"] = actor.description_en
    members = sorted(r.target.name for r in actor.relations if r.relation == "member_of" and r.target is not None)
    row["clusters"] = _join(members)
    row["sources"] = "; ".join(s.title for s in sources_of(actor))
    return row


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value)


def _csv(actors: Iterator[Actor], taxonomies: dict[str, Taxonomy], lang: str) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow(COLUMNS)
    yield b"\xef\xbb\xbf" + flush()  # BOM: Excel then reads the accents right
    for actor in actors:
        row = actor_row(actor, taxonomies, lang)
        writer.writerow([neutralise_formula(_text(row[c])) for c in COLUMNS])
        yield flush()


def _xlsx(actors: Iterator[Actor], taxonomies: dict[str, Taxonomy], lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("actors")
    ws.freeze_panes = "C2"
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for actor in actors:
        row = actor_row(actor, taxonomies, lang)
        cells = []
        for name in COLUMNS:
            value = row[name]
            if isinstance(value, str):
                cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"  # text, never a formula, even when it starts with '='
            else:
                cell = WriteOnlyCell(ws, value=value)
            cells.append(cell)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- JSON and GeoJSON ---------------------------------------------------------------------
def _json(actors: Iterator[Actor], taxonomies: dict[str, Taxonomy], lang: str) -> Iterator[bytes]:
    yield b"["
    for i, actor in enumerate(actors):
        data = json.dumps(actor_to_dict(actor, lang, taxonomies=taxonomies), ensure_ascii=False)
        yield (",\n" if i else "\n").encode() + data.encode("utf-8")
    yield b"\n]\n"


def _geojson(actors: Iterator[Actor], f: ActorFilter, taxonomies: dict[str, Taxonomy], lang: str) -> Iterator[bytes]:
    kinds, roles = taxonomies["kinds"], taxonomies["site_roles"]
    yield b'{"type": "FeatureCollection", "features": ['
    first = True
    for actor in actors:
        for site in ordered_sites(actor):
            if site.latitude is None or site.longitude is None:
                continue
            if (f.region and site.region not in f.region) or (f.departement and site.departement not in f.departement):
                continue
            feature = {
                "type": "Feature",
                "id": site.id,
                "geometry": {"type": "Point", "coordinates": [site.longitude, site.latitude]},
                "properties": {
                    "id": actor.id,
                    "name": actor.name,
                    "kind": actor.kind,
                    "kind_label": kinds.label(actor.kind, lang),
                    "site_role": site.role,
                    "site_role_label": roles.label(site.role, lang),
                    "commune": site.commune_name,
                    "postcode": site.postcode,
                    "departement": site.departement,
                    "region": site.region,
                    "url": f"/actors/{actor.id}",
                },
            }
            yield (b"" if first else b",") + b"\n" + json.dumps(feature, ensure_ascii=False).encode("utf-8")
            first = False
    yield b"\n]}\n"

"""Download a view of the atlas as CSV, XLSX, JSON or GeoJSON.

CSV and XLSX have one row per actor under the field names the importer reads, so a file exported
and imported again changes nothing. CSV cells that a spreadsheet would run as a formula get a
leading apostrophe, which the importer removes. `stream_export` yields the file in pieces
(CSV, JSON, GeoJSON row by row; XLSX from a temporary file) and `stream_in_session` groups them
in pieces of about CHUNK bytes read in a session of its own: the HTTP response and the CLI write
them as they come, so memory stays bounded whatever the view's size (issue 19).

The actors are read set-based (`export_rows.iter_plain_actors`: one SELECT per fact table and
batch, plain rows shaped like the model) and the XLSX is written by openpyxl's write-only
workbook, row by row, to a temporary file.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterator

from sqlalchemy.orm import Session

from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.importer.reader import neutralise_formula
from bioatlas.atlas.export_rows import Plain, SheetFacts, iter_plain_actors, iter_sheet_facts
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
CHUNK = 64 * 1024  # bytes per piece handed to the HTTP response or the file


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
    if fmt == "csv":
        return _csv(iter_sheet_facts(session, f=f, taxonomies=taxonomies), taxonomies, lang)
    if fmt == "xlsx":
        return _xlsx(iter_sheet_facts(session, f=f, taxonomies=taxonomies), taxonomies, lang)
    actors = iter_plain_actors(session, f=f, taxonomies=taxonomies)
    if fmt == "json":
        return _json(actors, taxonomies, lang)
    return _geojson(actors, f, taxonomies, lang)


def stream_in_session(
    factory: Callable[[], Session], *, f: ActorFilter, taxonomies: dict[str, Taxonomy], fmt: str, lang: str = "fr",
    chunk: int = CHUNK,
) -> Iterator[bytes]:
    """`stream_export` in pieces of about `chunk` bytes, read in a session of its own (opened at
    the first piece, closed after the last or when the reader stops): a streamed HTTP response
    outlives the request's session."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")

    def pieces() -> Iterator[bytes]:
        with factory() as session:
            buffer: list[bytes] = []
            size = 0
            for piece in stream_export(session, f=f, taxonomies=taxonomies, fmt=fmt, lang=lang):
                buffer.append(piece)
                size += len(piece)
                if size >= chunk:
                    yield b"".join(buffer)
                    buffer, size = [], 0
            if buffer:
                yield b"".join(buffer)

    return pieces()


# -- one spreadsheet row per actor ----------------------------------------------------------
def _label(tax: Taxonomy, code: str | None, lang: str) -> str | None:
    """The label in `lang` when the importer reads it back as the same code, else the code."""
    if code is None:
        return None
    key = (tax.name, code, lang)
    found = _LABELS.get(key)
    if found is not None and found[0] is tax:
        return found[1]
    label = tax.label(code, lang)
    text = label if tax.resolve(label) == code and not any(ch in label for ch in ",;|") else code
    if len(_LABELS) > 10_000:  # taxonomies reloaded many times (tests): start again
        _LABELS.clear()
    _LABELS[key] = (tax, text)
    return text


_LABELS: dict[tuple[str, str, str], tuple[Taxonomy, str]] = {}  # (taxonomy, code, lang) -> (its object, label)


def _join(values: list[str]) -> str | None:
    """Multiple values as the importer splits them ('a; b'); a lone value with a comma keeps it."""
    values = [v for v in values if v]
    if not values:
        return None
    text = "; ".join(values)
    if len(values) == 1 and "," in text and not any(ch in text for ch in ";|\n"):
        text += ";"  # otherwise the comma would split it
    return text


def _order(tax: Taxonomy) -> dict[str, int]:
    """Code -> its rank in the taxonomy file (cached per taxonomy object)."""
    found = _ORDERS.get(tax.name)
    if found is None or found[0] is not tax:
        found = _ORDERS[tax.name] = (tax, {code: i for i, code in enumerate(tax.terms)})
    return found[1]


_ORDERS: dict[str, tuple[Taxonomy, dict[str, int]]] = {}


def actor_row(facts: SheetFacts, taxonomies: dict[str, Taxonomy], lang: str) -> list[object]:
    """The spreadsheet row of an actor, in `COLUMNS` order: text or number (None when empty)."""
    (actor_id, name, kind, status, scale_litres, gmp, naf_code, headcount_band, headcount_year,
     description_fr, description_en) = facts.actor
    names: dict[str, list[str]] = {"legal": [], "acronym": [], "label_en": []}
    for type_, value, _ in facts.names:
        if type_ in names:
            names[type_].append(value)
    for values in names.values():
        values.sort()
    ids: dict[str, list[str]] = {s: [] for s in IDENTIFIER_COLUMNS}
    for scheme, value, _ in facts.identifiers:
        if scheme in ids:
            ids[scheme].append(value)
    site = facts.site
    row: list[object] = [
        actor_id, name,
        names["legal"][0] if names["legal"] else None,
        _join(names["acronym"]),
        names["label_en"][0] if names["label_en"] else None,
        _label(taxonomies["kinds"], kind, lang),
        status,
        *(_join(sorted(ids[s])) for s in IDENTIFIER_COLUMNS),
    ]
    if site is not None:
        _, role, address, postcode, commune, insee, latitude, longitude, precision, _ = site
        row += [_label(taxonomies["site_roles"], role, lang), address, postcode, commune, insee, latitude, longitude,
                precision]
    else:
        row += [None] * 8
    for facet in CAPABILITY_FACETS:
        tax = taxonomies[facet]
        order = _order(tax)
        codes = sorted((code for f, code, _ in facts.capabilities if f == facet), key=lambda c: order.get(c, len(order)))
        row.append(_join([_label(tax, c, lang) or c for c in codes]))
    row += [
        scale_litres,
        _label(taxonomies["gmp_status"], gmp, lang),
        naf_code,
        _label(taxonomies["headcount_bands"], headcount_band, lang),
        headcount_year,
        description_fr,
        description_en,
        _join(sorted(facts.members)),
        "; ".join(facts.sources),
    ]
    return row


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value)


def _csv_cell(value: object) -> str:
    """`neutralise_formula(_text(value))`, with the common cases first."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise_formula(value) if value and value[0] in _TRIGGER_CHARS else value
    return neutralise_formula(_text(value))


_TRIGGER_CHARS = frozenset("=+-@\t\r'")


def _csv(actors: Iterator[SheetFacts], taxonomies: dict[str, Taxonomy], lang: str) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow(COLUMNS)
    yield b"\xef\xbb\xbf" + flush()  # BOM: Excel then reads the accents right
    for facts in actors:
        writer.writerow([_csv_cell(v) for v in actor_row(facts, taxonomies, lang)])
        yield flush()


def _xlsx(actors: Iterator[SheetFacts], taxonomies: dict[str, Taxonomy], lang: str) -> Iterator[bytes]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
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
    for facts in actors:
        cells: list[object] = []
        for value in actor_row(facts, taxonomies, lang):
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
                if value.startswith("=") or value in ERROR_CODES:  # openpyxl would type these formula / error
                    cell = WriteOnlyCell(ws, value=value)
                    cell.data_type = "s"  # text, never a formula
                    value = cell
            cells.append(value)
        ws.append(cells)
    with tempfile.TemporaryFile() as out:  # the zip on disk, read back in pieces
        wb.save(out)
        out.seek(0)
        while piece := out.read(CHUNK):
            yield piece


# -- JSON and GeoJSON ---------------------------------------------------------------------
def _json(actors: Iterator[Plain], taxonomies: dict[str, Taxonomy], lang: str) -> Iterator[bytes]:
    yield b"["
    for i, actor in enumerate(actors):
        data = json.dumps(actor_to_dict(actor, lang, taxonomies=taxonomies), ensure_ascii=False)
        yield (",\n" if i else "\n").encode() + data.encode("utf-8")
    yield b"\n]\n"


def _geojson(actors: Iterator[Plain], f: ActorFilter, taxonomies: dict[str, Taxonomy], lang: str) -> Iterator[bytes]:
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

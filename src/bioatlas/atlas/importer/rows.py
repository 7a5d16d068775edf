"""Turn one row of an import file into an `ActorRecord`, or say what is wrong with each cell.

Nothing here writes: cluster names are checked against the atlas (and the earlier rows of the
file) and resolved to actor ids only when the run writes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bioatlas.atlas.geocode import Gazetteer, GeocodeError, Place, gazetteer
from bioatlas.atlas.importer import validators as v
from bioatlas.core.fields import FieldError
from bioatlas.atlas.importer.errors import RowError
from bioatlas.atlas.importer.headers import ColumnMapping
from bioatlas.atlas.records import PRECISIONS, ActorRecord, SiteRecord, SourceRecord
from bioatlas.atlas.taxonomy import CAPABILITY_FACETS, Taxonomy
from bioatlas.atlas.writer import STRONG_SCHEMES, MatchError, find_by_name
from bioatlas.core.reports import Note
from bioatlas.core.text import fold, split_multi

SOURCE_KINDS = ("article", "file", "open_data", "user")  # writer.SOURCE_RANK

TEXT_LIMITS = {
    "name": 500, "legal_name": 500, "acronym": 500, "name_en": 500, "address": 500, "commune": 200,
    "source": 500, "licence": 200, "postcode": 10, "insee": 5,
}
IDENTIFIER_FIELDS = {
    "siren": v.siren, "siret": v.siret, "ror": v.ror, "rnsr": v.rnsr, "wikidata": v.wikidata, "vat": v.vat,
    "website": v.website,
}
STATUSES = {
    "active": ("active", "actif", "active", "en activite", "open", "ouvert", "oui", "yes"),
    "inactive": ("inactive", "inactif", "ferme", "fermee", "closed", "cesse", "cessee", "dissous", "dissolved"),
    "withdrawn": ("withdrawn", "retire", "supprime"),
}
SCALE_UNIT = r"l|litres?|liters?"
LOCATION_FIELDS = ("postcode", "commune", "insee", "latitude", "longitude", "address")


@dataclass
class RowContext:
    """What every row of one file is checked against."""

    taxonomies: dict[str, Taxonomy]
    mapping: ColumnMapping
    file_source: SourceRecord
    session: Session | None = None
    geo: Gazetteer = field(default_factory=gazetteer)
    known_names: dict[str, int] = field(default_factory=dict)  # folded names of earlier valid rows -> line


@dataclass
class RowResult:
    line: int
    record: ActorRecord | None = None
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)  # names of the clusters the actor is a member of
    keys: list[tuple[str, str, str, str]] = field(default_factory=list)  # (what, key, field, shown): duplicates

    @property
    def ok(self) -> bool:
        return self.record is not None and not self.errors

    def names(self) -> set[str]:
        """Folded names this row's actor can be called by (for later rows' cluster references)."""
        if self.record is None:
            return set()
        values = [self.record.name] + [value for _, value, _ in self.record.names or []]
        return {fold(x) for x in values if fold(x)}


def build_record(line: int, row: dict[str, str], ctx: RowContext) -> RowResult:
    """Check one row (header -> cell text) and build its record."""
    return _Row(line, row, ctx).build()


class _Row:
    def __init__(self, line: int, row: dict[str, str], ctx: RowContext):
        self.line, self.ctx = line, ctx
        self.cells = ctx.mapping.values(row)
        self.result = RowResult(line)

    # -- cell helpers ------------------------------------------------------------------
    def fail(self, name: str, reason: str | Exception, value: str | None = None) -> None:
        """A refused cell: `reason` the English text, or a validator's refusal (a message id, shown in the
        reader's language by the API: `RowError.said`)."""
        raw = value if value is not None else self.cells.get(name, "").strip()
        refusal = reason if isinstance(reason, FieldError) else None
        text = refusal.message if refusal is not None else str(reason)
        self.result.errors.append(RowError(self.line, self.ctx.mapping.header(name), raw or None, text, refusal=refusal))

    def warn(self, warning: v.CellError) -> None:
        """A warning on this row, its line kept (in the reader's language through the API)."""
        self.result.warnings.append(Note(v.CellError("", "line {line}: {reason}", params={"line": self.line, "reason": warning})))

    def text(self, name: str) -> str | None:
        try:
            return v.clean_text(self.cells.get(name, ""), TEXT_LIMITS.get(name, v.MAX_TEXT))
        except ValueError as exc:
            self.fail(name, exc)
            return None

    def check(self, name: str, func, *args, **kwargs):
        value = self.text(name)
        if value is None:
            return None
        try:
            return func(value, *args, **kwargs)
        except ValueError as exc:
            self.fail(name, exc)
            return None

    def term(self, name: str, taxonomy: str) -> str | None:
        value = self.text(name)
        if value is None:
            return None
        tax = self.ctx.taxonomies[taxonomy]
        code = tax.resolve(value)
        if code is None:
            self.fail(name, v.CellError("", "unknown value {value}; accepted: {accepted}",
                                         params={"value": repr(value), "accepted": ", ".join(tax.terms)}))
        return code

    # -- the record --------------------------------------------------------------------
    def build(self) -> RowResult:
        has = self.ctx.mapping.has
        name, legal = self.text("name"), self.text("legal_name")
        if not name and not legal and not any(self.cells.get(f, "").strip() for f in ("name", "legal_name")):
            self.fail("name" if has("name") else "legal_name", v.CellError("", "the name is required"))
        record = ActorRecord(name=name or legal or "")
        record.kind = self.term("kind", "kinds")
        record.status = self._status()
        if has("id"):
            record.actor_id = self.check("id", _actor_id)
        if has("legal_name", "acronym", "name_en"):
            record.names = [("legal", legal, "fr")] if legal else []
            acronyms = self.text("acronym")
            record.names += [("acronym", a, None) for a in dict.fromkeys(split_multi(acronyms or ""))]
            name_en = self.text("name_en")
            if name_en:
                record.names.append(("label_en", name_en, "en"))
        for scheme, func in IDENTIFIER_FIELDS.items():
            values = self._identifiers(scheme, func)
            if values:
                record.identifiers[scheme] = values
        for facet in CAPABILITY_FACETS:
            if has(facet):
                record.capabilities[facet] = self._codes(facet)
        record.gmp = self.term("gmp", "gmp_status")
        record.scale_litres = self.check("scale_litres", v.positive, unit=SCALE_UNIT)
        record.naf_code = self.check("naf", v.naf)
        record.headcount_band = self.term("headcount", "headcount_bands")
        record.headcount_year = self.check("headcount_year", v.year)
        record.description_fr = self.text("description_fr")
        record.description_en = self.text("description_en")
        site = self._site()
        record.sites = [site] if site is not None else None
        if has("clusters"):
            record.relations = []  # filled with actor ids when the row is written
            self.result.clusters = self._clusters()
        record.source = self._source() or self.ctx.file_source
        if not self.result.errors:
            self.result.record = record
            self._keys(record, site)
        return self.result

    def _status(self) -> str | None:
        value = self.text("status")
        if value is None:
            return None
        key = fold(value)
        for code, words in STATUSES.items():
            if key in words:
                return code
        self.fail("status", v.CellError("", "unknown status {value}; accepted: {accepted}",
                                        params={"value": repr(value), "accepted": ", ".join(STATUSES)}))
        return None

    def _identifiers(self, scheme: str, func) -> list[str]:
        out: list[str] = []
        for part in split_multi(self.text(scheme) or ""):
            try:
                value = func(part)
            except ValueError as exc:
                self.fail(scheme, exc, part)
                continue
            if value not in out:
                out.append(value)
        return out

    def _codes(self, facet: str) -> list[str]:
        tax = self.ctx.taxonomies[facet]
        codes: list[str] = []
        for part in split_multi(self.text(facet) or ""):
            code = tax.resolve(part)
            if code is None:
                self.fail(facet, v.CellError("", "unknown value {value}; accepted: {accepted}",
                                             params={"value": repr(part), "accepted": ", ".join(tax.terms)}), part)
            elif code not in codes:
                codes.append(code)
        return codes

    def _site(self) -> SiteRecord | None:
        geo = self.ctx.geo
        address = self.text("address")
        postcode = (self.text("postcode") or "").replace(" ", "")
        if postcode.isdigit() and len(postcode) == 4:
            postcode = "0" + postcode
        commune, insee = self.text("commune"), self.text("insee")
        lat_raw, lon_raw = self.cells.get("latitude", "").strip(), self.cells.get("longitude", "").strip()
        lat = self.check("latitude", v.coordinate, -90, 90)
        lon = self.check("longitude", v.coordinate, -180, 180)
        role = self.term("site_role", "site_roles") or "hq"
        if bool(lat_raw) != bool(lon_raw):
            have, missing = ("latitude", "longitude") if lat_raw else ("longitude", "latitude")
            self.fail(have, v.CellError("", "a {have} needs a {missing} in the same row",
                                         params={"have": have, "missing": missing}))
            return None
        if (lat_raw and lat is None) or (lon_raw and lon is None):
            return None
        located = lat is not None and lon is not None
        stated = (self.text("precision") or "").strip().lower() or None  # an export's column: kept as stated
        if stated is not None and stated not in PRECISIONS:
            self.fail("precision", v.CellError("", "expected one of {allowed}, got {value}",
                                               params={"allowed": ", ".join(PRECISIONS), "value": repr(stated)}))
            return None
        if stated is not None and not located:
            stated = None  # a precision says how precise coordinates are: none given, the town's centre is used
        if postcode or commune or insee:
            try:
                place = geo.geocode(postcode=postcode, commune=commune, insee=insee)
            except GeocodeError as exc:
                if insee:
                    column = "insee"
                elif postcode and (postcode not in geo.by_postcode or not commune):
                    column = "postcode"
                else:
                    column = "commune"
                self.fail(column, exc)
                return None
            return SiteRecord(
                role=role, address=address, postcode=postcode or _single_postcode(geo, place),
                commune_insee=place.insee, commune_name=place.name, departement=place.departement,
                region=place.region, latitude=lat if located else place.latitude,
                longitude=lon if located else place.longitude,
                precision=stated or ("address" if located else "commune"),  # the file's coordinates, or the town's
            )
        if located:
            near = geo.nearest(lat, lon)
            if near is None:
                self.warn(v.CellError("", "the coordinates are not within 30 km of a French commune; the site has no commune"))
                return SiteRecord(role=role, address=address, latitude=lat, longitude=lon, precision=stated or "address")
            return SiteRecord(
                role=role, address=address, postcode=_single_postcode(geo, near), commune_insee=near.insee,
                commune_name=near.name, departement=near.departement, region=near.region, latitude=lat, longitude=lon,
                precision=stated or "address",
            )
        if address:
            self.warn(v.CellError("", "an address without postcode, commune or coordinates: the site is kept but not on the map"))
            return SiteRecord(role=role, address=address)
        if self.ctx.mapping.has(*LOCATION_FIELDS):
            self.warn(v.CellError("", "no location (postcode, commune, INSEE code or coordinates): the actor has no site"))
        return None

    def _clusters(self) -> list[str]:
        names: list[str] = []
        for part in split_multi(self.text("clusters") or ""):
            key = fold(part)
            if key in self.ctx.known_names:
                names.append(part)
                continue
            try:
                actor = find_by_name(self.ctx.session, part) if self.ctx.session is not None else None
            except MatchError as exc:
                self.fail("clusters", exc, part)
                continue
            if actor is None:
                self.fail("clusters", v.CellError("", "no actor named {name} in the atlas or on an earlier line of the file",
                                                  params={"name": repr(part)}), part)
            else:
                names.append(part)
        return names

    def _source(self) -> SourceRecord | None:
        title = self.text("source")
        url = self.check("source_url", v.website, max_len=1000)
        published = self.check("source_date", v.a_date)
        licence = self.text("licence")
        kind = (self.text("source_kind") or "").lower() or ("article" if url else "file")
        if kind not in SOURCE_KINDS:
            self.fail("source_kind", v.CellError("", "expected one of {allowed}", params={"allowed": ", ".join(SOURCE_KINDS)}), kind)
            kind = "file"
        if title or url:
            digest = hashlib.sha256(f"{fold(title or '')}\n{url or ''}".encode()).hexdigest()[:32]
            return SourceRecord(
                key=f"row:{digest}", title=title or (url or "")[:500], kind=kind, url=url,
                licence=licence, published=published,
            )
        for name, value in (("source_date", published), ("licence", licence)):
            if value:
                self.fail(name, v.CellError("", "a source date or licence needs a source title or URL in the same row"))
        return None

    def _keys(self, record: ActorRecord, site: SiteRecord | None) -> None:
        keys = self.result.keys
        if record.actor_id is not None:
            keys.append(("id", str(record.actor_id), "id", str(record.actor_id)))
        for scheme in STRONG_SCHEMES:
            for value in record.identifiers.get(scheme, []):
                keys.append((scheme.upper(), value, scheme, value))
        postcode = site.postcode if site is not None and site.postcode else ""
        name_field = "name" if self.cells.get("name", "").strip() else "legal_name"
        keys.append(("name and postcode", f"{fold(record.name)}|{postcode}", name_field, record.name))


def _actor_id(value: str) -> int:
    if not value.isdigit() or int(value) <= 0:
        raise ValueError("an atlas id is a positive whole number")
    return int(value)


def _single_postcode(geo: Gazetteer, place: Place) -> str | None:
    """The postcode of a commune when it has only one (None for Paris, Lyon, … split ones)."""
    codes = {p.postcode for p in geo.by_insee.get(place.insee, [])}
    return codes.pop() if len(codes) == 1 else None

"""The directory's filter: parsed from URL parameters (the HTML page, the JSON API and other
rooms share it), and matched against a published profile.

    ?modality=aav&step=upstream&min_litres=200&gmp=gmp_clinical&region=11

Parameters (repeated or comma-separated; codes, labels or synonyms of the atlas's taxonomies):
modality, step, expression_system, batch_type (any of them, on ONE service line that also meets
the scale and GMP conditions), gmp (a minimum grade: gmp_clinical also finds gmp_commercial),
min_litres (the line reaches at least this volume: its max >= it), max_litres (the line starts
at or below it: its min <= it), certification (all of them), region (INSEE code or name),
kind (actor kind, with its sub-kinds), available_on (a date inside the window, or "on request"),
verified (1: only editor-verified profiles)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bioatlas.atlas.service import Gazetteer, Taxonomy
from bioatlas.capacity.fields import GMP_GRADES, litres
from bioatlas.core.fields import FieldError, a_date, flag
from bioatlas.core.text import fold

# URL parameter -> taxonomy it names
CODE_PARAMS = {
    "modality": "modalities",
    "step": "value_chain",
    "expression_system": "expression_systems",
    "batch_type": "batch_types",
    "certification": "certifications",
    "kind": "kinds",
}
PARAMS = (*CODE_PARAMS, "gmp", "min_litres", "max_litres", "region", "available_on", "verified")


@dataclass(frozen=True)
class OfferQuery:
    """What a searcher asks for; every set empty means "any". Codes are expanded to their
    sub-terms (viral_vector finds aav and lentiviral lines)."""

    modalities: frozenset[str] = frozenset()
    steps: frozenset[str] = frozenset()
    expression_systems: frozenset[str] = frozenset()
    batch_types: frozenset[str] = frozenset()
    certifications: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    gmp: str | None = None
    min_litres: float | None = None
    max_litres: float | None = None
    regions: frozenset[str] = frozenset()
    available_on: date | None = None
    verified_only: bool = False
    chosen: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # the codes as asked (facets, links)

    @property
    def empty(self) -> bool:
        return not self.chosen


def _values(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    out: list[str] = []
    for raw in params.get(name, ()):
        out.extend(v.strip() for v in str(raw).split(",") if v.strip())
    return out


def parse_query(params: Mapping[str, Sequence[str]], *, taxonomies: Mapping[str, Taxonomy],
                gazetteer: Gazetteer, today: date) -> OfferQuery:
    """An OfferQuery, or FieldError naming the parameter (an unknown code, a bad number or date)."""
    chosen: dict[str, tuple[str, ...]] = {}
    expanded: dict[str, frozenset[str]] = {}
    for name, tax_name in CODE_PARAMS.items():
        tax = taxonomies[tax_name]
        codes: list[str] = []
        for value in _values(params, name):
            code = value if value in tax.terms else tax.resolve(value)
            if code is None:
                raise FieldError(name, "unknown code {value!r} (taxonomy {tax_name})", params={"value": value[:40], "tax_name": tax_name})
            codes.append(code)
        if codes:
            chosen[name] = tuple(dict.fromkeys(codes))
            # certifications are all required: each stays itself; the others widen to sub-terms
            expanded[name] = frozenset(codes) if name == "certification" else frozenset(
                c for code in codes for c in tax.descendants(code))
    gmp = None
    grades = _values(params, "gmp")
    if grades:
        if len(grades) > 1 or grades[0] not in GMP_GRADES:
            raise FieldError("gmp", "expected one of {choices}", params={"choices": ', '.join(GMP_GRADES)})
        gmp = grades[0]
        chosen["gmp"] = (gmp,)
    numbers: dict[str, float | None] = {}
    for name in ("min_litres", "max_litres"):
        values = _values(params, name)
        if len(values) > 1:
            raise FieldError(name, "give one number")
        numbers[name] = litres(name, values[0]) if values else None
        if numbers[name] is not None:
            chosen[name] = (f"{numbers[name]:g}",)
    regions: list[str] = []
    by_name = {fold(n): c for c, n in gazetteer.regions.items()}
    for value in _values(params, "region"):
        code = value if value in gazetteer.regions else by_name.get(fold(value))
        if code is None:
            raise FieldError("region", "unknown region {value!r}", params={"value": value[:40]})
        regions.append(code)
    if regions:
        chosen["region"] = tuple(dict.fromkeys(regions))
    when_values = _values(params, "available_on")
    when = a_date("available_on", when_values[0]) if when_values else None
    if when is not None:
        if when < today:
            raise FieldError("available_on", "the date is in the past")
        chosen["available_on"] = (when.isoformat(),)
    verified_values = _values(params, "verified")
    verified = flag("verified", verified_values[0]) if verified_values else False
    if verified:
        chosen["verified"] = ("1",)
    return OfferQuery(
        modalities=expanded.get("modality", frozenset()), steps=expanded.get("step", frozenset()),
        expression_systems=expanded.get("expression_system", frozenset()),
        batch_types=expanded.get("batch_type", frozenset()), certifications=expanded.get("certification", frozenset()),
        kinds=expanded.get("kind", frozenset()), gmp=gmp, min_litres=numbers["min_litres"],
        max_litres=numbers["max_litres"], regions=frozenset(regions), available_on=when, verified_only=verified,
        chosen=chosen,
    )


def line_matches(line: Mapping[str, Any], q: OfferQuery) -> bool:
    """One service line meets every line-level condition of the query."""
    if q.modalities and not q.modalities & set(line.get("modalities", ())):
        return False
    if q.steps and line.get("step") not in q.steps:
        return False
    if q.expression_systems and not q.expression_systems & set(line.get("expression_systems", ())):
        return False
    if q.batch_types and not q.batch_types & set(line.get("batch_types", ())):
        return False
    if q.gmp is not None and GMP_GRADES.index(line.get("gmp") or "none") < GMP_GRADES.index(q.gmp):
        return False
    if q.min_litres is not None and (line.get("scale_max_l") is None or line["scale_max_l"] < q.min_litres):
        return False
    if q.max_litres is not None and (line.get("scale_min_l") is None or line["scale_min_l"] > q.max_litres):
        return False
    return True


def window_open(doc: Mapping[str, Any], *, on: date) -> bool:
    """The profile is available on that date (on request counts as available)."""
    if doc.get("on_request"):
        return True
    start, end = doc.get("available_from"), doc.get("available_to")
    return bool(start and end and start <= on.isoformat() <= end)


def window_over(doc: Mapping[str, Any], *, today: date) -> bool:
    end = doc.get("available_to")
    return bool(not doc.get("on_request") and end and end < today.isoformat())


def matching_lines(doc: Mapping[str, Any], q: OfferQuery, *, today: date) -> list[int] | None:
    """Indexes of the lines that meet the query, or None when the profile-level conditions fail
    (certifications, availability; the actor's kind and regions are checked by the caller)."""
    if window_over(doc, today=today):
        return None
    if q.certifications and not q.certifications <= set(doc.get("certifications", ())):
        return None
    if q.available_on is not None and not window_open(doc, on=q.available_on):
        return None
    hits = [i for i, line in enumerate(doc.get("lines", ())) if line_matches(line, q)]
    return hits or None


def line_reasons(line: Mapping[str, Any], q: OfferQuery) -> list[tuple[str, str, bool]]:
    """Why a line meets (or misses) each line-level condition the query sets: (criterion, the
    line's value that answers it, met?) in a fixed order, e.g. ("modality", "aav", True),
    ("step", "upstream", True), ("scale", "50-500", True), ("gmp", "gmp_clinical", True). Partner
    search can show these as its reasons; the directory shows them under each matching line."""
    out: list[tuple[str, str, bool]] = []

    def codes(criterion: str, wanted: frozenset[str], key: str) -> None:
        if wanted:
            hit = [c for c in line.get(key, ()) if c in wanted]
            out.append((criterion, hit[0] if hit else ",".join(line.get(key, ())), bool(hit)))

    codes("modality", q.modalities, "modalities")
    if q.steps:
        out.append(("step", line.get("step", ""), line.get("step") in q.steps))
    codes("expression_system", q.expression_systems, "expression_systems")
    codes("batch_type", q.batch_types, "batch_types")
    if q.min_litres is not None or q.max_litres is not None:
        low, high = line.get("scale_min_l"), line.get("scale_max_l")
        met = low is not None and high is not None and (q.min_litres is None or high >= q.min_litres) and (
            q.max_litres is None or low <= q.max_litres)
        out.append(("scale", "" if low is None or high is None else f"{low:g}-{high:g}", met))
    if q.gmp is not None:
        grade = line.get("gmp") or "none"
        out.append(("gmp", grade, GMP_GRADES.index(grade) >= GMP_GRADES.index(q.gmp)))
    return out

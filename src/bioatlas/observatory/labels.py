"""Words for the observatory's codes, in the reader's language: a value's scope ("11" -> the
region's name, "FR" -> France, "polepharma" -> the cluster's name, from `data/scopes.csv`), its
breakdown ("kind=company" -> "Kind: Company", "status=application_withdrawn" -> "Status:
Application withdrawn"), a value as its source wrote it (French words kept in French pages
only: English pages show the number), a target with its unit, and why a value is missing."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from bioatlas.atlas.service import taxonomies as load_taxonomies
from bioatlas.core.i18n import Translator
from bioatlas.core.plugins import collect
from bioatlas.observatory.regions import region_names

SCOPES_CSV = Path(__file__).with_name("data") / "scopes.csv"
# breakdown key -> the taxonomy naming its codes
TAXONOMY_OF = {"kind": "kinds", "modality": "modalities", "step": "value_chain", "gmp": "gmp_status"}


@lru_cache(maxsize=1)
def _scope_names() -> dict[str, dict[str, str]]:
    with SCOPES_CSV.open(encoding="utf-8", newline="") as fh:
        return {row["code"]: {"fr": row["name_fr"], "en": row["name_en"]} for row in csv.DictReader(fh)}


def scope_label(scope: str | None, lang: str) -> str:
    """The name of a value's scope: a region, a country or group, a cluster, an event."""
    if not scope:
        return ""
    regions = region_names()
    if scope in regions:
        return regions[scope]
    names = _scope_names().get(scope)
    return names[lang if lang in names else "fr"] if names else scope


def room_labels() -> dict[str, dict[str, Mapping[str, str]]]:
    """{breakdown key: {code: {"fr", "en"}}}: the words rooms give their queries' codes (hook
    `bioatlas_observatory_queries`, e.g. the EMA statuses of the products room)."""
    out: dict[str, dict[str, Mapping[str, str]]] = {}
    for q in collect("bioatlas_observatory_queries"):
        for key, codes in q.labels.items():
            out.setdefault(key, {}).update(codes)
    return out


def dimension_label(dimension: str | None, t: Translator) -> str:
    """A breakdown "key=code" as "Key: label" in the reader's language."""
    if not dimension:
        return ""
    key, _, code = dimension.partition("=")
    lang = t.lang
    if key in TAXONOMY_OF:
        taxonomy = load_taxonomies().get(TAXONOMY_OF[key])
        if code in ("", "?", "unspecified"):
            value = t("unspecified")
        else:
            value = taxonomy.label(code, lang) if taxonomy is not None and code in taxonomy.terms else code
    elif key == "region":
        value = scope_label(code, lang)
    else:  # a room's own breakdown ("status=withdrawn" of the EMA lists): its words, else its code's
        value = room_labels().get(key, {}).get(code, {}).get(lang) or code.replace("_", " ")
    names = {"kind": t("Kind"), "modality": t("Modality"), "step": t("Value-chain step"), "gmp": t("GMP status"),
             "status": t("Status"), "region": t("Region"), "year": t("Year"), "list": t("EMA list of"),
             "new_in_list": t("New in the EMA list of"), "call": t("Call")}
    return f"{names.get(key, t(key.replace('_', ' ').capitalize()))}{t.colon} {value}" if key else value


# A figure is never cut at the end of a line: a no-break space ties a comparator to its number
# and a number to its unit ("≈ 20 %", "10 000 emplois"); Babel's French groups already use U+202F.
COMPARATORS = {">": ">\u00a0", "<": "<\u00a0", "~": "≈\u00a0"}
# what a source's own words put between a number and its unit or its next group ("plus de 85 %")
_LOOSE_FIGURE = re.compile(r"(?<=\d) (?=\d{3}(?!\d)|%|€|M€|Md€|L\b|fois\b|emplois\b|times\b|jobs\b)")


def tied(text: str) -> str:
    """A source's words with their figures whole: "plus de 1 200 L" -> "plus de 1\u202f200\u00a0L"."""
    return _LOOSE_FIGURE.sub("\u202f", text)


def figure(value, lang: str, number, unit: str | None = None, comparator: str | None = None) -> str:
    """The one way the observatory's pages write a figure: the comparator, the number in the
    reader's language (`number`, web.number) and its unit, none of them parted at a line's end:
    figure(12345, "fr", number, "litres") -> "12\u202f345\u202fL"; None is "—"."""
    if value is None:
        return "—"
    text = with_unit(number(value, lang), unit, Translator(lang), raw=value)
    return COMPARATORS.get(comparator or "=", "") + text


def value_text(v: dict, t: Translator, number, unit: str | None = None) -> str:
    """A value as its source wrote it ("plus de 85 %", "5 sur 76") on French pages; on English pages
    the number with its comparator and unit, and "5 of 76" when the source gave a total."""
    if v.get("value_text") and t.lang == "fr":
        return tied(v["value_text"])
    comparator = COMPARATORS.get(v.get("comparator") or "=", "")
    numerator, denominator = v.get("numerator"), v.get("denominator")
    if numerator is not None and denominator:
        share = t("{part} of {total}", part=number(numerator, t.lang), total=number(denominator, t.lang))
        if unit == "percent":
            return f"{comparator}{with_unit(number(v.get('value'), t.lang), unit, t)} ({share})"
        return f"{comparator}{share}"
    return f"{comparator}{with_unit(number(v.get('value'), t.lang), unit, t, raw=v.get('value'))}"


def with_unit(value: str, unit: str | None, t: Translator, raw: float | None = None) -> str:
    """"20" with its unit, tied to it by a no-break space: "20 %", "10,000 jobs", "100 times", "25.3 bn €"…"""
    if unit == "percent":
        return f"{value}\u202f%"
    if unit == "litres":
        return f"{value}\u202fL"
    if unit == "euros" and raw is not None and abs(raw) >= 1e6:
        big = abs(raw) >= 1e9
        short = f"{raw / (1e9 if big else 1e6):.1f}".rstrip("0").rstrip(".").replace(".", "," if t.lang == "fr" else ".")
        return _tie(t("{value} bn €", value=short) if big else t("{value} M€", value=short), short)
    if unit == "euros":
        return f"{value}\u202f€"
    if unit in ("factor", "jobs"):
        return _tie(t("{value} times", value=value) if unit == "factor" else t("{value} jobs", value=value), value)
    return value


def _tie(text: str, value: str) -> str:
    """The translated "{value} jobs" with a no-break space after the number, whatever the catalogue wrote."""
    return text.replace(f"{value} ", f"{value}\u00a0", 1)


def missing_reason(indicator: dict | None, t: Translator) -> str:
    """Why an indicator has no value yet."""
    if indicator and indicator.get("method") == "computed":
        return t("no value yet: the last computation (bioatlas observatory compute) found nothing to count, or has not run")
    return t("no value yet: no source recorded so far publishes this figure")

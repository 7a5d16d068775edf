"""Shared web layer: base templates, static assets (built), error pages, Jinja environment."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, parse_pattern
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from bioatlas.core.countries import country_choices
from bioatlas.core.moments import DAY_PATTERNS, DEFAULT_ZONE, instant, zone_named, written
from bioatlas.core.plugins import collect

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
# web/templates first (base layout, errors), then each feature's templates/<feature>/ folder.
TEMPLATE_DIRS = [WEB_DIR / "templates"] + sorted(
    p for p in WEB_DIR.parent.glob("*/templates") if p.parent != WEB_DIR
)

templates = Jinja2Templates(directory=[str(d) for d in TEMPLATE_DIRS])  # autoescape on for .html


def _query(pairs, **changes) -> str:
    """Rebuild a query string from (key, value) pairs, replacing the keys given in changes."""
    kept = [(k, v) for k, v in pairs if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            kept.extend((key, v) for v in value)
        else:
            kept.append((key, value))
    return urlencode(kept)


templates.env.globals["query"] = _query
templates.env.globals["countries"] = country_choices  # (code, name) in a language: a form's country select

# A day as a reader of the language writes it: "mardi 5 janvier 2027", "Tuesday 5 January 2027"
# (`long`), "mar. 5 janv." / "Tue 5 Jan" (`short`, in tables); forms and exports keep ISO dates.
# The patterns are core.moments' (notifications write their days the same way).


def _day(value, lang: str, style: str = "long") -> str:
    if isinstance(value, str):  # an ISO date or date-time, as a service's dict gives it
        value = datetime.fromisoformat(value).date()
    return format_date(value, DAY_PATTERNS[style], locale=lang)


def _moment(value, lang: str):
    """A `core.moments.Moment` (a call's deadline…) as the page's reader writes it: "mardi 5 janvier
    2027 à 18:00 (heure de Paris)", "Tuesday 5 January 2027 at 18:00 (Paris time)"."""
    return written(value, lang)


@pass_context
def _instant(context, value, style: str = "short", named: bool = False) -> str:
    """A stored instant (a message sent, a submission…; UTC) in the page reader's zone (`tz` of the
    page context: the account's, else Paris) and language: `{{ m.created_at | instant }}` "mar. 5
    janv. 2027, 14:05", `instant("day")`, `instant("time")`, `named=True` adds "(heure de Paris)"."""
    return instant(value, context.get("lang", "fr"), context.get("tz") or DEFAULT_ZONE, style, named=named)


@pass_context
def _zone_named(context, zone: str | None = None) -> str:
    """A zone as the reader names it ("heure de Paris"): `zone`, else the reader's."""
    return zone_named(zone or context.get("tz") or DEFAULT_ZONE, context.get("lang", "fr"))


@lru_cache(maxsize=32)
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


@lru_cache(maxsize=32)
def _money_pattern(lang: str) -> NumberPattern:
    """The language's currency pattern in whole units, parsed once (a page writes dozens of amounts)."""
    pattern = parse_pattern(_locale(lang).currency_formats["standard"].pattern)
    pattern.frac_prec = (0, 0)
    return pattern


@lru_cache(maxsize=16)
def _decimal_pattern(digits: int) -> NumberPattern:
    """"#,##0" and up to `digits` decimals, parsed once: Babel's format_decimal parses its pattern
    on every call (a third of its time; an observatory page writes hundreds of figures)."""
    return parse_pattern("#,##0" + ("." + "#" * digits if digits else ""))


def money(value, lang: str, currency: str = "EUR") -> str:
    """An amount in whole units as the reader writes it (Babel's currency pattern of the language):
    20500000 -> "20 500 000 €" (fr), "€20,500,000" (en); None is "—"."""
    if value is None:
        return "—"
    return _money_pattern(lang).apply(round(float(value)), _locale(lang), currency=currency, currency_digits=False)


def number(value, lang: str, digits: int = 1) -> str:
    """A figure as the reader writes it (Babel): 12345 -> "12 345" (fr), "12,345" (en), up to
    `digits` decimals when not whole; None is "—". The same text as Babel's `format_decimal` with
    this pattern (its defaults: quantised, grouped, latn digits), the pattern and locale parsed once."""
    if value is None:
        return "—"
    return _decimal_pattern(digits).apply(value, _locale(lang))


@pass_context
def _money(context, value, currency: str = "EUR") -> str:
    return money(value, context.get("lang", "fr"), currency)


@pass_context
def _number(context, value, digits: int = 1) -> str:
    return number(value, context.get("lang", "fr"), digits)


templates.env.filters["money"] = _money  # {{ p.budget_eur | money }}: in the page's language
templates.env.filters["number"] = _number  # {{ n | number }}
templates.env.filters["day"] = _day
templates.env.filters["moment"] = _moment
templates.env.filters["instant"] = _instant
templates.env.globals["zone_named"] = _zone_named


def slots(place: str) -> list[str]:
    """The templates features put at a place of the base layout (plug-in hook
    `bioatlas_page_slots`: "head" for stylesheets, "header" for the top bar), by order then
    template name. Read on each call: pluggy keeps the plug-ins, the list is a few items."""
    found = [s for s in collect("bioatlas_page_slots") if s.place == place]
    return [s.template for s in sorted(found, key=lambda s: (s.order, s.template))]


templates.env.globals["slots"] = slots

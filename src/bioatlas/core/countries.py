"""Countries as ISO 3166-1 alpha-2 codes, named in the reader's language from Babel's CLDR data
(a dependency already): the code list that forms offer as a select and that validation accepts."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from babel.core import get_global

from bioatlas.core.text import fold

FIRST = "FR"  # the atlas's own country heads every list
# CLDR regions with two-letter codes that are not countries: groupings (EU, EZ, UN, QO), pseudo-
# locales (XA, XB), "unknown" (ZZ), and ISO's exceptionally reserved codes (AC, CP, CQ, DG, EA, IC, TA)
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """Every country's code (ISO 3166-1 alpha-2, and XK for Kosovo, in common use)."""
    return frozenset(code for code in get_global("territory_languages")
                     if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES)


@lru_cache(maxsize=4)
def country_choices(lang: str) -> tuple[tuple[str, str], ...]:
    """(code, name in `lang`) of every country: France first, then the others by name."""
    names = Locale.parse(lang).territories
    others = sorted((code for code in country_codes() if code != FIRST), key=lambda code: fold(names.get(code, code)))
    return tuple((code, names.get(code, code)) for code in (FIRST, *others))

"""Text normalisation shared by header mapping, taxonomy look-ups and geocoding."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z&+]+")


def fold(value: str) -> str:
    """Lower-case, strip accents, turn punctuation and spaces into single spaces.

    >>> fold("  Côte-d'Or ")
    'cote d or'
    """
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    ascii_only = ascii_only.replace("œ", "oe").replace("æ", "ae")
    return _NON_ALNUM.sub(" ", ascii_only).strip()


def split_multi(value: str) -> list[str]:
    """Split a multi-valued cell: `a; b | c` or `a, b` (commas only when no ; or | is present)."""
    if not value:
        return []
    parts = re.split(r"[;|\n]", value) if re.search(r"[;|\n]", value) else value.split(",")
    return [p.strip() for p in parts if p.strip()]


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")


def redact_contacts(value: str | None) -> str | None:
    """Free text from a registry with e-mail addresses and French phone numbers replaced by
    "[…]": a project summary sometimes names its author's contact, which is personal data the
    atlas never imports."""
    if not value:
        return value
    return _PHONE.sub("[…]", _EMAIL.sub("[…]", value))

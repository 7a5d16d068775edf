"""Text normalisation shared by header mapping, taxonomy look-ups and geocoding."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z&+]+")
# Characters no submitted text may hold: C0 controls (tab and line breaks aside) and DEL; lone
# UTF-16 surrogates (a JSON "\\udfff" decodes to one; no database can store it); bidirectional
# overrides and isolates (U+202A–U+202E, U+2066–U+2069), which make "exe.pdf" display as
# "fdp.exe" (spoofing). Ordinary right-to-left text needs none of them.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


# Why a character is unsafe, as a message id with `{code}` (U+XXXX) and `{position}` (from 1):
# the same English text `unsafe_character` returns, translatable where a page shows it.
UNSAFE_SURROGATE = "U+{code} at position {position} is a lone surrogate (not a character)"
UNSAFE_BIDI = "U+{code} at position {position} is a bidirectional override (it can disguise text)"
UNSAFE_CONTROL = "U+{code} at position {position} is a control character"
UNSAFE_MESSAGES = (UNSAFE_SURROGATE, UNSAFE_BIDI, UNSAFE_CONTROL)


def unsafe_found(value: str) -> tuple[str, dict[str, str | int]] | None:
    """(message id, params) naming the first unsafe character of `value`, or None."""
    found = _UNSAFE.search(value)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        msgid = UNSAFE_SURROGATE
    elif char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
        msgid = UNSAFE_BIDI
    else:
        msgid = UNSAFE_CONTROL
    return msgid, {"code": f"{ord(char):04X}", "position": found.start() + 1}


def unsafe_character(value: str) -> str | None:
    """Why `value` cannot be accepted as submitted text, or None: names the first bad character."""
    found = unsafe_found(value)
    return None if found is None else found[0].format(**found[1])


class _Marks(dict):
    """`str.translate`'s table dropping the combining characters (`unicodedata.combining`), each
    code point looked up once and kept."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_MARKS = _Marks()


def fold(value: str) -> str:
    """Lower-case, strip accents, turn punctuation and spaces into single spaces.

    >>> fold("  Côte-d'Or ")
    'cote d or'
    """
    if value.isascii():  # nothing to decompose nor strip (most names and words): the same result
        return _NON_ALNUM.sub(" ", value.lower()).strip()
    ascii_only = unicodedata.normalize("NFKD", value).translate(_MARKS).lower()
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

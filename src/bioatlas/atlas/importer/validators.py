"""Check and normalise one cell. Each function returns the clean value or raises ValueError
(a `CellError`) whose message is the reason shown to the person who sent the file."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from urllib.parse import urlsplit

from bioatlas.core.fields import FieldError
from bioatlas.core.identifiers import luhn_valid, siret_valid

MAX_TEXT = 5000


class CellError(FieldError):
    """A refused cell: a ValueError whose str() is the English reason (the report's `reason`),
    with its message id and params for the reader's language (`CellError("", message id, params=…)`)."""

    def __init__(self, field: str, message: str, *, params: dict | None = None) -> None:
        super().__init__(field, message, params=params)
        self.args = (self.message,)


_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_ROR = re.compile(r"^0[0-9a-hjkmnp-tv-z]{6}[0-9]{2}$")


def clean_text(value: str, max_len: int = MAX_TEXT) -> str | None:
    """Stripped text, None when empty. Control characters other than newline and tab are refused;
    HTML is kept as written (pages escape it)."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return None
    bad = next((ch for ch in text if ch not in "\n\t" and unicodedata.category(ch) == "Cc"), None)
    if bad is not None:
        raise CellError("", "contains a control character (U+{code})", params={"code": f"{ord(bad):04X}"})
    if len(text) > max_len:
        raise CellError("", "is {length} characters long; at most {max} are accepted", params={"length": len(text), "max": max_len})
    return text


_NAF = re.compile(r"^(\d{2})\.?(\d{2})([A-Z])$")


def naf(value: str) -> str:
    """'2120z', '21.20Z' -> '21.20Z': a code of the French activity nomenclature (NAF rév. 2)."""
    m = _NAF.match(_SPACES.sub("", value).upper())
    if not m:
        raise CellError("", "{value} is not a NAF code such as 21.20Z", params={"value": repr(value)})
    return f"{m.group(1)}.{m.group(2)}{m.group(3)}"


def year(value: str) -> int:
    """A calendar year, 1900 to 2100."""
    text = value.strip().removesuffix(".0")
    if not text.isdigit() or not 1900 <= int(text) <= 2100:
        raise CellError("", "{value} is not a year (1900–2100)", params={"value": repr(value)})
    return int(text)


def _digits(value: str) -> str:
    return _SPACES.sub("", value).replace(".", "")


def siren(value: str) -> str:
    digits = _digits(value)
    if not (digits.isdigit() and len(digits) == 9):
        raise CellError("", "a SIREN has 9 digits")
    if not luhn_valid(digits):
        raise CellError("", "not a valid SIREN (checksum fails; check for a typo)")
    return digits


def siret(value: str) -> str:
    digits = _digits(value)
    if not (digits.isdigit() and len(digits) == 14):
        raise CellError("", "a SIRET has 14 digits")
    if not siret_valid(digits):
        raise CellError("", "not a valid SIRET (checksum fails; check for a typo)")
    return digits


def ror(value: str) -> str:
    """'03yrm5c26', 'ror.org/03yrm5c26' or the full URL -> 'https://ror.org/03yrm5c26'."""
    text = value.strip().lower()
    text = re.sub(r"^(https?://)?(www\.)?ror\.org/", "", text).strip("/")
    if not _ROR.match(text):
        raise CellError("", "a ROR id looks like https://ror.org/0xxxxxx99 (9 characters after ror.org/)")
    number = 0
    for ch in text[:7]:
        number = number * 32 + _CROCKFORD.index(ch)
    if 98 - (number * 100) % 97 != int(text[7:]):
        raise CellError("", "not a valid ROR id (checksum fails; check for a typo)")
    return f"https://ror.org/{text}"


def rnsr(value: str) -> str:
    text = _SPACES.sub("", value).upper()
    if not re.fullmatch(r"\d{9}[A-Z]", text):
        raise CellError("", "an RNSR code has 9 digits and a letter, e.g. 200212720A")
    return text


def wikidata(value: str) -> str:
    text = value.strip()
    text = re.sub(r"^(https?://)?(www\.)?wikidata\.org/(wiki|entity)/", "", text).strip("/").upper()
    if not re.fullmatch(r"Q[1-9]\d*", text):
        raise CellError("", "a Wikidata id looks like Q158205")
    return text


def vat(value: str) -> str:
    text = _SPACES.sub("", value).replace(".", "").replace("-", "").upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9A-Z]{2,13}", text):
        raise CellError("", "a VAT number starts with a country code, e.g. FR + 2 characters + SIREN")
    if text.startswith("FR"):
        body = text[2:]
        if not re.fullmatch(r"[0-9A-Z]{2}\d{9}", body):
            raise CellError("", "a French VAT number is FR + 2 characters + the 9-digit SIREN")
        if body[:2].isdigit() and int(body[:2]) != (12 + 3 * (int(body[2:]) % 97)) % 97:
            raise CellError("", "not a valid French VAT number (its key does not match the SIREN)")
    return text


def website(value: str, max_len: int = 500) -> str:
    """An http(s) address; `https://` is added when no scheme is written."""
    text = value.strip()
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        if ":" in text.split("/", 1)[0] and not re.match(r"^[\w.-]+:\d+", text):
            raise CellError("", "only http(s) addresses are accepted")
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise CellError("", "only http(s) addresses are accepted")
    host = parts.hostname or ""
    if "." not in host or any(ch.isspace() for ch in text) or not re.fullmatch(r"[\w.-]+", host):
        raise CellError("", "not a web address")
    if len(text) > max_len:
        raise CellError("", "is longer than {max} characters", params={"max": max_len})
    return text


def number(value: str, *, unit: str | None = None) -> float:
    """'2 000', '2000 L', '2,5' -> float. Thousands separators: spaces, or commas next to a dot."""
    text = _SPACES.sub("", value)
    if unit:
        text = re.sub(rf"(?i)({unit})$", "", text)
    if "," in text and "." in text:
        text = text.replace(",", "")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    try:
        result = float(text)
    except ValueError:
        raise CellError("", "not a number") from None
    if not math.isfinite(result):
        raise CellError("", "not a number")
    return result


def positive(value: str, *, unit: str | None = None) -> float:
    result = number(value, unit=unit)
    if result <= 0:
        raise CellError("", "must be a positive number")
    return result


def coordinate(value: str, low: float, high: float) -> float:
    result = number(value)
    if not low <= result <= high:
        raise CellError("", "must be between {low} and {high}", params={"low": f"{low:g}", "high": f"{high:g}"})
    return result


def a_date(value: str) -> date:
    """ISO (2021-06-30, with or without a time) or French (30/06/2021) date."""
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise CellError("", "not a date (expected 2021-06-30 or 30/06/2021)") from None

"""What every room's field validation shares: the refusal naming its field (`FieldError`), the
check of a submitted plain text (type, length, markup, unsafe characters, required) and the small
readers of a date and a yes/no value. Each room keeps its own rules (codes, ranges, windows) in
its own `fields.py` and calls these, so a text is refused the same way everywhere."""

from __future__ import annotations

import re
from datetime import date

from bioatlas.core.text import unsafe_character

# Markup a plain-text field refuses: a tag (or a closing `</script>`), a numeric entity, a
# javascript:/data:text/html link, an inline event handler (`onclick=`).
MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|&#|javascript:|data:text/html|\bon\w+\s*=", re.IGNORECASE)


class FieldError(ValueError):
    """A refused value: `field` names it (e.g. "lines[0].scale_min_l"), `message` says why,
    `status` is the HTTP status a page or the API answers with (422 unless said)."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.status = status


def plain_text(field: str, value: object, max_chars: int, *, required: bool = False, min_chars: int = 0,
               markup: bool = False, too_long_status: int = 422) -> str:
    """The submitted text, stripped, or FieldError naming `field`: not text, longer than
    `max_chars` (answered with `too_long_status`), markup (unless `markup`), an unsafe character
    (a control character, a lone surrogate, a bidirectional override), empty when `required`,
    shorter than `min_chars` when given. None is the empty text."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError(field, "expected text")
    value = value.strip()
    if len(value) > max_chars:
        raise FieldError(field, f"too long ({len(value)} characters, at most {max_chars})", too_long_status)
    if not markup and MARKUP.search(value):
        raise FieldError(field, "HTML or script is not allowed")
    bad = unsafe_character(value)
    if bad:
        raise FieldError(field, bad)
    if required and not value:
        raise FieldError(field, "required")
    if value and len(value) < min_chars:
        raise FieldError(field, f"too short (at least {min_chars} characters)")
    return value


def a_date(field: str, value: object) -> date | None:
    """An ISO date (YYYY-MM-DD); empty is None."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise FieldError(field, "expected a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FieldError(field, "expected a date YYYY-MM-DD") from None


def flag(field: str, value: object) -> bool:
    """A yes/no value as forms and JSON send it (a checkbox's "on", "true", "1", true…)."""
    if value in (None, "", False, "0", "false", "off", "no"):
        return False
    if value in (True, "1", "true", "on", "yes"):
        return True
    raise FieldError(field, "expected true or false")

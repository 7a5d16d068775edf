"""What every room's field validation shares: the refusal naming its field (`FieldError`), the
check of a submitted plain text (type, length, markup, unsafe characters, required) and the small
readers of a date and a yes/no value. Each room keeps its own rules (codes, ranges, windows) in
its own `fields.py` and calls these, so a text is refused the same way everywhere.

A refusal is translatable: its message is an English message id with named `{placeholders}`
(str.format, as `t(...)` fills them) and `params` the values, e.g.
`FieldError("title", "at most {max} characters", params={"max": 300})`. `.message` is the
English text (the JSON API and the logs); a page shows `refusal_text(t, err)`, the reader's
language. `tests/test_i18n.py` extracts every FieldError message id and checks its French entry."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from babel.numbers import format_decimal

from bioatlas.core.i18n import Translator
from bioatlas.core.moments import Moment as Moment  # re-exported: rooms build their params from here
from bioatlas.core.moments import shown
from bioatlas.core.text import unsafe_found

# Markup a plain-text field refuses: a tag (or a closing `</script>`), a numeric entity, a
# javascript:/data:text/html link, an inline event handler (`onclick=`).
MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|&#|javascript:|data:text/html|\bon\w+\s*=", re.IGNORECASE)


class Word(str):
    """A param that is a word of the code (a status such as "withdrawn"), shown translated: its
    entry in the catalogue has `msgctxt` `context` (e.g. "booth application status"), so its French
    form agrees with the noun of the sentence. It is the plain word in English (the API, logs)."""

    context: str

    def __new__(cls, word: str, context: str) -> Word:
        self = super().__new__(cls, word)
        self.context = context
        return self


class Figure(float):
    """A param that is a figure, written in the reader's style by Babel ("1 000 000", "20,5" in
    French; "1,000,000", "20.5" in English) with `digits` decimals; its English text (`.message`,
    the API's detail) is the English style."""

    digits: int

    def __new__(cls, value: float, digits: int = 0) -> Figure:
        self = super().__new__(cls, value)
        self.digits = digits
        return self

    def written(self, lang: str) -> str:
        return format_decimal(self, format="#,##0" + ("." + "0" * self.digits if self.digits else ""), locale=lang)

    def __format__(self, spec: str) -> str:
        return self.written("en") if not spec else float(self).__format__(spec)


class Said(str):
    """A param whose words a room writes itself (several reasons listed, each with its own message
    id and data), e.g. a reviewer's conflicts of interest: `Said(write)` calls `write(t)` with the
    reader's translator on pages and in the JSON `message`; its English text (`write` given the
    English translator) is the plain string (the API's detail, logs, the audit log)."""

    write: Callable[[Any], str]

    def __new__(cls, write: Callable[[Any], str]) -> Said:
        self = super().__new__(cls, write(Translator("en")))
        self.write = write
        return self


def _shown(t, value: Any) -> Any:
    """A param in the reader's language: a refusal (a lower layer's), a `Word`, a `Figure`, a
    `Said` or a `Moment` (core.moments)."""
    if isinstance(value, Said):
        return value.write(t)
    if isinstance(value, Figure):
        return value.written(getattr(t, "lang", "en"))
    if isinstance(value, Moment):
        return shown(value, getattr(t, "lang", "en"))
    if isinstance(value, FieldError):
        return refusal_text(t, value)
    if isinstance(value, Word) and hasattr(t, "pgettext"):
        return t.pgettext(value.context, str(value))
    return value


class FieldError(ValueError):
    """A refused value: `field` names it (e.g. "lines[0].scale_min_l"), `msgid` says why (an
    English message id, its `{placeholders}` filled from `params`), `message` is that English
    text filled in, `status` is the HTTP status a page or the API answers with (422 unless said)."""

    def __init__(self, field: str, message: str, status: int = 422, *,
                 params: Mapping[str, Any] | None = None) -> None:
        self.field = field
        self.msgid = message
        self.params = dict(params or {})
        self.message = message.format(**self.params) if self.params else message
        self.status = status
        super().__init__(f"{field}: {self.message}")

    def as_field(self, field: str) -> FieldError:
        """The same refusal naming `field` (a lower layer's refusal, e.g. a commune not found,
        given to the form field that asked), still translatable."""
        return FieldError(field, self.msgid, self.status, params=self.params)


def refusal_text(t, err: FieldError, *, with_field: bool = False, labels: Mapping[str, str] | None = None) -> str:
    """`err` in the language of the translator `t`: its message alone (a form showing it beside
    the field), or with `with_field` after the field's label (`labels`, else its name) and the
    reader's colon. A translation whose placeholders do not match falls back to English. A param
    that is itself a refusal (a lower layer's, e.g. `{exc}`) or a `Word` (a status) is shown in the
    reader's language too."""
    params = {k: _shown(t, v) for k, v in err.params.items()}
    try:
        text = t(err.msgid, **params) if params else t(err.msgid)
    except (KeyError, IndexError, ValueError):
        text = err.message
    name = (labels or {}).get(err.field) or err.field
    if not with_field or not name:  # a refusal of the action itself names no field
        return text
    return f"{name}{t.colon} {text}"


def refusal_view(t, err: FieldError, *, labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """What a page's template shows of `err`: `field` (its name, for `data-field`), `label` (the
    field's label from `labels`, else its name) and `message` in the reader's language."""
    return {"field": err.field, "label": (labels or {}).get(err.field) or err.field, "message": refusal_text(t, err)}


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
        raise FieldError(field, "too long ({length} characters, at most {max})", too_long_status,
                         params={"length": len(value), "max": max_chars})
    if not markup and MARKUP.search(value):
        raise FieldError(field, "HTML or script is not allowed")
    bad = unsafe_found(value)
    if bad:
        raise FieldError(field, bad[0], params=bad[1])
    if required and not value:
        raise FieldError(field, "required")
    if value and len(value) < min_chars:
        raise FieldError(field, "too short (at least {min} characters)", params={"min": min_chars})
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

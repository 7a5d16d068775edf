"""UI translations: gettext catalogs (.po) read with Babel at start-up. French is the default
language of the UI; message ids are English, so English needs no catalog entry.

Every `*.po` file of `locale/<lang>/LC_MESSAGES/` is read and merged: `messages.po` holds the
shared messages and a feature may keep its own file (e.g. `accounts.po`).

Plurals: `t.plural("{n} value", "{n} values", n)` picks the form by the language's rule (French:
0 and 1 singular; English: 1 singular), through a `msgid`/`msgid_plural` entry of the catalogue.
`t.pgettext(context, word)` reads an entry with a `msgctxt` (a status word in a sentence).
`t.colon` is the colon after a label: " :" in French, ":" in English; `t.semicolon` the
semicolon between a list's items, the same way."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

from bioatlas.core.elision import elide_placeholders, join, joints

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
LANGUAGES = ("fr", "en")


@lru_cache(maxsize=4)
def catalog(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        merged.update({m.id: m.string for m in cat if isinstance(m.id, str) and isinstance(m.string, str)
                       and m.id and m.string and not m.fuzzy and not m.context})
    return merged


@lru_cache(maxsize=4)
def context_catalog(lang: str) -> dict[tuple[str, str], str]:
    """Entries with a `msgctxt`: (context, msgid) -> translation, e.g. a status word whose French
    form agrees with the noun of the sentence (("opportunity status", "published") -> "publiée")."""
    merged: dict[tuple[str, str], str] = {}
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        merged.update({(m.context, m.id): m.string for m in cat if m.context and isinstance(m.id, str)
                       and isinstance(m.string, str) and m.string and not m.fuzzy})
    return merged


@lru_cache(maxsize=4)
def plural_catalog(lang: str) -> dict[str, tuple[str, ...]]:
    """Plural entries: singular msgid -> the translated forms (msgstr[0], msgstr[1], …)."""
    merged: dict[str, tuple[str, ...]] = {}
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        for m in cat:  # a catalogue without a Plural-Forms header gets empty extra forms: dropped
            forms = tuple(form for form in m.string if form) if isinstance(m.string, tuple) else ()
            if isinstance(m.id, tuple) and len(forms) >= 2 and not m.fuzzy:
                merged[m.id[0]] = forms
    return merged


def plural_index(lang: str, n: float) -> int:
    """0 for the singular form, 1 for the plural: French counts 0 and 1 as singular."""
    return int(abs(n) > 1) if lang == "fr" else int(n != 1)


class Translator:
    def __init__(self, lang: str):
        self.lang = lang if lang in LANGUAGES else LANGUAGES[0]
        self._messages = catalog(self.lang)
        self._plurals = plural_catalog(self.lang)
        self._contexts = context_catalog(self.lang)
        self.colon = "\u202f:" if self.lang == "fr" else ":"
        self.semicolon = "\u202f;" if self.lang == "fr" else ";"  # between a list's items

    def gettext(self, message: str, **values) -> str:
        text = self._messages.get(message, message)
        if values and self.lang == "fr" and joints(text):  # "membre de {b}" with b = "Agence X": "membre d'Agence X"
            text = elide_placeholders(text, values)
        return text.format(**values) if values else text

    __call__ = gettext

    def pgettext(self, context: str, message: str) -> str:
        """`message` as a word of `context` (msgctxt), itself when the catalogue has no entry."""
        return self._contexts.get((context, message), message)

    def quote(self, words: object) -> str:
        """Quoted words in the language's marks: "«\u00a0Nom\u00a0»" in French (no line break inside the
        guillemets), "“Name”" in English."""
        return f"«\u00a0{words}\u00a0»" if self.lang == "fr" else f"“{words}”"

    def join(self, words: str, name: object) -> str:
        """Translated words and a name after them, in French with the last word elided when the name
        calls for it ("première réponse de" + "Agence X" -> "première réponse d'Agence X")."""
        return join(words, name) if self.lang == "fr" else f"{words} {name}"

    def plural(self, singular: str, plural: str, n: float, **values) -> str:
        """The form of `n` ("1 value", "3 values"); `{n}` is filled with `n` unless given."""
        forms = self._plurals.get(singular) if self.lang != "en" else None
        index = plural_index(self.lang, n)
        text = forms[min(index, len(forms) - 1)] if forms else (singular, plural)[index]
        return text.format(**{"n": n, **values})


def pick_language(query: str | None, cookie: str | None, default: str, accept: str | None = None) -> str:
    """The reader's language: `?lang=`, else the account's or the cookie's choice (`cookie`), else
    the browser's `Accept-Language` header (`accept`) when it names one of LANGUAGES, else `default`."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    return (accepted_language(accept) if accept else None) or default


@lru_cache(maxsize=256)
def accepted_language(header: str) -> str | None:
    """The language of LANGUAGES an `Accept-Language` header prefers, or None: Werkzeug's parser
    (q-values, "fr-CA" as fr, "*" as the first of LANGUAGES, q=0 as refused). Cached: a server
    meets few distinct headers, and the response cache asks on every anonymous read. Werkzeug is
    imported here, at the first header: importing it costs every CLI command and every start
    50-190 ms; `bioatlas serve` pays it once while priming, before its workers fork."""
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    return parse_accept_header(header, LanguageAccept).best_match(LANGUAGES)

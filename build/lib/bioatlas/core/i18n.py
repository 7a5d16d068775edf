"""UI translations: gettext catalogs (.po) read with Babel at start-up. French is the default
language of the UI; message ids are English, so English needs no catalog entry.

Every `*.po` file of `locale/<lang>/LC_MESSAGES/` is read and merged: `messages.po` holds the
shared messages and a feature may keep its own file (e.g. `accounts.po`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
LANGUAGES = ("fr", "en")


@lru_cache(maxsize=4)
def catalog(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        merged.update({m.id: m.string for m in cat
                       if isinstance(m.id, str) and isinstance(m.string, str) and m.id and m.string and not m.fuzzy})
    return merged


class Translator:
    def __init__(self, lang: str):
        self.lang = lang if lang in LANGUAGES else LANGUAGES[0]
        self._messages = catalog(self.lang)

    def gettext(self, message: str, **values) -> str:
        text = self._messages.get(message, message)
        return text.format(**values) if values else text

    __call__ = gettext


def pick_language(query: str | None, cookie: str | None, default: str) -> str:
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    return default

"""The notices written in Python (each room's `notice_kind` texts: e-mails, the bell's items, the
digest) follow the catalogues' French typography (tests/test_i18n_catalogues.py): a no-break space
before ":", ";", "!", "?" and "%", so that no line of an e-mail starts with a lone colon. Their
templates are Jinja: the text between the tags is read, and so are the string literals inside the
tags ("{{ 'vérifié par un éditeur ; il est publié' if … }}"), which are French words too.

Sending keeps the mark: a subject was put on one line with `" ".join(text.split())`, and
`str.split()` takes U+202F for a space (the French subject "Résultats : …" went out with an
ordinary space again)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import jinja2

import bioatlas

from bioatlas.notifications.mail import one_line
from bioatlas.notifications.service import kinds, render
from tests.test_i18n_catalogues import BARE_MARK, LOOSE_GUILLEMET, NOT_PROSE

LEXER = jinja2.Environment()


def french_words(template: str):
    """The text of a Jinja template a reader sees: its data and its string literals."""
    for _line, token, value in LEXER.lex(template):
        if token in ("data", "string"):
            yield value.strip("'\"") if token == "string" else value


def bare_marks(text: str) -> bool:
    """A mark with an ordinary space before it, or a guillemet with one inside it ("« titre »")."""
    return bool(BARE_MARK.search(NOT_PROSE.sub("x", text)) or LOOSE_GUILLEMET.search(text))


def test_every_french_notice_has_a_no_break_space_before_its_marks():
    bare = []
    for name, kind in sorted(kinds().items()):
        subject, body = kind.templates["fr"]
        for part, template in (("label", kind.label["fr"]), ("subject", subject), ("body", body)):
            bare += [f"{name} {part}: {words!r}" for words in french_words(template) if bare_marks(words)]
    assert bare == [], f"{len(bare)} French notice texts with a bare mark: {bare}"


def test_the_reader_sees_jinja_literals_and_text():
    words = list(french_words("{{ a }} : {{ 'oui ; non' if b else 'x' }}{% if c %} Motif : {{ c }}{% endif %}"))
    assert words == [" : ", "oui ; non", "x", " Motif : "]


def test_a_french_subject_keeps_its_narrow_space_on_one_line():
    subject, body = render(kind="call.result", language="fr",
                           context={"call": "Appel\n  régional", "laureate": True, "id": 3})
    assert subject == "Résultats\u202f: Appel régional"
    assert "Félicitations\u202f: " in body
    assert one_line("Résultats\u202f:\r\n Appel\u00a02027") == "Résultats\u202f: Appel\u00a02027"


def test_one_line_still_folds_every_break():
    assert one_line(" a\r\nb\tc\x0bd\u2028e\x1cf  ") == "a b c d e f"


# French words in a string literal of the Python source: an accented letter or a common French word
FRENCH = re.compile(r"[éèàçêôûùâîœ]|\b(le|la|les|des|une|du|de|et|pour|avec|dans|sur)\b")


def test_french_texts_in_the_python_source_have_a_no_break_space_before_their_marks():
    """Texts the rooms write in Python outside the catalogues and notices: demo data ("Démonstration : …"),
    the observatory's definitions of computed indicators ("Calculé : …"), map layers' sources, an
    agenda entry's summary. 54 string literals had an ordinary space before ":" or ";"."""
    bare = []
    for path in sorted(Path(bioatlas.__file__).parent.rglob("*.py")):
        for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
            text = token.string
            if token.type != tokenize.STRING or text.startswith(('"""', "'''", "r", "b")):
                continue  # docstrings, patterns and bytes are not shown to readers
            prose = NOT_PROSE.sub("x", text)
            if FRENCH.search(text) and (re.search(r"\S [:;!?%]", prose) or LOOSE_GUILLEMET.search(text)):
                bare.append(f"{path.name}:{token.start[0]}: {text[:80]}")
    assert bare == [], f"{len(bare)} French string literals with a bare mark: {bare[:10]}"

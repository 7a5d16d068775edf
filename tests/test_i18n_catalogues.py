"""The French catalogues are merged into one (core.i18n): a message id translated two ways in
two rooms' files is shown in whichever file is read last, in every room. So a word whose French
form depends on the room (gender, meaning) needs a msgctxt, and a room must not rely on another
room's entry for a word it means differently ("Start" of a session is not the start of a job)."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from bioatlas.core.i18n import LOCALE_DIR, Translator


def test_no_message_id_is_translated_two_ways():
    seen: dict[tuple[str | None, str], tuple[str, str]] = {}
    clashes = []
    for path in sorted((LOCALE_DIR / "fr" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            catalogue = read_po(fh, locale="fr")
        for message in catalogue:
            if not message.id or not message.string or message.fuzzy:
                continue
            key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
            text = message.string if isinstance(message.string, str) else " | ".join(message.string)
            if key in seen and seen[key][1] != text:
                clashes.append(f"{key}: {seen[key][0]} says {seen[key][1]!r}, {path.name} says {text!r}")
            seen.setdefault(key, (path.name, text))
    assert clashes == []


def test_words_that_differ_by_room_read_right_in_each():
    t = Translator("fr")
    assert t("Start") == "Début"  # an events session's start (was the job board's "Prise de poste")
    assert t("Start date") == "Date de prise de poste"  # the job board's
    assert t.pgettext("milestone status", "cancelled") == "annulé"  # un jalon
    assert t("cancelled") == "annulée"  # une inscription, une demande


# French typography: a no-break space (U+00A0, or the narrow U+202F) before ":", ";", "!", "?" and "%",
# so that a line never breaks between a word and its mark ("Note :" with an ordinary space could put
# the colon alone at the start of a line; "Note:" is English punctuation). Placeholders ({value!r}),
# addresses (https://), code in backticks, times (18:00) and code words (participant:17) are not prose.
NOT_PROSE = re.compile(r"\{[^{}]*\}|`[^`]*`|\w+://\S*|\d:\d|\w:\w")
BARE_MARK = re.compile(r"(?<![\u00a0\u202f(])[:;!?%]")


def french_strings():
    for path in sorted((LOCALE_DIR / "fr" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            catalogue = read_po(fh, locale="fr")
        for message in catalogue:
            if not message.id or message.fuzzy:
                continue
            for text in message.string if isinstance(message.string, tuple) else (message.string,):
                if text:
                    yield path.name, text


def test_french_marks_have_a_no_break_space_before_them():
    bare = [f"{name}: {text!r}" for name, text in french_strings() if BARE_MARK.search(NOT_PROSE.sub("x", text))]
    assert bare == [], f"{len(bare)} French strings with a bare or breakable mark, first: {bare[:10]}"


def test_the_rule_sees_what_it_should():
    def bare(text: str) -> bool:
        return bool(BARE_MARK.search(NOT_PROSE.sub("x", text)))
    assert bare("Note : 12") and bare("Note: 12") and bare("Déjà inscrit ? Se connecter") and bare("85 %")
    assert not bare("Note\u202f: 12") and not bare("Déjà inscrit\u00a0?") and not bare("85\u202f%")
    assert not bare("{value!r} inconnu") and not bare("adresse https:// attendue") and not bare("à 18:00")
    assert not bare("« participant:17 »") and not bare("Télétravail (% du temps)")


# Guillemets hold their words with no-break spaces ("«\u00a0Nom\u00a0»"): with ordinary spaces a line
# could end on "«" or start with "»" (9 French entries had them).
LOOSE_GUILLEMET = re.compile(r"« | »")


def test_french_guillemets_hold_their_words_with_no_break_spaces():
    loose = [f"{name}: {text!r}" for name, text in french_strings() if LOOSE_GUILLEMET.search(text)]
    assert loose == [], f"{len(loose)} French strings with a loose guillemet: {loose[:10]}"

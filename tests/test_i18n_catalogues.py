"""The French catalogues are merged into one (core.i18n): a message id translated two ways in
two rooms' files is shown in whichever file is read last, in every room. So a word whose French
form depends on the room (gender, meaning) needs a msgctxt, and a room must not rely on another
room's entry for a word it means differently ("Start" of a session is not the start of a job)."""

from __future__ import annotations

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

"""A removal is not a page's main action: every button that removes, deletes, withdraws, cancels or
undoes something is outlined (`secondary`), red (`danger`) or a link, never the filled primary
button ("Retirer" a routing rule on the one-stop shop's coordination page was filled blue, like
"Ajouter la règle" under it). Read from the templates themselves, so a new page is held to it."""

from __future__ import annotations

import re

from bioatlas.web import TEMPLATE_DIRS

BUTTON = re.compile(r"<button\b([^>]*)>\s*\{\{\s*t\((['\"])(.*?)\2", re.S)
REMOVAL = re.compile(r"^(Remove|Delete|Withdraw|Cancel|Undo|Unregister|Leave)\b")
QUIET = re.compile(r"""class=(['"])[^'"]*\b(secondary|danger|link)\b""")


def buttons():
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.rglob("*.html")):
            for m in BUTTON.finditer(path.read_text(encoding="utf-8")):
                yield f"{path.relative_to(folder)}", m.group(1), m.group(3)


def test_removals_are_not_primary_buttons():
    found = [(name, words) for name, attributes, words in buttons() if REMOVAL.match(words)]
    assert len(found) >= 8  # the rule reads the templates' buttons (a regex that found none would pass)
    filled = [f"{name}: {words}" for name, attributes, words in buttons() if REMOVAL.match(words) and not QUIET.search(attributes)]
    assert filled == []


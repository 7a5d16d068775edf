"""`core.text.fold` (names, words and queries compared accent- and case-free): its fast paths (an
ASCII text; the combining marks dropped by a kept translation table) give what the plain
decomposition gives, for every character alone and for mixed texts."""

from __future__ import annotations

import random
import sys
import unicodedata

from bioatlas.core.text import _NON_ALNUM, fold


def plain(value: str) -> str:
    """fold as it was written first: decompose, drop every combining character, lower, replace."""
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    ascii_only = ascii_only.replace("œ", "oe").replace("æ", "ae")
    return _NON_ALNUM.sub(" ", ascii_only).strip()


CHARS = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]


def test_every_character_folds_as_before():
    assert [c for c in CHARS if fold(c) != plain(c)] == []


def test_mixed_texts_fold_as_before():
    rnd = random.Random(7)
    common = "aéèçœÆ Côte-d'Or ÉVRY ﬁ² Ⅻ ǅ İ ß ﬀ́ ẞ 1/2 ½-"
    for _ in range(20_000):
        text = "".join(rnd.choice(CHARS) if rnd.random() < 0.3 else rnd.choice(common) for _ in range(rnd.randint(0, 14)))
        assert fold(text) == plain(text), text
    assert fold("  Côte-d'Or ") == "cote d or" and fold("Cœur ÆTHER") == "coeur aether" and fold("") == ""

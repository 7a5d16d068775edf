"""Highlighting without markup in data: a text is split into (segment, matched) pairs that the
template wraps in <mark> with autoescaping on, so user or imported text is never trusted as HTML."""

from __future__ import annotations

import re
from functools import lru_cache

from bioatlas.core.text import fold
from bioatlas.search.text import QueryTerm, stems

_TOKEN = re.compile(r"(\w+)", re.UNICODE)
SNIPPET = 220


def matcher(terms: list[QueryTerm]):
    """word -> whether it matches one of the terms; built once per set of terms (a result page
    highlights 20 names and descriptions with the same terms) and remembering its answers."""
    key = tuple((t.word, tuple(t.forms), tuple(t.corrected), t.prefix) for t in terms)
    return _matcher(key)


@lru_cache(maxsize=256)
def _matcher(key: tuple):
    forms = {w for word, fs, corrected, _ in key for w in (*fs, *corrected)}
    prefixes = [word for word, _, _, prefix in key if prefix]
    seen: dict[str, bool] = {}

    def matches(word: str) -> bool:
        found = seen.get(word)
        if found is None:
            if len(seen) > 20_000:
                seen.clear()
            found = seen[word] = _matches(word, forms, prefixes)
        return found

    return matches


def _matches(word: str, forms: set[str], prefixes: list[str]) -> bool:
    folded = fold(word).replace(" ", "")
    if not folded:
        return False
    if folded in forms or any(folded.startswith(p) for p in prefixes):
        return True
    return any(s in forms for s in stems(folded))


def segments(text: str | None, terms: list[QueryTerm]) -> list[tuple[str, bool]]:
    if not text:
        return []
    matches = matcher(terms)
    out: list[tuple[str, bool]] = []
    for i, part in enumerate(_TOKEN.split(text)):
        if not part:
            continue
        hit = bool(i % 2) and matches(part)
        if out and out[-1][1] == hit and not hit:
            out[-1] = (out[-1][0] + part, False)
        else:
            out.append((part, hit))
    return out


def snippet(text: str | None, terms: list[QueryTerm], width: int = SNIPPET) -> list[tuple[str, bool]]:
    """The passage of `text` around its first match (or its start), as segments."""
    segs = segments(text, terms)
    if not segs:
        return []
    first = next((k for k, (_, hit) in enumerate(segs) if hit), 0)
    start = sum(len(s) for s, _ in segs[:first])
    full = "".join(s for s, _ in segs)
    if len(full) <= width:
        return segs
    begin = max(0, start - width // 3)
    out, pos = [], 0
    for s, hit in segs:
        end = pos + len(s)
        if end > begin and pos < begin + width:
            out.append((s[max(0, begin - pos) : begin + width - pos], hit))
        pos = end
    if begin > 0:
        out.insert(0, ("…", False))
    if begin + width < len(full):
        out.append(("…", False))
    return out

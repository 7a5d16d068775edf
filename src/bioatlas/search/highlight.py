"""Highlighting without markup in data: a text is split into (segment, matched) pairs that the
template wraps in <mark> with autoescaping on, so user or imported text is never trusted as HTML."""

from __future__ import annotations

import re

from bioatlas.core.text import fold
from bioatlas.search.text import QueryTerm, stems

_TOKEN = re.compile(r"(\w+)", re.UNICODE)
SNIPPET = 220


def matcher(terms: list[QueryTerm]):
    forms = {w for t in terms for w in (*t.forms, *t.corrected)}
    prefixes = [t.word for t in terms if t.prefix]

    def matches(word: str) -> bool:
        folded = fold(word).replace(" ", "")
        if not folded:
            return False
        if folded in forms or any(folded.startswith(p) for p in prefixes):
            return True
        return any(s in forms for s in stems(folded))

    return matches


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

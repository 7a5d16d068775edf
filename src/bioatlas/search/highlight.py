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
    forms = frozenset(w for word, fs, corrected, _ in key for w in (*fs, *corrected))
    prefixes = tuple(word for word, _, _, prefix in key if prefix)
    seen: dict[str, bool] = {}

    def matches(word: str) -> bool:
        found = seen.get(word)
        if found is None:
            if len(seen) > 20_000:
                seen.clear()
            found = seen[word] = _matches(word, forms, prefixes)
        return found

    return matches


def _matches(word: str, forms: frozenset[str], prefixes: tuple[str, ...]) -> bool:
    folded, its_stems = _analysed(word)
    if not folded:
        return False
    if folded in forms or (prefixes and folded.startswith(prefixes)):  # one C call for every prefix
        return True
    return not forms.isdisjoint(its_stems)


@lru_cache(maxsize=65_536)
def _analysed(word: str) -> tuple[str, tuple[str, ...]]:
    """A word of a text folded and its stems, kept across queries: the descriptions' words recur
    from one search to the next, the query's terms do not (a new query's matcher starts empty)."""
    folded = fold(word).replace(" ", "")
    return folded, stems(folded) if folded else ()


def segments(text: str | None, terms: list[QueryTerm]) -> list[tuple[str, bool]]:
    if not text:
        return []
    matches = matcher(terms)
    out: list[tuple[str, bool]] = []
    for i, part in enumerate(_parts(text)):
        if not part:
            continue
        hit = bool(i % 2) and matches(part)
        if out and out[-1][1] == hit and not hit:
            out[-1] = (out[-1][0] + part, False)
        else:
            out.append((part, hit))
    return out


def snippet(text: str | None, terms: list[QueryTerm], width: int = SNIPPET) -> list[tuple[str, bool]]:
    """The passage of `text` around its first match (or its start), as segments. Only the words up
    to the first match are tested, and only the passage's words are segmented (a description
    may be thousands of characters; a card shows `width`)."""
    if not text:
        return []
    if len(text) <= width:
        return segments(text, terms)
    matches = matcher(terms)
    start = next((at for word, at in _first_words(text) if matches(word)), 0)
    begin = max(0, start - width // 3)
    stop = begin + width
    # the passage widened to whole words: its words, and so their matches, are the full text's
    lo, hi = begin, stop
    while lo > 0 and _word_char(text[lo - 1]) and _word_char(text[lo]):
        lo -= 1
    while hi < len(text) and _word_char(text[hi - 1]) and _word_char(text[hi]):
        hi += 1
    out, pos = [], lo
    for s, hit in segments(text[lo:hi], terms):
        end = pos + len(s)
        if end > begin and pos < stop:
            out.append((s[max(0, begin - pos) : stop - pos], hit))
        pos = end
    if begin > 0:
        out.insert(0, ("…", False))
    if stop < len(text):
        out.append(("…", False))
    return out


@lru_cache(maxsize=4096)
def _parts(text: str) -> tuple[str, ...]:
    """The text split into words (odd places) and what lies between them, kept across queries:
    the same names and passages come back from one search to the next."""
    return tuple(_TOKEN.split(text))


@lru_cache(maxsize=1024)  # a description is a few KB at most: a few MB
def _first_words(text: str) -> tuple[tuple[str, int], ...]:
    """Each distinct word of the text with the offset of its first occurrence, in text order: the
    first of them that matches starts at the text's first match (a word seen before is not tested
    again), kept across queries (a description recurs from one search to the next)."""
    first: dict[str, int] = {}
    for m in _TOKEN.finditer(text):
        first.setdefault(m.group(), m.start())
    return tuple(first.items())


def _word_char(char: str) -> bool:
    return _TOKEN.fullmatch(char) is not None

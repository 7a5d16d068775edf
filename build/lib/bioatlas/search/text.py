"""Words for the index and for queries: folded (case- and accent-free), French and English stems,
stop words dropped from queries. The same functions serve both backends, so SQLite and
PostgreSQL index and match the very same words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from bioatlas.core.text import fold

_WORD = re.compile(r"[a-z0-9]+")
MAX_WORD = 40
MAX_QUERY_WORDS = 12
STOP_WORDS = frozenset(
    """a au aux avec ce ces dans de des du elle en est et il ils je la le les leur leurs l d lui ma mais me
    meme mes moi mon ne nos notre nous on ou par pas pour qu que qui quoi quel quelle quels sa se ses son
    sur ta te tes toi ton tu un une vos votre vous y c j m n s t est sont ont font fait faire pres proche
    autour ou where who which what that this these those the of and or for in on at to by with near from
    an as is are be do does any all some their its into about around""".split()
)


@lru_cache(maxsize=1)
def _stemmers():
    return snowballstemmer.stemmer("french"), snowballstemmer.stemmer("english")


def words(text: str | None) -> list[str]:
    """Folded words of a text, in order (digits kept, punctuation dropped)."""
    if not text:
        return []
    return list(_words(text)) if len(text) <= 200 else list(_fold_words(text))


@lru_cache(maxsize=100_000)
def _words(text: str) -> tuple[str, ...]:  # labels, communes and names repeat across actors
    return _fold_words(text)


def _fold_words(text: str) -> tuple[str, ...]:
    """`_WORD.findall(fold(text))`, faster: plain ASCII only needs lower(); otherwise each
    whitespace-separated token is folded once (cached), as folding never joins or splits words
    across white space."""
    if text.isascii():
        return tuple(w[:MAX_WORD] for w in _WORD.findall(text.lower()))
    out: list[str] = []
    for token in text.split():
        out.extend(_token_words(token))
    return tuple(out)


@lru_cache(maxsize=200_000)
def _token_words(token: str) -> tuple[str, ...]:
    return tuple(w[:MAX_WORD] for w in _WORD.findall(fold(token)))


@lru_cache(maxsize=200_000)
def stems(word: str) -> tuple[str, ...]:
    """The word's French and English stems, when they differ from the word."""
    fr, en = _stemmers()
    out = []
    for s in (fr.stemWord(word), en.stemWord(word)):
        if s and s != word and s not in out:
            out.append(s)
    return tuple(out)


def index_text(texts) -> tuple[str, set[str]]:
    """A document column: each distinct word then its stems; and the set of distinct words."""
    tokens, vocabulary = expand_texts(texts)
    return " ".join(tokens), set(vocabulary)


def expand_texts(texts) -> tuple[tuple[str, ...], frozenset[str]]:
    """The distinct tokens of texts (each word then its stems, in order of first appearance) and
    their distinct words: a part that `join_parts` assembles (a taxonomy term's or a place's
    part is computed once per rebuild)."""
    tokens: dict[str, None] = {}
    vocabulary: set[str] = set()
    for text in texts:
        if not text:
            continue
        expanded, ws = _expanded(text) if len(text) <= 200 else _expand(words(text))
        tokens.update(dict.fromkeys(expanded))
        vocabulary.update(ws)
    return tuple(tokens), frozenset(vocabulary)


def join_parts(parts) -> tuple[str, set[str]]:
    """`index_text` of the concatenation of the texts the parts were expanded from (the same
    string: keeping first appearances is the same done in pieces)."""
    tokens: dict[str, None] = {}
    vocabulary: set[str] = set()
    for part_tokens, part_words in parts:
        tokens.update(dict.fromkeys(part_tokens))
        vocabulary |= part_words
    return " ".join(tokens), vocabulary


def _expand(ws) -> tuple[tuple[str, ...], tuple[str, ...]]:
    out: list[str] = []
    for w in ws:
        out.append(w)
        out.extend(stems(w))
    return tuple(out), tuple(ws)


@lru_cache(maxsize=100_000)
def _expanded(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:  # labels and places repeat
    return _expand(_words(text))


@dataclass
class QueryTerm:
    """One query word: any of `forms` matches; `prefix` also matches words starting with it."""

    word: str
    forms: list[str] = field(default_factory=list)
    prefix: bool = False
    corrected: list[str] = field(default_factory=list)


def parse_query(q: str, *, as_you_type: bool = True) -> list[QueryTerm]:
    """Query words without stop words (all of them if only stop words were typed); the last word
    is a prefix when typing (no trailing space)."""
    ws = words(q)
    kept = [w for w in ws if w not in STOP_WORDS] or ws
    kept = list(dict.fromkeys(kept))[:MAX_QUERY_WORDS]
    terms = [QueryTerm(word=w, forms=[w, *stems(w)]) for w in kept]
    last_ok = terms and (len(terms[-1].word) >= 2 or len(terms) > 1)
    if last_ok and as_you_type and not q.endswith(" ") and ws and ws[-1] == terms[-1].word:
        terms[-1].prefix = True
    return terms

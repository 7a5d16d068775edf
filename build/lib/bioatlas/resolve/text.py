"""Normalisation of organisation names and affiliation strings for the resolver.

Unlike `core.text.fold` (ASCII keys), letters of every script are kept here, so that the
Chinese, Japanese, Cyrillic or Arabic labels of ROR match too. Legal forms, a few stop words
and common abbreviations are normalised; a mention is cut into segments (commas, semicolons,
brackets) whose contiguous runs are the spans a name is compared with.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_MENTION_CHARS = 2000  # longer input is cut here (a mention is a line, not a document)
MAX_SEGMENTS = 24

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_NON_WORD = re.compile(r"[\W_]+")
_SEGMENT_SPLIT = re.compile(r"[,;()\[\]{}|\n\t/·•]+|\s[-–—]\s|\.\s")
_DOTTED = re.compile(r"\b(?:\w\.){2,}")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")

LEGAL_FORMS = frozenset(
    "sas sasu sa sarl eurl sca scs snc sci sem gie se gmbh mbh ag kg ohg ug ltd limited inc incorporated llc llp "
    "plc corp corporation co bv nv srl spa sl slu sp zoo oy ab as aps asa kk pty pvt".split()
)
STOP_WORDS = frozenset(
    "of the and for de la le les des du d l et en at in an a y e i del della di da do dos das der die das und fur "
    "van von zu aux au".split()
)
ABBREVIATIONS = {
    "univ": "university", "uni": "university", "dept": "department", "dep": "department", "inst": "institute",
    "hosp": "hospital", "natl": "national", "nat": "national", "ctr": "center", "centre": "center",
    "cent": "center", "st": "saint", "ste": "sainte", "lab": "laboratory", "labs": "laboratories",
    "acad": "academy", "sci": "science", "sciences": "science", "med": "medical", "coll": "college",
    "res": "research", "technol": "technology", "tech": "technology", "&": "and", "chu": "chu",
}
# department and lab prefixes: a segment starting with one of these names a sub-unit, not the
# organisation itself (kept as a weak signal, see features)
UNIT_WORDS = frozenset(
    "department departement departamento dipartimento abteilung division section unit unite laboratory "
    "laboratoire laboratorio labor group team equipe service faculty faculte school ecole clinic "
    "program programme chair".split()
)


def clean(value: object) -> str:
    """A printable, bounded string: control characters become spaces, length is capped."""
    if not isinstance(value, str):
        return ""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", value[: MAX_MENTION_CHARS * 2]).replace("#TAB#", " "))
    return text[:MAX_MENTION_CHARS].strip()


@lru_cache(maxsize=200_000)
def _token(word: str) -> str:
    return ABBREVIATIONS.get(word, word)


def words(value: str, *, expand: bool = True) -> list[str]:
    """Accent- and case-free words of any script, abbreviations expanded (unless `expand` is False)."""
    value = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), value)  # S.A. -> SA, U.S.A. -> USA
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").replace("ø", "o").replace("ı", "i").replace("ł", "l")
    found = _NON_WORD.sub(" ", stripped).split()
    return [_token(w) for w in found] if expand else found


def acronym_key(value: str) -> str:
    """The key of an acronym: folded, never expanded ("UNI" stays "uni", not "university")."""
    return " ".join(words(value, expand=False))


def key(value: str) -> str:
    """The comparison key of a name: words without legal forms."""
    ws = words(value)
    kept = [w for w in ws if w not in LEGAL_FORMS]
    if not any(w not in UNIT_WORDS and w not in STOP_WORDS for w in kept):
        kept = ws  # "DEPT Corporation" stays itself, not "department"
    return " ".join(kept)


def tokens(value_key: str) -> list[str]:
    """Index tokens of a key: its words without stop words; CJK runs also give character bigrams."""
    out: list[str] = []
    for w in value_key.split():
        if w in STOP_WORDS:
            continue
        out.append(w)
        if len(w) > 2 and _CJK.search(w):
            out.extend(w[i : i + 2] for i in range(len(w) - 1))
    return out


def segments(mention: str) -> list[tuple[str, int]]:
    """The mention's pieces between separators, each with the number of its `;`-separated part
    (one affiliation of several); at most MAX_SEGMENTS, empty ones dropped."""
    out: list[tuple[str, int]] = []
    for n, part in enumerate(mention.split(";")):
        for piece in _SEGMENT_SPLIT.split(part):
            piece = piece.strip(" .:-'\"")
            if piece and any(ch.isalnum() for ch in piece):
                out.append((piece, n))
    return out[:MAX_SEGMENTS]


_QUALIFIER = re.compile(r"\s*\([^()]*\)\s*$")


def without_qualifier(name: str) -> str:
    """ROR's "Sanofi (France)" -> "Sanofi": the name as a mention would write it."""
    return _QUALIFIER.sub("", name).strip()


def is_unit(segment_key: str) -> bool:
    first = segment_key.split(" ", 1)[0] if segment_key else ""
    return first in UNIT_WORDS

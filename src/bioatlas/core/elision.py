"""French elision where a name is put after a word: "de" + "Agence X" is "d'Agence X", "le" +
"Hôpital" is "l'Hôpital", "que" + "Inserm" is "qu'Inserm"; before a consonant, an aspirated h
("de Hauts-de-France"), a figure or a quote the word stays whole ("de Biocorp", "le 8 décembre"),
and before code words or a code ("de immediate, digest", "de H2302"): only a name elides.

`elide(word, name)` is the one rule. `Translator.gettext` applies it in French where a catalogue
entry puts a placeholder right after such a word ("membre de {b}"), `t.join(words, name)` where a
page puts a name after translated words ("première réponse de" + a partner), and the notices'
templates call `elide('de', actor)`."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# the words French elides before a vowel or a mute h, with their elided form
ELIDED = {"de": "d'", "le": "l'", "la": "l'", "que": "qu'", "jusque": "jusqu'", "lorsque": "lorsqu'",
          "puisque": "puisqu'"}
# names whose h is aspirated (no elision): their folded first word's beginning
ASPIRATED_H = ("hach", "haie", "hain", "hall", "halte", "hamac", "hamb", "hameau", "hanche", "handi", "hangar",
               "hardi", "haren", "harp", "hasard", "hate", "haus", "haut", "havre", "heros", "herisson", "hetre",
               "hibou", "hierarch", "hockey", "holl", "homard", "hong", "honte", "hors", "houb", "hublot", "huit",
               "hurepoix", "hutte")
VOWELS = set("aeiouy")


def _folded(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))


def elides_before(name: str) -> bool:
    """Whether French elides a word before `name`, a name (a capital, then a letter): a vowel, a mute
    h; not a "y" before a vowel ("de Yaoundé"), an aspirated h, a figure, a quote or a sign, nor a
    word in lower case or a code ("l'un de immediate, digest, off", "métier de H2302": code words)."""
    name = name.lstrip()
    first = _folded(name[:12])
    if len(first) < 2 or not name[0].isupper() or not first[:2].isalpha():
        return False
    if first[0] == "y":
        return len(first) > 1 and first[1] not in VOWELS
    if first[0] == "h":
        return not first.startswith(ASPIRATED_H)
    return first[0] in VOWELS or first[0] in "æœ"


def elide(word: str, name: object) -> str:
    """`word` and `name` as French writes them: elide("de", "Agence X") -> "d'Agence X",
    elide("de", "Biocorp") -> "de Biocorp"; a word that does not elide is kept with its capital
    ("De" -> "D'")."""
    text = str(name)
    elided = ELIDED.get(word.lower())
    if elided is None or not elides_before(text):
        return f"{word} {text}"
    return (elided[0].upper() + elided[1:] if word[:1].isupper() else elided) + text.lstrip()


def join(words: str, name: object) -> str:
    """Translated words and a name after them, the words' last one elided when it should be:
    join("première réponse de", "Agence X") -> "première réponse d'Agence X"."""
    head, _, last = words.rpartition(" ")
    return f"{head} {elide(last, name)}" if head else elide(last, name)


# a placeholder right after a word that elides, in a French catalogue entry: "membre de {b}"
_JOINT = re.compile(r"\b(" + "|".join(ELIDED) + r") \{(\w+)\}", re.IGNORECASE)


@lru_cache(maxsize=4096)
def joints(template: str) -> tuple[tuple[str, str], ...]:
    """The (word, placeholder) pairs of a catalogue entry where elision may apply."""
    return tuple((m.group(1), m.group(2)) for m in _JOINT.finditer(template))


def elide_placeholders(template: str, values: dict) -> str:
    """`template` with "de {name}" written "d'{name}" where the value of name elides it."""
    for word, name in joints(template):
        value = values.get(name)
        if isinstance(value, str) and elides_before(value):
            elided = ELIDED[word.lower()]
            elided = elided[0].upper() + elided[1:] if word[:1].isupper() else elided
            template = template.replace(f"{word} {{{name}}}", f"{elided}{{{name}}}", 1)
    return template

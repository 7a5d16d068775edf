"""Is a medicine a biological medicine? Ordered rules, the first that matches decides.

The rules are data (`data/biologic_rules.csv`, documented in docs/sources-ema.md), one per line,
in the order they are tried:

1. EMA flags: "Advanced therapy" -> `atmp`, "Biosimilar" -> `biosimilar`;
2. INN stems of chemically synthesised look-alikes that are *not* biologics (-siran, -rsen);
3. ATC classes made only of biologics -> `atc:<prefix>` (an ATCvet code Q… matches its human
   class, e.g. QL03AA90 -> L03AA; `QI` is the veterinary immunologicals class);
4. INN stems of biologics (-mab, -cept, -ase, -cel, -gene…) -> `inn:<stem>` (on the active
   substance when the INN / common name is empty);
5. keywords of the active substance or common name (recombinant, vaccine, virus…) -> `substance:<keyword>`;
6. otherwise not a biologic: rule `none`.

Columns of the rule file: code (kept on the product as `biologic_rule`), kind (flag | atc | inn |
substance), pattern, biologic (yes | no), except (words an INN rule ignores) and description.
INN patterns: `-stem` is a word ending (the word must be longer than the stem), a bare word is
that whole word, `|` separates alternatives. Substance patterns are regular expressions on the
folded text (lower case, no accents, punctuation as spaces).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bioatlas.core.text import fold

RULES_FILE = Path(__file__).with_name("data") / "biologic_rules.csv"
KINDS = ("flag", "atc", "inn", "substance")
FLAG_FIELDS = ("advanced_therapy", "biosimilar")
NONE = "none"


class RuleError(ValueError):
    """The rule file is malformed; the message names the line."""


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str
    pattern: str
    biologic: bool
    description: str
    exceptions: frozenset[str] = frozenset()
    regex: re.Pattern | None = None

    def matches(self, *, flags: dict[str, bool | None], atc: list[str], words: list[str], text: str) -> bool:
        if self.kind == "flag":
            return bool(flags.get(self.pattern))
        if self.kind == "atc":
            return any(code.startswith(self.pattern) or (code[:1] == "Q" and code[1:].startswith(self.pattern)) for code in atc)
        if self.kind == "inn":
            return any(_word_matches(w, alt) for w in words if w not in self.exceptions for alt in self.pattern.split("|"))
        return bool(self.regex and self.regex.search(text))


@dataclass(frozen=True)
class Classification:
    is_biologic: bool
    rule: str  # the code of the deciding rule, or "none"


def _word_matches(word: str, alternative: str) -> bool:
    if alternative.startswith("-"):
        stem = alternative[1:]
        return len(word) > len(stem) and word.endswith(stem)
    return word == alternative


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> tuple[Rule, ...]:
    rules: list[Rule] = []
    codes: set[str] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"code", "kind", "pattern", "biologic", "except", "description"} - set(reader.fieldnames or [])
        if missing:
            raise RuleError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            code, kind, pattern = row["code"].strip(), row["kind"].strip(), row["pattern"].strip()
            if not code or not pattern or kind not in KINDS:
                raise RuleError(f"{path}, line {line}: need a code, a pattern and a kind among {', '.join(KINDS)}")
            if code in codes:
                raise RuleError(f"{path}, line {line}: rule {code!r} defined twice")
            if row["biologic"].strip() not in ("yes", "no"):
                raise RuleError(f"{path}, line {line}: biologic must be yes or no")
            if kind == "flag" and pattern not in FLAG_FIELDS:
                raise RuleError(f"{path}, line {line}: a flag rule names one of {', '.join(FLAG_FIELDS)}")
            regex = None
            if kind == "substance":
                try:
                    regex = re.compile(pattern)
                except re.error as exc:
                    raise RuleError(f"{path}, line {line}: bad regular expression ({exc})") from None
            codes.add(code)
            rules.append(
                Rule(
                    code=code, kind=kind, pattern=pattern.upper() if kind == "atc" else pattern.lower(),
                    biologic=row["biologic"].strip() == "yes", description=row["description"].strip(),
                    exceptions=frozenset(w.strip() for w in row["except"].split("|") if w.strip()), regex=regex,
                )
            )
    return tuple(rules)


def classify(
    *,
    advanced_therapy: bool | None = None,
    biosimilar: bool | None = None,
    atc_code: str | None = None,
    inn: str | None = None,
    active_substance: str | None = None,
    rules: tuple[Rule, ...] | None = None,
) -> Classification:
    """The first rule that matches decides; `Classification(False, "none")` when none does."""
    flags = {"advanced_therapy": advanced_therapy, "biosimilar": biosimilar}
    atc = [c for c in re.split(r"[^A-Z0-9]+", (atc_code or "").upper()) if c]
    words = fold(inn or active_substance or "").split()
    text = " | ".join(fold(t) for t in (active_substance, inn) if t)
    for rule in rules if rules is not None else load_rules():
        if rule.matches(flags=flags, atc=atc, words=words, text=text):
            return Classification(rule.biologic, rule.code)
    return Classification(False, NONE)


def describe(code: str) -> str:
    """The description of a rule code ("" for unknown codes, "not matched by any rule" for none)."""
    if code == NONE:
        return "not matched by any rule: not classed as a biological medicine"
    return next((r.description for r in load_rules() if r.code == code), "")

"""Which occupations and job titles belong to bioproduction: decided by two data files, not code.

- `bioproduction_rome.csv` (code, label, titles, reason): the ROME occupations a bioproduction
  site recruits for. `titles=all`: every job title of the occupation inherits the flag (the code
  itself is specific to pharmaceutical/biological production or control); `titles=matching`: the
  code spans many industries, so only its titles that match a keyword rule are flagged.
- `bioproduction_keywords.csv` (pattern, exclude, reason): regular expressions tried on the
  folded job-title labels (`bioatlas.core.text.fold`: lower case, no accents, punctuation → space),
  long and short; a title matches when `pattern` is found and `exclude` (if any) is not.

A title's own keyword match wins over the inherited flag (it is the more specific reason).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from bioatlas.core.text import fold

HERE = Path(__file__).parent
OCCUPATIONS_FILE = HERE / "bioproduction_rome.csv"
KEYWORDS_FILE = HERE / "bioproduction_keywords.csv"
ROME_CODE = re.compile(r"^[A-N][0-9]{4}$")


class RulesError(ValueError):
    """A rules file is unreadable or has a bad line; the message names the file and line."""


@dataclass(frozen=True)
class OccupationRule:
    code: str
    label: str
    titles_all: bool
    reason: str


@dataclass(frozen=True)
class KeywordRule:
    pattern: re.Pattern
    exclude: re.Pattern | None
    reason: str

    def matches(self, folded: str) -> bool:
        return bool(self.pattern.search(folded)) and not (self.exclude and self.exclude.search(folded))


@dataclass(frozen=True)
class Flag:
    bioproduction: bool
    basis: str | None = None  # occupation | keyword (titles only)
    reason: str | None = None


NOT_FLAGGED = Flag(False)


@dataclass
class BioproductionRules:
    occupations: dict[str, OccupationRule] = field(default_factory=dict)
    keywords: list[KeywordRule] = field(default_factory=list)
    list_name: str = OCCUPATIONS_FILE.name  # the occupations list, for warnings

    def occupation_flag(self, code: str) -> Flag:
        rule = self.occupations.get(code)
        return Flag(True, None, rule.reason) if rule else NOT_FLAGGED

    def title_flag(self, label: str, short_label: str | None, occupation_code: str) -> Flag:
        texts = [fold(label)] + ([fold(short_label)] if short_label else [])
        for rule in self.keywords:
            if any(rule.matches(t) for t in texts):
                return Flag(True, "keyword", f"{rule.reason} (keyword /{rule.pattern.pattern}/)")
        rule = self.occupations.get(occupation_code)
        if rule and rule.titles_all:
            return Flag(True, "occupation", f"{rule.reason} (occupation {rule.code})")
        return NOT_FLAGGED

    def check_against(self, labels: dict[str, str]) -> list[str]:
        """Warnings for listed codes absent from a ROME file or listed under another label."""
        warnings = []
        for code, rule in sorted(self.occupations.items()):
            if code not in labels:
                warnings.append(f"{self.list_name}: {code} is not in the ROME occupations file")
            elif rule.label and fold(rule.label) != fold(labels[code]):
                warnings.append(
                    f"{self.list_name}: {code} is labelled {rule.label!r} there but {labels[code]!r} in ROME"
                )
        return warnings


def _rows(path: Path, columns: tuple[str, ...]):
    try:
        fh = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read ({exc.strerror})") from None
    with fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise RulesError(f"{path}: missing column(s) {', '.join(missing)}")
        for row in reader:
            if row.get(None):
                raise RulesError(f"{path}, line {reader.line_num}: more fields than columns (quote values holding commas)")
            yield reader.line_num, {k: (row.get(k) or "").strip() for k in columns}


def _regex(path: Path, line: int, value: str) -> re.Pattern:
    try:
        return re.compile(value)
    except re.error as exc:
        raise RulesError(f"{path}, line {line}: bad regular expression {value!r} ({exc})") from None


def load_rules(occupations_file: Path = OCCUPATIONS_FILE, keywords_file: Path = KEYWORDS_FILE) -> BioproductionRules:
    rules = BioproductionRules(list_name=occupations_file.name)
    for line, row in _rows(occupations_file, ("code", "label", "titles", "reason")):
        code = row["code"].upper()
        if not ROME_CODE.match(code):
            raise RulesError(f"{occupations_file}, line {line}: {row['code']!r} is not a ROME code")
        if code in rules.occupations:
            raise RulesError(f"{occupations_file}, line {line}: {code} is listed twice")
        if row["titles"] not in ("all", "matching"):
            raise RulesError(f"{occupations_file}, line {line}: titles must be `all` or `matching`, not {row['titles']!r}")
        if not row["reason"]:
            raise RulesError(f"{occupations_file}, line {line}: {code} has no reason")
        rules.occupations[code] = OccupationRule(code, row["label"], row["titles"] == "all", row["reason"])
    for line, row in _rows(keywords_file, ("pattern", "exclude", "reason")):
        if not row["pattern"] or not row["reason"]:
            raise RulesError(f"{keywords_file}, line {line}: pattern and reason are required")
        exclude = _regex(keywords_file, line, row["exclude"]) if row["exclude"] else None
        rules.keywords.append(KeywordRule(_regex(keywords_file, line, row["pattern"]), exclude, row["reason"]))
    return rules

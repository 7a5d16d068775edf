"""The sector scope's rule file (`sector/rules.csv`, see docs/sector-scope.md and `atlas.scope`):
its rules as data (`ScopeRule`, `RuleSet`), read and checked line by line (`ScopeRuleError`
names the file, the line and the column), and checked against the taxonomies."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bioatlas.atlas.taxonomy import Taxonomy
from bioatlas.core.errors import FileError

RULES_FILE = Path(__file__).resolve().parent / "sector" / "rules.csv"
COLUMNS = ("rule", "kind", "field", "values", "only", "label_fr", "label_en")
KINDS = ("naf", "research_fact", "capability", "name_keywords", "source_kind", "actor_kind")
NEEDS_FIELD = ("research_fact", "capability")
SOURCE_KINDS = ("inferred", "open_data", "file", "article", "user")  # writer.SOURCE_RANK
_RULE_ID = re.compile(r"^[a-z0-9_]{1,60}$")
_NAME = re.compile(r"^[a-z0-9_]{1,40}$")
_NAF = re.compile(r"^\d{2}\.\d{2}[A-Z]$")


class ScopeRuleError(FileError):
    """A rule file that cannot be used: names the file, the line and the column."""


@dataclass(frozen=True)
class ScopeRule:
    id: str
    kind: str
    fields: tuple[str, ...]
    values: tuple[str, ...]
    only: tuple[str, tuple[str, ...]] | None  # ("scheme" | "source", values)
    label_fr: str
    label_en: str
    line: int

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_fr

    def as_dict(self) -> dict:
        return {"rule": self.id, "kind": self.kind, "field": list(self.fields), "values": list(self.values),
                "only": {self.only[0]: list(self.only[1])} if self.only else None,
                "label": {"fr": self.label_fr, "en": self.label_en}}


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[ScopeRule, ...]
    path: str
    digest: str  # sha256 of the file's bytes

    def get(self, rule_id: str) -> ScopeRule | None:
        return next((r for r in self.rules if r.id == rule_id), None)




def parse_rules(data: str, *, path: str | Path) -> RuleSet:
    """The rules of a CSV text; ScopeRuleError names the file, line and column of the first fault."""
    reader = csv.reader(io.StringIO(data))
    try:
        header = next(reader)
    except StopIteration:
        raise ScopeRuleError(path, "empty rule file; expected the header " + ",".join(COLUMNS), line=1) from None
    header = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ScopeRuleError(path, f"missing column; expected {','.join(COLUMNS)}", line=1, field=missing[0])
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise ScopeRuleError(path, f"unknown column; expected {','.join(COLUMNS)}", line=1, field=unknown[0])
    rules: list[ScopeRule] = []
    seen: set[str] = set()
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise ScopeRuleError(path, f"{len(cells)} cells, expected {len(header)} (a value holding ',' must be quoted)",
                                 line=line)
        row = {h: c.strip() for h, c in zip(header, cells)}
        rule = _rule(row, line, path)
        if rule.id in seen:
            raise ScopeRuleError(path, "this rule name is already used above", line=line, field="rule", value=rule.id)
        seen.add(rule.id)
        rules.append(rule)
    if not rules:
        raise ScopeRuleError(path, "no rule: every actor would be out of the sector", line=1)
    return RuleSet(tuple(rules), str(path), hashlib.sha256(data.encode("utf-8")).hexdigest())


def _split(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in value.split("|") if v.strip()))


def _rule(row: dict[str, str], line: int, path: str | Path) -> ScopeRule:
    def bad(column: str, message: str) -> ScopeRuleError:
        return ScopeRuleError(path, message, line=line, field=column, value=row[column])

    if not _RULE_ID.match(row["rule"]):
        raise bad("rule", "expected a name of lower-case letters, digits and '_' (at most 60)")
    kind = row["kind"]
    if kind not in KINDS:
        raise bad("kind", f"unknown rule kind; expected one of {', '.join(KINDS)}")
    fields = _split(row["field"])
    if kind in NEEDS_FIELD and not fields:
        raise bad("field", f"a {kind} rule names what it reads (e.g. erc_panel, modalities)")
    if kind not in NEEDS_FIELD and fields:
        raise bad("field", f"a {kind} rule reads no field; leave it empty")
    if any(not _NAME.match(f) for f in fields):
        raise bad("field", "expected names of lower-case letters, digits and '_', separated by '|'")
    values = _split(row["values"])
    if not values:
        raise bad("values", "at least one value ('|'-separated)")
    if kind == "naf" and any(not _NAF.match(v) for v in values):
        raise bad("values", "expected NAF codes such as 21.20Z")
    if kind == "source_kind" and any(v not in SOURCE_KINDS for v in values):
        raise bad("values", f"expected source kinds among {', '.join(SOURCE_KINDS)}")
    if "*" in values and (kind != "capability" or len(values) > 1):
        raise bad("values", "'*' (any code) stands alone, in a capability rule")
    only = None
    if row["only"]:
        what, _, listed = row["only"].partition(":")
        kept = _split(listed)
        if what not in ("scheme", "source") or not kept:
            raise bad("only", "expected scheme:<identifier scheme> or source:<source kinds, '|'-separated>")
        if what == "source" and (kind not in ("capability", "research_fact") or any(v not in SOURCE_KINDS for v in kept)):
            raise bad("only", f"source: applies to capability and research_fact rules, kinds among {', '.join(SOURCE_KINDS)}")
        only = (what, kept)
    for column in ("label_fr", "label_en"):
        if not row[column]:
            raise bad(column, "every rule says why in French and English")
    return ScopeRule(row["rule"], kind, fields, values, only, row["label_fr"], row["label_en"], line)


def read_rules(path: str | Path | None = None) -> RuleSet:
    """The rule file at `path` (the shipped `sector/rules.csv` when None)."""
    target = Path(path) if path is not None else RULES_FILE
    try:
        data = target.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ScopeRuleError(target, "no such rule file") from None
    except UnicodeDecodeError:
        raise ScopeRuleError(target, "not UTF-8 text") from None
    return parse_rules(data, path=target)


@lru_cache(maxsize=1)
def shipped_rules() -> RuleSet:
    """The shipped rules (read once per process)."""
    return read_rules(None)


def check_taxonomies(rules: RuleSet, taxonomies: Mapping[str, Taxonomy]) -> None:
    """Capability facets and kinds must name taxonomies and codes that exist."""
    for r in rules.rules:
        if r.kind == "capability":
            for name in r.fields:
                if name not in taxonomies:
                    raise ScopeRuleError(rules.path, "no such taxonomy", line=r.line, field="field", value=name)
            terms = set().union(*(taxonomies[name].terms for name in r.fields))
            bad = [v for v in r.values if v != "*" and v not in terms]
            if bad:
                raise ScopeRuleError(rules.path, f"no such code in {', '.join(r.fields)}", line=r.line, field="values",
                                     value=bad[0])
        elif r.kind == "actor_kind":
            bad = [v for v in r.values if v not in taxonomies["kinds"].terms]
            if bad:
                raise ScopeRuleError(rules.path, "no such actor kind", line=r.line, field="values", value=bad[0])

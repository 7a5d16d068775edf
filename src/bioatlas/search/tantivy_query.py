"""A text query for the Tantivy engine (`search/tantivy_index.py` builds it into Tantivy clauses)
as plain values: encoded into the full-text expression and the memo keys."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bioatlas.search.text import QueryTerm


@dataclass
class Query:
    """A query as term groups: each group is the forms of one query word (`exact`) and, when the
    word is being typed, its prefix; `any_`: OR of the groups instead of AND."""

    groups: list[tuple[list[str], str | None]]
    any_: bool = False
    names_only: bool = False

    def encode(self) -> str:
        return json.dumps({"g": self.groups, "a": self.any_, "n": self.names_only})

    @classmethod
    def decode(cls, text: str) -> Query:
        data = json.loads(text)
        return cls([(list(forms), prefix) for forms, prefix in data["g"]], data["a"], data["n"])

    @classmethod
    def of(cls, terms: list[QueryTerm], any_: bool = False, names_only: bool = False) -> Query:
        groups = [(list(dict.fromkeys([*t.forms, *t.corrected])), t.word if t.prefix else None) for t in terms]
        return cls(groups, any_, names_only)

"""Reader of the public benchmark format of Bofill et al. (MiniZinc data, `.dzn`).

    nBusiness = 42;  nMeetings = 125;  nTables = 21;  nTotalSlots = 8;  nMorningSlots = 8;
    requested = [| 1, 8, 3 | 1, 10, 3 | ... |];      % p1, p2, session (1 AM, 2 PM, 3 either)
    meetingsxBusiness = [{1,2,3}, ...];              % optional: meetings of each participant, + 1
    nMeetingsBusiness = [8, 6, ...];                 % optional: their number
    forbidden = [{0}, {4}, {}, ...];                 % optional: forbidden slots per participant (0: none)
    fixed = [0, 0, 3, ...];                          % optional: fixed slot per meeting (0: none)
    precedences = [{}, {111}, ...];                  % optional: meetings that must come before each one

Every error names the line and the field (`DznError`); the optional redundant fields are
checked against `requested` when present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bioatlas.events.scheduling.problem import Meeting, Problem

REQUIRED = ("nBusiness", "nMeetings", "nTables", "nTotalSlots", "nMorningSlots", "requested")
KNOWN = REQUIRED + ("meetingsxBusiness", "nMeetingsBusiness", "forbidden", "fixed", "precedences", "diference")
TOKEN = re.compile(r"\s*(?:(-?\d+)|([A-Za-z_][A-Za-z0-9_]*)|(\[\||\|\]|[\[\]{}|,;=])|(\S))")


class DznError(ValueError):
    """A malformed `.dzn`: `line` (1-based) and `field` say where."""

    def __init__(self, line: int, field: str, message: str) -> None:
        super().__init__(f"line {line}: {field}: {message}")
        self.line = line
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Tok:
    kind: str  # "int", "name", "sym"
    text: str
    line: int


@dataclass
class Value:
    """A parsed right-hand side: an int, a flat list (ints or sets) or rows of a 2-D array."""

    kind: str  # "int", "list", "rows"
    line: int
    data: object


def _tokens(text: str) -> list[Tok]:
    out: list[Tok] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("%", 1)[0]
        pos = 0
        while pos < len(line):
            match = TOKEN.match(line, pos)
            if match is None or match.end() == pos:
                break
            pos = match.end()
            integer, name, sym, other = match.groups()
            if integer is not None:
                out.append(Tok("int", integer, number))
            elif name is not None:
                out.append(Tok("name", name, number))
            elif sym is not None:
                out.append(Tok("sym", sym, number))
            elif other is not None:
                out.append(Tok("bad", other, number))
    return out


class _Parser:
    def __init__(self, tokens: list[Tok], last_line: int) -> None:
        self.tokens = tokens
        self.i = 0
        self.last_line = last_line
        self.field = "file"

    def peek(self) -> Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> Tok:
        tok = self.peek()
        if tok is None:
            raise DznError(self.last_line, self.field, f"unexpected end of file{f', expected {expected!r}' if expected else ''}")
        if tok.kind == "bad":
            raise DznError(tok.line, self.field, f"unexpected character {tok.text!r}")
        if expected is not None and tok.text != expected:
            raise DznError(tok.line, self.field, f"expected {expected!r}, found {tok.text!r}")
        self.i += 1
        return tok

    def statements(self) -> dict[str, Value]:
        out: dict[str, Value] = {}
        while self.peek() is not None:
            tok = self.take()
            if tok.kind != "name":
                raise DznError(tok.line, self.field, f"expected a field name, found {tok.text!r}")
            self.field = tok.text
            if tok.text in out:
                raise DznError(tok.line, tok.text, "given twice")
            self.take("=")
            out[tok.text] = self.value()
            self.take(";")
            self.field = "file"
        return out

    def value(self) -> Value:
        tok = self.take()
        if tok.kind == "int":
            return Value("int", tok.line, int(tok.text))
        if tok.text == "[|":
            return Value("rows", tok.line, self.rows())
        if tok.text == "[":
            return Value("list", tok.line, self.items())
        raise DznError(tok.line, self.field, f"expected a number or an array, found {tok.text!r}")

    def rows(self) -> list[tuple[int, list[int]]]:
        """`[| a, b, c | d, e, f |]` (a trailing comma before `|` is allowed): (line, row) pairs."""
        rows: list[tuple[int, list[int]]] = []
        current: list[int] = []
        line = self.tokens[self.i - 1].line
        while True:
            tok = self.take()
            if tok.text == "|]":
                if current:
                    rows.append((line, current))
                return rows
            if tok.text == "|":
                if current:
                    rows.append((line, current))
                current = []
                nxt = self.peek()
                line = nxt.line if nxt is not None else tok.line
                continue
            if tok.text == ",":
                continue
            if tok.kind != "int":
                raise DznError(tok.line, self.field, f"expected a number in the array, found {tok.text!r}")
            if not current:
                line = tok.line
            current.append(int(tok.text))

    def items(self) -> list[tuple[int, object]]:
        """`[1, 2, 3]` or `[{1,2}, {}, {0}]`: (line, int or set) pairs."""
        out: list[tuple[int, object]] = []
        while True:
            tok = self.take()
            if tok.text == "]":
                return out
            if tok.text == ",":
                continue
            if tok.kind == "int":
                out.append((tok.line, int(tok.text)))
            elif tok.text == "{":
                members: list[int] = []
                while True:
                    inner = self.take()
                    if inner.text == "}":
                        break
                    if inner.text == ",":
                        continue
                    if inner.kind != "int":
                        raise DznError(inner.line, self.field, f"expected a number in the set, found {inner.text!r}")
                    members.append(int(inner.text))
                out.append((tok.line, members))
            else:
                raise DznError(tok.line, self.field, f"expected a number or a set, found {tok.text!r}")


def _int(fields: dict[str, Value], name: str, minimum: int) -> int:
    value = fields[name]
    if value.kind != "int":
        raise DznError(value.line, name, "expected a whole number")
    if value.data < minimum:  # type: ignore[operator]
        raise DznError(value.line, name, f"must be at least {minimum}, found {value.data}")
    return value.data  # type: ignore[return-value]


def _list(fields: dict[str, Value], name: str, length: int, what: str) -> list[tuple[int, object]]:
    value = fields[name]
    if value.kind != "list":
        raise DznError(value.line, name, f"expected an array of {what}")
    items: list[tuple[int, object]] = value.data  # type: ignore[assignment]
    if len(items) != length:
        raise DznError(value.line, name, f"expected {length} entries, found {len(items)}")
    return items


def _sets(fields: dict[str, Value], name: str, length: int) -> list[tuple[int, list[int]]]:
    out = []
    for line, item in _list(fields, name, length, "sets"):
        if not isinstance(item, list):
            raise DznError(line, name, f"expected a set {{…}}, found {item}")
        out.append((line, item))
    return out


def _ints(fields: dict[str, Value], name: str, length: int) -> list[tuple[int, int]]:
    out = []
    for line, item in _list(fields, name, length, "numbers"):
        if not isinstance(item, int):
            raise DznError(line, name, "expected a number, found a set")
        out.append((line, item))
    return out


def parse(text: str, *, fairness: int | None = 2) -> Problem:
    """The problem a `.dzn` text describes (every meeting required, as in the paper)."""
    tokens = _tokens(text)
    fields = _Parser(tokens, max(1, len(text.splitlines()))).statements()
    for name, value in fields.items():
        if name not in KNOWN:
            raise DznError(value.line, name, f"unknown field (known: {', '.join(KNOWN)})")
    for name in REQUIRED:
        if name not in fields:
            raise DznError(len(text.splitlines()) or 1, name, "missing")
    n_business = _int(fields, "nBusiness", 1)
    n_meetings = _int(fields, "nMeetings", 0)
    n_tables = _int(fields, "nTables", 1)
    n_slots = _int(fields, "nTotalSlots", 1)
    n_morning = _int(fields, "nMorningSlots", 0)
    if n_morning > n_slots:
        raise DznError(fields["nMorningSlots"].line, "nMorningSlots", f"{n_morning} is more than nTotalSlots ({n_slots})")

    requested = fields["requested"]
    if requested.kind != "rows":
        raise DznError(requested.line, "requested", "expected a 2-D array [| p1, p2, session | … |]")
    rows: list[tuple[int, list[int]]] = requested.data  # type: ignore[assignment]
    if len(rows) != n_meetings:
        raise DznError(requested.line, "requested", f"expected nMeetings = {n_meetings} rows, found {len(rows)}")
    morning = frozenset(range(n_morning))
    afternoon = frozenset(range(n_morning, n_slots))
    pairs: list[tuple[int, int, int, int]] = []
    for index, (line, row) in enumerate(rows, start=1):
        if len(row) != 3:
            raise DznError(line, "requested", f"row {index}: expected 3 numbers (p1, p2, session), found {len(row)}")
        a, b, session = row
        for who in (a, b):
            if not 1 <= who <= n_business:
                raise DznError(line, "requested", f"row {index}: participant {who} is not in 1..nBusiness ({n_business})")
        if a == b:
            raise DznError(line, "requested", f"row {index}: participant {a} cannot meet itself")
        if session not in (1, 2, 3):
            raise DznError(line, "requested", f"row {index}: session {session} is not 1 (morning), 2 (afternoon) or 3 (either)")
        if session == 1 and not morning:
            raise DznError(line, "requested", f"row {index}: a morning meeting but nMorningSlots = 0")
        if session == 2 and not afternoon:
            raise DznError(line, "requested", f"row {index}: an afternoon meeting but no afternoon slot")
        pairs.append((line, a - 1, b - 1, session))

    fixed: list[int | None] = [None] * n_meetings
    if "fixed" in fields:
        for m, (line, slot) in enumerate(_ints(fields, "fixed", n_meetings)):
            if not 0 <= slot <= n_slots:
                raise DznError(line, "fixed", f"meeting {m + 1}: slot {slot} is not in 0..nTotalSlots ({n_slots})")
            fixed[m] = slot - 1 if slot else None

    unavailable = [frozenset[int]() for _ in range(n_business)]
    if "forbidden" in fields:
        for p, (line, slots) in enumerate(_sets(fields, "forbidden", n_business)):
            for slot in slots:
                if not 0 <= slot <= n_slots:
                    raise DznError(line, "forbidden", f"participant {p + 1}: slot {slot} is not in 0..nTotalSlots ({n_slots})")
            unavailable[p] = frozenset(s - 1 for s in slots if s)

    precedences: list[tuple[int, int]] = []
    if "precedences" in fields:
        for m, (line, before) in enumerate(_sets(fields, "precedences", n_meetings)):
            for other in before:
                if not 1 <= other <= n_meetings:
                    raise DznError(line, "precedences", f"meeting {m + 1}: meeting {other} is not in 1..nMeetings ({n_meetings})")
                if other == m + 1:
                    raise DznError(line, "precedences", f"meeting {m + 1} cannot precede itself")
                precedences.append((other - 1, m))

    by_participant: list[list[int]] = [[] for _ in range(n_business)]
    for m, (_line, a, b, _s) in enumerate(pairs):
        by_participant[a].append(m)
        by_participant[b].append(m)
    if "nMeetingsBusiness" in fields:
        for p, (line, count) in enumerate(_ints(fields, "nMeetingsBusiness", n_business)):
            if count != len(by_participant[p]):
                raise DznError(line, "nMeetingsBusiness", f"participant {p + 1}: {count}, but requested gives {len(by_participant[p])}")
    if "meetingsxBusiness" in fields:
        for p, (line, shifted) in enumerate(_sets(fields, "meetingsxBusiness", n_business)):
            expected = {m + 2 for m in by_participant[p]}
            if set(shifted) - {1} != expected:
                raise DznError(line, "meetingsxBusiness", f"participant {p + 1}: does not match requested "
                               f"(meetings are shifted by one, 1 = no meeting)")

    meetings = [
        Meeting(a=a, b=b, slots=None if session == 3 else (morning if session == 1 else afternoon),
                fixed=fixed[m], label=f"meeting {m + 1} (participants {a + 1} and {b + 1})")
        for m, (_line, a, b, session) in enumerate(pairs)
    ]
    return Problem(n_participants=n_business, n_slots=n_slots, tables=n_tables, meetings=meetings,
                   unavailable=unavailable, precedences=precedences, require_all=True, fairness=fairness)


def read(path: str | Path, *, fairness: int | None = 2) -> Problem:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DznError(1, "file", f"not UTF-8 text ({exc.reason})") from exc
    return parse(text, fairness=fairness)

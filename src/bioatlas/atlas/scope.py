"""The sector scope: which actors belong to the biotherapy and bioproduction ecosystem, and why.

The rules are data (`sector/rules.csv`, see docs/sector-scope.md): each row is one reason, of one
kind, with FR/EN labels. `compute` evaluates every rule over the atlas and stores, per actor and
rule, the values the rule matched (`ScopeReason`); an actor with at least one reason is in the
sector. It runs as `bioatlas scope compute` and as a demo step (order 300), not on every commit:
an import followed by a recompute is how new actors enter the scope. Views read the stored
reasons through the view filter's `scope` (`atlas.filters`): "sector" or "all"; they default to
"sector" once a computation has run (`default_scope`), to "all" before (an atlas with no scope
shows every actor and says so).

Rule kinds (column `kind`):
- `naf`: the actor's main activity code (IREP, Sirene, spreadsheets) is one of `values`;
- `research_fact`: a research fact (`research_facts`) of a kind listed in `field` (rnsr_domain,
  erc_panel, ilab_domain) has one of `values` as code (a value ending in `*` is a prefix);
- `capability`: a capability of a facet listed in `field` has one of `values` (`*`: any code);
  `only` = `source:k1|k2` keeps the capabilities stated by sources of those kinds;
- `name_keywords`: a keyword of `values` is a whole word (or words) of one of the actor's names,
  case and accents ignored; `only` = `scheme:ror` keeps the actors holding that identifier;
- `source_kind`: a scalar field of the actor was stated by a source of one of these kinds
  (`article`: the organisations the sector's press articles name);
- `actor_kind`: the actor's kind is one of `values` (a parent kind includes its children).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from bioatlas.atlas import changelog, content_version
from bioatlas.atlas.models import (
    Actor,
    ActorName,
    Capability,
    FieldSource,
    Identifier,
    ResearchFact,
    ScopeReason,
    ScopeRun,
    Source,
)
from bioatlas.atlas.scope_rules import (  # noqa: F401 (the rule file's names, read as scope.X)
    COLUMNS,
    KINDS,
    RULES_FILE,
    RuleSet,
    ScopeRule,
    ScopeRuleError,
    check_taxonomies,
    parse_rules,
    read_rules,
    shipped_rules,
)
from bioatlas.atlas.taxonomy import Taxonomy
from bioatlas.core import version_memo
from bioatlas.core.text import fold

SCOPES = ("sector", "all")
SECTOR, ALL = SCOPES
CHUNK = 500
MAX_MATCHED = 500


# --- evaluating the rules ------------------------------------------------------------------------

Matches = dict[int, dict[str, list[str]]]  # actor id -> rule -> values matched


def _add(out: Matches, rule: str, actor_id: int, value: str) -> None:
    values = out.setdefault(actor_id, {}).setdefault(rule, [])
    if value not in values:
        values.append(value)


def _code_condition(column, values: tuple[str, ...]) -> ColumnElement[bool]:
    exact = [v for v in values if not v.endswith("*")]
    prefixes = [v[:-1] for v in values if v.endswith("*")]
    parts: list[ColumnElement[bool]] = [column.in_(exact)] if exact else []
    parts += [column.startswith(p, autoescape=True) for p in prefixes]
    out = parts[0]
    for p in parts[1:]:
        out = out | p
    return out


def _keyword_pattern(values: tuple[str, ...]) -> re.Pattern[str]:
    words = sorted({fold(v) for v in values if fold(v)}, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(" + "|".join(re.escape(w) for w in words) + r")(?![a-z0-9])")


def matches(session: Session, *, rules: RuleSet, taxonomies: Mapping[str, Taxonomy]) -> Matches:
    """Every actor some rule selects, with the values each rule matched."""
    out: Matches = {}
    for r in rules.rules:
        if r.kind == "naf":
            for actor_id, code in session.execute(select(Actor.id, Actor.naf_code).where(Actor.naf_code.in_(r.values))):
                _add(out, r.id, actor_id, code)
        elif r.kind == "research_fact":
            stmt = select(ResearchFact.actor_id, ResearchFact.code).where(
                ResearchFact.kind.in_(r.fields), _code_condition(ResearchFact.code, r.values))
            if r.only and r.only[0] == "source":
                stmt = stmt.join(Source, Source.id == ResearchFact.source_id).where(Source.kind.in_(r.only[1]))
            for actor_id, code in session.execute(stmt):
                _add(out, r.id, actor_id, code)
        elif r.kind == "capability":
            stmt = select(Capability.actor_id, Capability.code).where(Capability.facet.in_(r.fields))
            if r.values != ("*",):
                stmt = stmt.where(Capability.code.in_(r.values))
            if r.only and r.only[0] == "source":
                stmt = stmt.join(Source, Source.id == Capability.source_id).where(Source.kind.in_(r.only[1]))
            for actor_id, code in session.execute(stmt):
                _add(out, r.id, actor_id, code)
        elif r.kind == "name_keywords":
            _keywords(session, r, out)
        elif r.kind == "source_kind":
            for actor_id, title in session.execute(
                select(FieldSource.actor_id, Source.title).join(Source, Source.id == FieldSource.source_id)
                .where(Source.kind.in_(r.values)).distinct()
            ):
                _add(out, r.id, actor_id, title)
        elif r.kind == "actor_kind":
            kinds = taxonomies["kinds"]
            wanted = sorted(set().union(*(kinds.descendants(v) for v in r.values)))
            for actor_id, kind in session.execute(select(Actor.id, Actor.kind).where(Actor.kind.in_(wanted))):
                _add(out, r.id, actor_id, kind)
    return out


def synthetic_only(session: Session) -> set[int]:
    """Actors every fact of which comes from a source of kind `synthetic` (the demo's fictitious
    providers, applicants, participants' organisations): whatever their kind or capabilities, they
    are never in the sector's scope, so no count of the sector includes them."""
    synthetic = select(FieldSource.actor_id).join(Source, Source.id == FieldSource.source_id).where(Source.kind == "synthetic")
    real = select(FieldSource.actor_id).join(Source, Source.id == FieldSource.source_id).where(Source.kind != "synthetic")
    return set(session.scalars(synthetic.except_(real)))


def _keywords(session: Session, r: ScopeRule, out: Matches) -> None:
    pattern = _keyword_pattern(r.values)
    names = select(Actor.id, Actor.name)
    aliases = select(ActorName.actor_id, ActorName.value)
    if r.only and r.only[0] == "scheme":
        holders = select(Identifier.actor_id).where(Identifier.scheme.in_(r.only[1]))
        names, aliases = names.where(Actor.id.in_(holders)), aliases.where(ActorName.actor_id.in_(holders))
    for stmt in (names, aliases):
        for actor_id, name in session.execute(stmt):
            for m in pattern.finditer(fold(name or "")):
                _add(out, r.id, actor_id, m.group(1))


@dataclass
class ScopeReport:
    actors: int = 0  # actors in scope after the run
    added: int = 0  # actors that entered the scope
    removed: int = 0  # actors that left it
    changed: int = 0  # actors whose reasons changed (entered and left included)
    by_rule: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    committed: bool = False

    def as_dict(self) -> dict:
        return {"actors": self.actors, "added": self.added, "removed": self.removed, "changed": self.changed,
                "by_rule": self.by_rule, "dry_run": self.dry_run, "committed": self.committed}


def compute(session: Session, *, rules: RuleSet, taxonomies: Mapping[str, Taxonomy]) -> ScopeReport:
    """Store the reasons the rules give now (what they no longer give is removed), note the
    actors whose reasons changed in the change log (the map and search indexes follow) and record
    the run. The caller commits."""
    check_taxonomies(rules, taxonomies)
    found = matches(session, rules=rules, taxonomies=taxonomies)
    for actor_id in synthetic_only(session):  # demo organisations never count as the sector
        found.pop(actor_id, None)
    wanted = {(a, rule): "|".join(values)[:MAX_MATCHED] for a, per in found.items() for rule, values in per.items()}
    current = {(a, rule): (rid, m) for rid, a, rule, m in session.execute(
        select(ScopeReason.id, ScopeReason.actor_id, ScopeReason.rule, ScopeReason.matched))}
    before = {a for a, _ in current}
    changed: set[int] = set()
    gone = [rid for key, (rid, _) in current.items() if key not in wanted]
    changed |= {key[0] for key in current if key not in wanted}
    for start in range(0, len(gone), CHUNK):
        session.execute(delete(ScopeReason).where(ScopeReason.id.in_(gone[start:start + CHUNK])))
    for key, matched in wanted.items():
        if key in current and current[key][1] != matched:
            session.execute(update(ScopeReason).where(ScopeReason.id == current[key][0]).values(matched=matched))
            changed.add(key[0])
    fresh = [{"actor_id": a, "rule": rule, "matched": m} for (a, rule), m in wanted.items() if (a, rule) not in current]
    changed |= {row["actor_id"] for row in fresh}
    for start in range(0, len(fresh), CHUNK):
        session.execute(insert(ScopeReason), fresh[start:start + CHUNK])
    after = set(found)
    changelog.note(session, changed)
    content_version.note(session)  # the default scope and every count may change: cached answers too
    session.add(ScopeRun(rules_digest=rules.digest, actors=len(after)))
    by_rule: dict[str, int] = defaultdict(int)
    for _, rule in wanted:
        by_rule[rule] += 1
    return ScopeReport(actors=len(after), added=len(after - before), removed=len(before - after), changed=len(changed),
                       by_rule={r.id: by_rule.get(r.id, 0) for r in rules.rules})


# --- reading the scope ---------------------------------------------------------------------------


def in_scope_condition() -> ColumnElement[bool]:
    """Actor is in the sector (an uncorrelated IN, evaluated once, like the capability facets)."""
    return Actor.id.in_(select(ScopeReason.actor_id))


_COMPUTED = select(exists().where(ScopeRun.id.isnot(None)))  # built once (every page asks)
_COMPUTED_NAME = "atlas.scope.computed"
_REASONS = select(ScopeReason.rule, ScopeReason.matched).where(ScopeReason.actor_id == bindparam("actor_id"))


def computed(session: Session) -> bool:
    """Has the scope ever been computed on this atlas? Kept per data version for an anonymous
    read (`core.version_memo`: a computation commits a run, which moves the version)."""
    return version_memo.read(session, _COMPUTED_NAME, lambda: bool(session.connection().scalar(_COMPUTED)))


def known_default_scope(request_state: dict, engine) -> str | None:
    """`default_scope` as kept for the request's data version (no database read: the event
    loop's), or None when it must be read."""
    found = version_memo.peek(engine, request_state.get(version_memo.KEY), _COMPUTED_NAME)
    return None if found is version_memo.MISSING else (SECTOR if found else ALL)


def default_scope(session: Session) -> str:
    """The scope of a view that does not choose: the sector once it has been computed, else all."""
    return SECTOR if computed(session) else ALL


def last_run(session: Session) -> ScopeRun | None:
    return session.scalars(select(ScopeRun).order_by(ScopeRun.id.desc()).limit(1)).first()


def reasons_of(session: Session, *, actor_id: int, rules: RuleSet, lang: str = "fr") -> list[dict]:
    """Why the actor is in the sector: one entry per rule (in the rule file's order), empty when
    it is not."""
    rows = {r: m for r, m in session.connection().execute(_REASONS, {"actor_id": actor_id})}
    out = []
    for r in rules.rules:
        if r.id in rows:
            out.append({"rule": r.id, "kind": r.kind, "label": r.label(lang), "matched": rows.pop(r.id).split("|")})
    for rule_id, matched in sorted(rows.items()):  # a rule since removed from the file: still said
        out.append({"rule": rule_id, "kind": None, "label": rule_id, "matched": matched.split("|")})
    return out


def in_scope_ids(session: Session, *, actor_ids: list[int] | None = None) -> set[int]:
    """The actors in the sector (among `actor_ids` when given)."""
    stmt = select(ScopeReason.actor_id).distinct()
    if actor_ids is None:
        return set(session.scalars(stmt))
    out: set[int] = set()
    for start in range(0, len(actor_ids), CHUNK):
        out |= set(session.scalars(stmt.where(ScopeReason.actor_id.in_(actor_ids[start:start + CHUNK]))))
    return out


def counts_by_rule(session: Session) -> dict[str, int]:
    """Active actors per rule (an actor counts once per rule that selects it)."""
    return {rule: int(n) for rule, n in session.execute(
        select(ScopeReason.rule, func.count()).join(Actor, Actor.id == ScopeReason.actor_id)
        .where(Actor.status == "active").group_by(ScopeReason.rule))}


def summary(session: Session, *, lang: str = "fr") -> dict:
    """The rules, the last computation, active actors per rule and in scope, the default scope."""
    rules = shipped_rules()
    run = last_run(session)
    counts = counts_by_rule(session)
    total = int(session.scalar(select(func.count(func.distinct(ScopeReason.actor_id))).join(
        Actor, Actor.id == ScopeReason.actor_id).where(Actor.status == "active")) or 0)
    return {
        "default": SECTOR if run is not None else ALL,
        "scopes": list(SCOPES),
        "label": {"fr": "filière biothérapies et bioproduction", "en": "biotherapy and bioproduction sector"},
        "computed": None if run is None else {
            "at": run.computed_at.isoformat(), "rules_digest": run.rules_digest, "actors": run.actors,
            "current_rules": run.rules_digest == rules.digest},
        "actors_in_scope": total,
        "rules": [{**r.as_dict(), "label_shown": r.label(lang), "actors": counts.get(r.id, 0)} for r in rules.rules],
    }

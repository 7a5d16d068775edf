"""The sector scope, research facts and inferred capabilities as the atlas's service offers them
(re-exported by `atlas.service`, the only module other rooms import)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.orm import Session

from bioatlas.atlas import inferred, research_facts, scope
from bioatlas.atlas.models import CapabilityEvidence, ResearchFact, Source

# --- the sector scope ------------------------------------------------------------------------------

SCOPES, SECTOR, ALL = scope.SCOPES, scope.SECTOR, scope.ALL
ScopeRuleError = scope.ScopeRuleError


def scope_rules(*, path: Path | None = None) -> scope.RuleSet:
    """The scope rules (the shipped `atlas/sector/rules.csv`, or the file at `path`)."""
    return scope.shipped_rules() if path is None else scope.read_rules(path)


def default_scope(session: Session) -> str:
    """"sector" once the scope has been computed on this atlas, "all" before."""
    return scope.default_scope(session)


def scope_reasons_of(session: Session, *, actor_id: int, lang: str = "fr") -> list[dict]:
    """Why the actor is in the sector ({rule, kind, label, matched}), empty when it is not."""
    return scope.reasons_of(session, actor_id=actor_id, rules=scope.shipped_rules(), lang=lang)


def in_scope_ids(session: Session, *, actor_ids: list[int] | None = None) -> set[int]:
    """The actors of the sector scope (among `actor_ids` when given)."""
    return scope.in_scope_ids(session, actor_ids=actor_ids)


def scope_summary(session: Session, *, lang: str = "fr") -> dict:
    """The rules, the last computation and the active actors each rule selects (`/api/v1/scope`)."""
    return scope.summary(session, lang=lang)


# --- research facts (RNSR and i-Lab connectors; sector scope and inferred capabilities read them)


def replace_research_facts(session: Session, *, actor_id: int, source: Source,
                           facts: list[tuple[str, str, str | None]]) -> bool:
    """Set what `source` states as research facts ((kind, code, label) triples) about the actor;
    True if anything changed. Kinds: see `models.ResearchFact`."""
    return research_facts.replace(session, actor_id, source.id, facts)


def research_facts_of(session: Session, *, actor_id: int, kind: str | None = None) -> list[ResearchFact]:
    """The actor's research facts (of one kind, or all), every source, ordered by kind and code."""
    return research_facts.of_actor(session, actor_id, kind)


# --- inferred capabilities (the inference room reads actors' texts and writes through these) -----

INFERRED = inferred.INFERRED


def inference_source(session: Session) -> Source:
    """The one source of kind "inferred" (ranked below every stated source)."""
    return inferred.source(session)


def field_texts(session: Session, *, source_key: str, field: str) -> list[tuple[int, str]]:
    """(actor id, value) of an actor's scalar field (e.g. description_fr) as stated by `source_key`."""
    return inferred.field_texts(session, source_key, field)


def names_of_scheme(session: Session, *, scheme: str) -> dict[int, list[str]]:
    """{actor id: its names (usual first)} of the actors holding an identifier of `scheme`."""
    return inferred.names_of_scheme(session, scheme)


def research_facts_by_kind(session: Session, *, kind: str) -> dict[int, list[str]]:
    """{actor id: codes} of every research fact of one kind (e.g. erc_panel)."""
    return inferred.facts_of_kind(session, kind)


def replace_inferred_capabilities(session: Session, *,
                                  found: Mapping[int, Mapping[tuple[str, str], tuple[str, str]]]):
    """Make the inferred capabilities exactly `found` ({actor id: {(facet, code): (rule, matched
    words)}}), a stated or rejected capability left as it is; a Counter of outcomes."""
    return inferred.replace_all(session, found)


def inferred_evidence_of(session: Session, *, actor_id: int) -> dict[tuple[str, str], CapabilityEvidence]:
    """{(facet, code): evidence} of the actor's capabilities that are still inferred."""
    return inferred.of_actor(session, actor_id)


def judge_inferred_capability(session: Session, *, actor_id: int, facet: str, code: str, decision: str,
                              source: Source) -> bool:
    """"confirm" (the capability becomes `source`'s, a user's) or "reject" (removed; a re-run does
    not bring it back) an inferred capability; False when the actor has no such inferred one."""
    if decision not in ("confirm", "reject"):
        raise ValueError(f"decision: expected confirm or reject, got {decision!r}")
    return inferred.judge(session, actor_id, facet, code, decision, source)

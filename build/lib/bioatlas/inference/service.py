"""Inferred capabilities: read the actors' own words (i-Lab summaries, RNSR unit names, ERC
panels) through the atlas's public interface, match them with the rules (`rules.py`), store the
findings as capabilities of the "inferred" source with their evidence; members and editors
confirm or reject them (recorded as accepted contributions, under the user's own source)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from bioatlas.accounts import service as accounts
from bioatlas.accounts.policy import Principal
from bioatlas.atlas import service as atlas
from bioatlas.atlas.service import Actor, Taxonomy
from bioatlas.contributions import service as contributions
from bioatlas.core.db import unit_of_work
from bioatlas.core.reports import write_or_rollback
from bioatlas.inference.rules import Finding, Matcher

ILAB_SOURCE = "ilab"  # the key of the i-Lab connector's source: its summaries are read
RNSR_SCHEME = "rnsr"  # units holding an RNSR id: their names are read
DECISIONS = ("confirm", "reject")


class InferenceError(ValueError):
    """A refused judgement (no such inferred capability, unknown decision); the message says why."""


@dataclass
class InferReport:
    """What a run found and did: actors read per input, findings per rule, outcomes."""

    dry_run: bool = False
    committed: bool = False
    read: Counter = field(default_factory=Counter)
    rules: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {"dry_run": self.dry_run, "committed": self.committed, "read": dict(self.read),
                "findings_per_rule": dict(sorted(self.rules.items())), "outcomes": dict(sorted(self.outcomes.items()))}


def findings(session: Session, *, matcher: Matcher, read: Counter | None = None,
             progress: Callable[[int], None] = lambda n: None) -> dict[int, list[Finding]]:
    """{actor id: findings} over every i-Lab summary, RNSR unit's names and ERC panels (`read`
    counts the actors read per input)."""
    read = Counter() if read is None else read
    out: dict[int, dict[tuple[str, str], Finding]] = {}

    def keep(actor_id: int, items: list[Finding]) -> None:
        per = out.setdefault(actor_id, {})
        for f in items:
            per.setdefault((f.facet, f.code), f)  # the first input's evidence stays

    summaries = atlas.field_texts(session, source_key=ILAB_SOURCE, field="description_fr")
    for actor_id, text in summaries:
        keep(actor_id, matcher.match_text("ilab_summary", text))
    read["ilab_summaries"] += len(summaries)
    progress(len(summaries))
    names = atlas.names_of_scheme(session, scheme=RNSR_SCHEME)
    for actor_id, values in names.items():
        keep(actor_id, matcher.match_text("rnsr_name", " | ".join(values)))
    read["rnsr_units"] += len(names)
    progress(len(names))
    panels = atlas.research_facts_by_kind(session, kind="erc_panel")
    for actor_id, codes in panels.items():
        keep(actor_id, matcher.match_panels(codes))
    read["erc_panel_actors"] += len(panels)
    progress(len(panels))
    return {a: sorted(per.values(), key=lambda f: (f.facet, f.code)) for a, per in out.items() if per}


def infer(factory: sessionmaker[Session], *, taxonomies: Mapping[str, Taxonomy], dry_run: bool = False,
          progress: Callable[[int], None] = lambda n: None) -> InferReport:
    """One run in one transaction (rolled back on a dry run): the inferred capabilities become
    exactly what the rules find now, stated and rejected ones left alone. Idempotent."""
    report = InferReport(dry_run=dry_run)
    matcher = Matcher(taxonomies)

    def write(session: Session) -> None:
        found = findings(session, matcher=matcher, read=report.read, progress=progress)
        for items in found.values():
            report.rules.update(f.rule for f in items)
        report.outcomes["actors"] = len(found)
        report.outcomes.update(atlas.replace_inferred_capabilities(session, found={
            actor_id: {(f.facet, f.code): (f.rule, "|".join(f.matched)) for f in items} for actor_id, items in found.items()}))

    return write_or_rollback(factory, report, write)


def evidence_of(session: Session, *, actor_id: int) -> dict:
    """{(facet, code): evidence} of the actor's still-inferred capabilities (the actor page)."""
    return atlas.inferred_evidence_of(session, actor_id=actor_id)


def judge(session: Session, *, principal: Principal, actor: Actor, facet: str, code: str, decision: str,
          ip: str | None) -> None:
    """A member's or editor's confirmation or rejection of an inferred capability, published at
    once: an accepted contribution, the capability turned into the user's fact or removed (and
    remembered), the audit log. One unit of work."""
    if decision not in DECISIONS:
        raise InferenceError(f"decision: expected confirm or reject, got {decision!r}")
    with unit_of_work(session):
        contributions.create(session, principal=principal, kind=f"inferred_{decision}", actor=actor,
                             payload={"facet": facet, "code": code, "decision": decision}, note=None, status="accepted")
        source = contributions.user_source(session, user_id=principal.user_id)
        if not atlas.judge_inferred_capability(session, actor_id=actor.id, facet=facet, code=code, decision=decision,
                                               source=source):
            raise InferenceError(f"facet/code: actor {actor.id} has no inferred capability {facet}/{code}")
        accounts.record_audit(session, event="contribution", user_id=principal.user_id, ip=ip,
                              target=f"actor:{actor.id}", detail={"kind": f"inferred_{decision}", "facet": facet, "code": code})

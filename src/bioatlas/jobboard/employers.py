"""The employer's capabilities as facets of the offers: the modalities and value-chain steps of
the offer's actor, as the atlas holds them (stated by a source or inferred from the actor's own
texts; a capability a member rejected is gone). They are read from the atlas when searching, not
copied into the offers, so an inference re-run or an edit of the actor shows at once.

A chosen code takes its whole subtree (viral vectors → AAV, lentiviral), as the atlas's own
filter does; a facet count puts an offer under each code of its employer and that code's
ancestors. Offers without an atlas actor (an unmatched import) have no capability."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.jobboard.fields import FieldError
from bioatlas.jobboard.models import JobOffer

# query parameter → atlas taxonomy (the atlas's own facet names)
FACETS = {"modality": "modalities", "step": "value_chain"}
MAX_VALUES = 20


@dataclass(frozen=True)
class Capabilities:
    """The capability codes asked for (parameter → codes as chosen)."""

    modality: tuple[str, ...] = ()
    step: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.modality or self.step)


def taxonomies() -> Mapping[str, Any]:
    return atlas.taxonomies()


def parse(params: Mapping[str, Sequence[str]]) -> Capabilities:
    """The `modality` and `step` parameters (repeatable or comma-separated), checked against the
    atlas's taxonomies; FieldError names the refused parameter."""
    tax = taxonomies()
    chosen: dict[str, tuple[str, ...]] = {}
    for name, tax_name in FACETS.items():
        values = [c.strip() for v in params.get(name) or [] for c in v.split(",") if c.strip()]
        if len(values) > MAX_VALUES:
            raise FieldError(name, "at most {max} values", params={"max": MAX_VALUES})
        bad = [v for v in values if v not in tax[tax_name].terms]
        if bad:
            raise FieldError(name, "unknown value {bad!r}: one of {terms}", params={"bad": bad[0], "terms": ', '.join(tax[tax_name].terms)})
        chosen[name] = tuple(dict.fromkeys(values))
    return Capabilities(**chosen)


def condition(chosen: Capabilities):
    """SQL: the offer's actor has one of the chosen codes (subtrees included) of each chosen facet,
    through the atlas's view filter (any actor status)."""
    view = atlas.ActorFilter(modality=chosen.modality, step=chosen.step, status="")
    return JobOffer.actor_id.in_(select(atlas.Actor.id).where(*atlas.view_conditions(view, taxonomies=taxonomies())))


def _with_ancestors(codes: set[str], tax) -> set[str]:
    out = set(codes)
    for code in codes:
        term = tax.terms.get(code)
        while term is not None and term.parent and term.parent not in out:
            out.add(term.parent)
            term = tax.terms.get(term.parent)
    return out


def codes_of(actors: Mapping[int, Any]) -> dict[int, dict[str, set[str]]]:
    """{actor id: {"modality": codes, "step": codes}} with the ancestors of each code."""
    tax = taxonomies()
    out: dict[int, dict[str, set[str]]] = {}
    for actor_id, actor in actors.items():
        out[actor_id] = {name: _with_ancestors({c.code for c in actor.capabilities if c.facet == tax_name}, tax[tax_name])
                         for name, tax_name in FACETS.items()}
    return out


def actor_codes(session: Session, *, actor_ids: Sequence[int]) -> dict[int, dict[str, set[str]]]:
    return codes_of(atlas.load_actors(session, ids=actor_ids))


def facet_counts(session: Session, *, where: Sequence[Any]) -> dict[str, Counter]:
    """Offers matching `where` per modality and per value-chain step of their employer: one
    count per employer in SQL, then, per taxonomy code, which of those employers have it (subtree
    included, so a parent counts its children's employers) through the atlas's view filter: a few
    small queries on the actors, never loading them."""
    per_actor = {a: n for a, n in session.execute(
        select(JobOffer.actor_id, func.count()).where(*where, JobOffer.actor_id.is_not(None)).group_by(JobOffer.actor_id))}
    counts: dict[str, Counter] = {name: Counter() for name in FACETS}
    if not per_actor:
        return counts
    tax = taxonomies()
    ids = sorted(per_actor)
    for name, tax_name in FACETS.items():
        for code in tax[tax_name].terms:
            view = atlas.ActorFilter(status="", **{name: (code,)})
            having = session.scalars(select(atlas.Actor.id).where(
                *atlas.view_conditions(view, taxonomies=tax), atlas.Actor.id.in_(ids)))
            total = sum(per_actor[a] for a in having)
            if total:
                counts[name][code] = total
    return counts


def meets(chosen: Capabilities, codes: Mapping[str, set[str]] | None) -> bool:
    """Whether an employer with `codes` (from `actor_codes`) meets the chosen capabilities (the
    same rule as `condition`, in Python)."""
    if not chosen:
        return True
    if codes is None:
        return False
    tax = taxonomies()
    for name, tax_name in FACETS.items():
        wanted = getattr(chosen, name)
        if wanted and not any(tax[tax_name].descendants(c) & codes[name] for c in wanted):
            return False
    return True


def labels(name: str, lang: str) -> dict[str, str]:
    tax = taxonomies()[FACETS[name]]
    return {code: tax.label(code, lang) for code in tax.terms}

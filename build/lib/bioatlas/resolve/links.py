"""Linking across sources: an organisation seen by several registries becomes one actor.

The connectors write each registry record as its own actor, matched on its own identifier only
(`upsert_actor(..., match_by_name=False, schemes=(its scheme,))`); this step, run after the
imports, folds the records that name one organisation together through the resolver's reversible
merge (`resolve.merge.merge_actors`: every fact keeps its source, the merge can be undone on the
duplicates page):

1. **Identifiers.** Actors of different sources sharing a SIREN (an i-Lab SIREN, an IREP or RNSR
   SIRET's first nine digits) are one organisation: linked surely.
2. **Names and places.** Each record of RNSR (structures and supervising bodies), i-Lab, IREP,
   Transparence-Santé and the seed articles is resolved against the atlas (its name and commune,
   itself left out) by the calibrated resolver. The first candidate of another source is scored as
   the duplicate finder scores a pair (the resolver's probability times the similarity of the two
   names). Sure (score >= AUTO_THRESHOLD, the same name up to word order and legal form, no city
   clash, no other sure candidate): merged. Unsure (>= REVIEW_THRESHOLD): queued on the duplicates
   review page (`/admin/duplicates`), never merged.
3. **Conflicts.** A pair whose actors hold different values of one identifier (two SIRENs, two
   ROR ids…), or that already holds a record of the same registry (the candidate is linked to
   another RNSR structure, another IREP plant of the company, another Transparence-Santé
   company…), is reported, never merged: a record is not moved from the actor it is linked to, and
   an actor holds one record per registry, so re-importing a registry replaces that record's
   facts only.

A pair decided once (merged, queued, rejected by a reviewer, or a merge undone) is never proposed
again, so a second run changes nothing. The kept actor is the one with a ROR id, else the one
whose name a person or an article stated, else the one with more identifiers, else the older; the
merged record's name stays on it as an alias (source: the resolver's merges).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

# reads atlas tables: linking reads every actor's identifiers, sources and places in a few queries
from bioatlas.atlas.models import Actor, ActorName, FieldSource, Identifier, Site, Source
from bioatlas.atlas.service import get_or_create_source
from bioatlas.core.reports import write_or_rollback
from bioatlas.core.text import fold
from bioatlas.resolve.duplicates import AUTO_THRESHOLD, REVIEW_THRESHOLD
from bioatlas.resolve.index import bag, build_index
from bioatlas.resolve.merge import MERGE_SOURCE, merge_actors
from bioatlas.resolve.models import DuplicateCandidate
from bioatlas.resolve.resolver import Resolver
from bioatlas.resolve.text import key, tokens

ARTICLES = "articles"  # every source of kind "article" (the seed articles' organisations)
# the records linked, in this order (registries first; the seed articles' organisations last)
LINKED = ("rnsr", "ilab", "irep", "transparence_sante", ARTICLES)
# when an actor carries several sources, the pair counts under the first of these it carries
PRIMARY = ("ror", ARTICLES, "rnsr", "ilab", "irep", "transparence_sante")
# one value per organisation: two values of one of these on a pair make two organisations
# (a company has several SIRETs and IREP establishments: not these)
SINGLE = ("ror", "rnsr", "siren", "transparence_sante", "wikidata", "isni", "grid", "fundref", "vat")
# a registry's own identifiers (RNSR: structures by number, supervising bodies by SIRET)
OWN_SCHEMES = {"ror": ("ror",), "rnsr": ("rnsr", "siret"), "ilab": ("siren",), "irep": ("irep",),
               "transparence_sante": ("transparence_sante",)}
CURATED = ("article", "file", "user")
MAX_PASSES = 3  # source kinds of a name a person or an article stated


@dataclass
class Conflict:
    """A link refused: the candidate already holds another value of one of the record's identifiers."""

    record_id: int
    record: str
    actor_id: int
    actor: str
    scheme: str
    record_values: list[str]
    actor_values: list[str]
    how: str  # identifier | name

    def as_dict(self) -> dict:
        return self.__dict__.copy()

    def __str__(self) -> str:
        return (f"{self.record} (actor {self.record_id}, {self.scheme} {', '.join(self.record_values)}) not linked "
                f"to {self.actor} (actor {self.actor_id}): it already holds {self.scheme} "
                f"{', '.join(self.actor_values)}")


@dataclass(kw_only=True)
class LinkReport:
    dry_run: bool = False
    committed: bool = False
    actors_before: Counter = field(default_factory=Counter)  # source -> actors carrying it
    actors_after: Counter = field(default_factory=Counter)
    sure: Counter = field(default_factory=Counter)  # "a ↔ b" -> links applied
    queued: Counter = field(default_factory=Counter)  # "a ↔ b" -> pairs newly queued for review
    conflicts: list[Conflict] = field(default_factory=list)
    conflict_pairs: Counter = field(default_factory=Counter)
    set_aside: int = 0  # pairs of different names whose actors cannot be one (`_Atlas.clash`): not queued, not listed
    already: int = 0  # pairs found again that were decided or queued before (left as they are)
    merges: list[int] = field(default_factory=list)  # ActorMerge ids
    articles_located: tuple[int, int] = (0, 0)  # article-named actors with a located site, of all
    articles_located_before: tuple[int, int] = (0, 0)

    def pairs(self) -> dict[str, dict[str, int]]:
        names = sorted(set(self.sure) | set(self.queued) | set(self.conflict_pairs))
        return {p: {"sure": self.sure[p], "queued": self.queued[p], "conflicts": self.conflict_pairs[p]} for p in names}

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run, "committed": self.committed,
            "actors_per_source": {"before": dict(sorted(self.actors_before.items())),
                                  "after": dict(sorted(self.actors_after.items()))},
            "links": self.pairs(), "sure": sum(self.sure.values()), "queued": sum(self.queued.values()),
            "conflicts": [c.as_dict() for c in self.conflicts], "already_decided": self.already,
            "set_aside": self.set_aside,
            "article_actors_with_site": {"before": self.articles_located_before[0], "after": self.articles_located[0],
                                         "of": self.articles_located[1]},
        }


def pair_name(a: str, b: str) -> str:
    return " ↔ ".join(sorted((a, b)))


def link_sources(factory: sessionmaker[Session], *, dry_run: bool = False,
                 progress: Callable[[int], None] | None = None, total: Callable[[int], None] | None = None) -> LinkReport:
    """Link the registries' records in one all-or-nothing transaction (rolled back when a dry run)."""
    report = LinkReport(dry_run=dry_run)
    return write_or_rollback(factory, report, lambda session: link(session, report=report, progress=progress, total=total))


class _Atlas:
    """What linking keeps in memory: each actor's sources, identifiers and cities, updated on merges."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.labels: dict[int, set[str]] = defaultdict(set)
        source_label = {sid: (ARTICLES if kind == "article" else k)
                        for sid, k, kind in session.execute(select(Source.id, Source.key, Source.kind))}
        for table in (Identifier, FieldSource, Site):
            for actor_id, source_id in session.execute(select(table.actor_id, table.source_id).distinct()):
                self.labels[actor_id].add(source_label[source_id])
        self.ids: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for actor_id, scheme, value in session.execute(select(Identifier.actor_id, Identifier.scheme, Identifier.value)):
            self.ids[actor_id][scheme].add(value)
        self.names = dict(session.execute(select(Actor.id, Actor.name)).all())
        self.curated = set(session.scalars(
            select(FieldSource.actor_id).join(Source, Source.id == FieldSource.source_id)
            .where(FieldSource.field == "name", Source.kind.in_(CURATED))))
        self.into: dict[int, int] = {}  # merged actor -> the actor it went into, during this run
        self.before = {(d.actor_a_id, d.actor_b_id) for d in session.scalars(select(DuplicateCandidate))}
        self.decided = set(self.before)  # + the pairs this run merged, queued or set aside

    def final(self, actor_id: int) -> int:
        while actor_id in self.into:
            actor_id = self.into[actor_id]
        return actor_id

    def primary(self, actor_id: int) -> str:
        labels = self.labels.get(actor_id, set())
        return next((p for p in PRIMARY if p in labels), min(labels, default="other"))

    def sirens(self, actor_id: int) -> set[str]:
        ids = self.ids.get(actor_id, {})
        return set(ids.get("siren", ())) | {v[:9] for v in ids.get("siret", ()) if len(v) == 14}

    def clash(self, a: int, b: int) -> tuple[str, list[str], list[str]] | None:
        """Why the two actors cannot be one (None: nothing against it): different values of one
        identifier, or a record of one registry each (a registry record is never moved from the
        actor it is linked to, and an actor holds one record per registry, so that re-importing
        the registry replaces that record's facts and nothing else)."""
        ids_a, ids_b = self.ids.get(a, {}), self.ids.get(b, {})
        for scheme in SINGLE:
            va, vb = set(ids_a.get(scheme, ())), set(ids_b.get(scheme, ()))
            if scheme == "siren":
                va, vb = self.sirens(a), self.sirens(b)
            if va and vb and not va & vb:
                return scheme, sorted(va), sorted(vb)
        for label in sorted(self.labels.get(a, set()) & self.labels.get(b, set()) & set(OWN_SCHEMES)):
            va = {v for scheme in OWN_SCHEMES[label] for v in ids_a.get(scheme, ())}
            vb = {v for scheme in OWN_SCHEMES[label] for v in ids_b.get(scheme, ())}
            return label, sorted(va), sorted(vb)
        return None

    def rank(self, actor_id: int) -> tuple:
        """Kept first: a ROR id, a name a person or an article stated, an organisation rather than one
        of its establishments (an IREP plant is named for its site), more identifiers, the older."""
        ids = self.ids.get(actor_id, {})
        establishment = self.labels.get(actor_id, set()) <= {"irep"}
        return ("ror" not in ids, actor_id not in self.curated, establishment, -len(ids), actor_id)

    def merge(self, a: int, b: int, *, score: float, reasons: list[str]) -> int:
        """Fold the lower-ranked actor into the other; returns the merge id."""
        kept, dropped = sorted((a, b), key=self.rank)
        pair = tuple(sorted((a, b)))
        self.session.add(DuplicateCandidate(actor_a_id=pair[0], actor_b_id=pair[1], score=score,
                                            reasons=json.dumps(reasons, ensure_ascii=False), status="merged"))
        self.session.flush()
        self.decided.add(pair)
        record = merge_actors(self.session, kept_id=kept, merged_id=dropped, score=score, method="auto")
        self._keep_name(kept, self.names.get(dropped, ""))
        self.into[dropped] = kept
        self.labels[kept] |= self.labels.pop(dropped, set())
        for scheme, values in self.ids.pop(dropped, {}).items():
            self.ids[kept][scheme] |= values
        if dropped in self.curated:
            self.curated.add(kept)
        return record.id

    def _keep_name(self, kept: int, name: str) -> None:
        """The merged record's name stays findable on the kept actor (as an alias of the merge)."""
        if not name or fold(name) == fold(self.names.get(kept, "")):
            return
        held = self.session.scalar(select(func.count()).select_from(ActorName).where(
            ActorName.actor_id == kept, ActorName.value_key == fold(name)))
        if not held:
            source = get_or_create_source(self.session, record=MERGE_SOURCE)
            self.session.add(ActorName(actor_id=kept, type="alias", value=name[:500], value_key=fold(name)[:500],
                                       source_id=source.id))
            self.session.flush()

    def queue(self, a: int, b: int, *, score: float, reasons: list[str]) -> None:
        pair = tuple(sorted((a, b)))
        self.session.add(DuplicateCandidate(actor_a_id=pair[0], actor_b_id=pair[1], score=score,
                                            reasons=json.dumps(reasons, ensure_ascii=False)))
        self.session.flush()
        self.decided.add(pair)

    def count(self) -> Counter:
        out: Counter = Counter()
        for labels in self.labels.values():
            out.update(labels)
        return out


def link(session: Session, *, report: LinkReport | None = None, progress: Callable[[int], None] | None = None,
         total: Callable[[int], None] | None = None) -> LinkReport:
    """Link in the caller's transaction (see the module's docstring)."""
    report = report or LinkReport()
    atlas = _Atlas(session)
    report.actors_before = atlas.count()
    report.articles_located_before = _articles_located(session)
    records = [a for label in LINKED for a in sorted(i for i, ls in atlas.labels.items() if label in ls)]
    records = list(dict.fromkeys(records))
    if total:
        total(len(records))
    _link_identifiers(atlas, report)
    _link_names(session, atlas, report, records, progress)
    session.flush()
    report.actors_after = atlas.count()
    report.articles_located = _articles_located(session)
    return report


def _conflict(atlas: _Atlas, report: LinkReport, record: int, actor: int, clash, how: str) -> None:
    scheme, mine, theirs = clash
    report.conflicts.append(Conflict(record, atlas.names.get(record, ""), actor, atlas.names.get(actor, ""),
                                     scheme, mine, theirs, how))
    report.conflict_pairs[pair_name(atlas.primary(record), atlas.primary(actor))] += 1


def _link_identifiers(atlas: _Atlas, report: LinkReport) -> None:
    """Actors of different sources sharing a SIREN: one organisation."""
    by_siren: dict[str, set[int]] = defaultdict(set)
    for actor_id in list(atlas.ids):
        for siren in atlas.sirens(actor_id):
            by_siren[siren].add(actor_id)
    for siren in sorted(by_siren):
        group = sorted({atlas.final(a) for a in by_siren[siren]}, key=atlas.rank)
        if len(group) < 2 or len({atlas.primary(a) for a in group}) < 2:
            continue  # one source's records only (a company's establishments stay as they are)
        kept = group[0]  # all of the group becomes one actor (a company's establishments too)
        for other in group[1:]:
            kept = atlas.final(kept)
            pair = tuple(sorted((kept, other)))
            if pair in atlas.decided:
                report.already += pair in atlas.before
                continue
            clash = atlas.clash(other, kept)
            if clash is not None:
                _conflict(atlas, report, other, kept, clash, "identifier")
                continue
            label = pair_name(atlas.primary(other), atlas.primary(kept))
            report.merges.append(atlas.merge(kept, other, score=1.0, reasons=[f"identifier: SIREN {siren} shared"]))
            report.sure[label] += 1


def _same_name(a: str, b: str) -> bool:
    ka, kb = key(a), key(b)
    return ka == kb or (bool(ka) and bag(tokens(ka)) == bag(tokens(kb)))


def _similarity(name: str, matched: str) -> float:
    """How much of the shorter of two names the other holds, word order aside (0..1): a record's
    name against the name it matched, not against the place added to the mention."""
    return fuzz.token_set_ratio(key(name), key(matched)) / 100.0


def _link_names(session: Session, atlas: _Atlas, report: LinkReport, records: list[int],
                progress: Callable[[int], None] | None) -> None:
    """Passes until nothing more is merged: after a pass that merged, the atlas is read again and
    only the records whose answer may change (merged ones, or whose candidates were merged) are
    resolved again, so a second run finds what this one left."""
    todo = records
    for _ in range(MAX_PASSES):
        resolver = Resolver(build_index(session))
        touched: set[int] = set()
        candidates: dict[int, set[int]] = {}
        for done, record in enumerate(todo, 1):
            if progress and done % 50 == 0:
                progress(50)
            found = _link_one(atlas, report, resolver, record, touched)
            candidates[record] = found
        if progress:
            progress(len(todo) % 50)
        if not touched:
            return
        session.flush()
        todo = [r for r in records if r not in atlas.into and (r in touched or candidates.get(r, set()) & touched)]


def _link_one(atlas: _Atlas, report: LinkReport, resolver: Resolver, record: int, touched: set[int]) -> set[int]:
    """Resolve one record; link, queue or report its best candidate of other sources. Returns the
    candidates' actor ids."""
    index = resolver.index
    if record in atlas.into or record not in index.actors:
        return set()
    info = index.actors[record]
    city = next(iter(sorted(info.cities)), "")
    name = atlas.names.get(record, info.name)
    res = resolver.resolve(f"{name}, {city}" if city else name, exclude=record)
    mine = atlas.labels.get(record, set())
    found = {c.actor_id for c in res.candidates}
    eligible = []
    for c in res.candidates:
        score = c.score * _similarity(name, c.matched)
        if score < REVIEW_THRESHOLD:
            continue
        other = atlas.final(c.actor_id)
        if other == record or atlas.labels.get(other, set()) <= mine:
            continue  # the same actor now, or records of the same sources only: not a link across sources
        eligible.append((score, other, c))
    if not eligible:
        return found
    score, other, c = eligible[0]
    pair = tuple(sorted((record, other)))
    if pair in atlas.decided:
        report.already += pair in atlas.before
        return found
    other_info = index.actors.get(c.actor_id)
    if info.countries and other_info and other_info.countries and not info.countries & other_info.countries:
        return found
    label = pair_name(atlas.primary(record), atlas.primary(other))
    city_clash = bool(info.cities and other_info and other_info.cities and not info.cities & other_info.cities)
    rivals = sum(1 for s, o, _ in eligible[1:] if s >= AUTO_THRESHOLD and o != other)
    same_name = _same_name(name, c.matched)
    sure = score >= AUTO_THRESHOLD and same_name and not city_clash and not rivals
    clash = atlas.clash(record, other)
    if clash is not None:
        atlas.decided.add(pair)  # once per run
        if same_name:  # the same name: it would have been linked or queued; reported
            _conflict(atlas, report, record, other, clash, "name")
        else:  # a unit against its supervising body, a plant against another one…: set aside
            report.set_aside += 1
        return found
    reasons = [f"link: {label}"] + c.reasons + (["location: other city"] if city_clash else [])
    if sure:
        report.merges.append(atlas.merge(record, other, score=score, reasons=reasons))
        report.sure[label] += 1
        touched.update((record, other))
    else:
        atlas.queue(record, other, score=score, reasons=reasons)
        report.queued[label] += 1
    return found


def _articles_located(session: Session) -> tuple[int, int]:
    """(actors an article states something about with a located site, actors an article states something about)."""
    named = select(FieldSource.actor_id).join(Source, Source.id == FieldSource.source_id).where(Source.kind == "article")
    total = session.scalar(select(func.count(func.distinct(FieldSource.actor_id))).select_from(FieldSource)
                           .join(Source, Source.id == FieldSource.source_id).where(Source.kind == "article")) or 0
    located = session.scalar(select(func.count(func.distinct(Site.actor_id))).where(
        Site.actor_id.in_(named), Site.latitude.is_not(None))) or 0
    return located, total

"""Duplicate detection, automatic merge, review queue and undo, on real ROR records plus the
same organisations as an article would name them."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bioatlas.atlas.history import history, snapshot
from bioatlas.atlas.models import Actor, ActorChange, Identifier
from bioatlas.atlas.records import ActorRecord, SiteRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.core.db import transaction
from bioatlas.resolve.duplicates import AUTO_THRESHOLD, find_pairs, queue, record_and_merge
from bioatlas.resolve.merge import MergeError, merge_actors, unmerge
from bioatlas.resolve.models import ActorMerge, DuplicateCandidate

from .conftest import ror

ARTICLE = SourceRecord(key="article:seed", title="Press article", kind="article", url="https://example.org/a")


def _actor_with_ror(session, short):
    return session.scalar(select(Identifier.actor_id).where(Identifier.scheme == "ror", Identifier.value == ror(short)))


def _add_article_actors(factory):
    with transaction(factory) as session:
        source = get_or_create_source(session, ARTICLE)
        genethon = upsert_actor(session, ActorRecord(
            name="GENETHON", kind="foundation", description_fr="Laboratoire de thérapie génique",
            names=[("alias", "Généthon (AFM-Téléthon)", None)], capabilities={"modalities": ["gene_therapy"]},
            sites=[SiteRecord(commune_name="Évry-Courcouronnes", departement="91", region="11", latitude=48.62, longitude=2.44)],
        ), source=source, match_by_name=False).actor_id
        pasteur_lille = upsert_actor(session, ActorRecord(name="Institut Pasteur de Lille", kind="foundation"),
                                     source=source, match_by_name=False).actor_id
    return genethon, pasteur_lille


def test_find_merges_the_certain_pair_and_queues_the_uncertain(registry):
    genethon, pasteur_lille = _add_article_actors(registry)
    with transaction(registry) as session:
        report = find_pairs(session)
        by_pair = {(p.a, p.b): p for p in report.pairs}
        ror_genethon = _actor_with_ror(session, "03fj96t64")
        pair = (min(genethon, ror_genethon), max(genethon, ror_genethon))
        assert by_pair[pair].auto and by_pair[pair].score >= AUTO_THRESHOLD
        # two ROR records are two organisations: never proposed as duplicates
        ror_ids = set(session.scalars(select(Identifier.actor_id).where(Identifier.scheme == "ror")))
        assert not any(p.a in ror_ids and p.b in ror_ids for p in report.pairs)
        record_and_merge(session, report)
    with registry() as session:
        assert session.get(Actor, genethon) is None
        kept = session.get(Actor, ror_genethon)
        assert "Laboratoire de thérapie génique" == kept.description_fr
        assert {(c.facet, c.code) for c in kept.capabilities} == {("modalities", "gene_therapy")}
        assert "GENETHON" in {n.value for n in kept.names} or kept.name == "Généthon"
        # provenance kept: the moved facts still cite the article
        assert {c.source.key for c in kept.capabilities} == {"article:seed"}
        assert session.scalar(select(func.count()).select_from(ActorMerge).where(ActorMerge.status == "active")) == 1
        assert history(session, actor_id=ror_genethon)[0].action == "merged"
        # the Lille institute is not the Paris one: not merged (queued at most)
        assert session.get(Actor, pasteur_lille) is not None


def test_merge_then_unmerge_restores_both_actors_and_their_facts(registry):
    genethon, _ = _add_article_actors(registry)
    with registry() as session:
        ror_genethon = _actor_with_ror(session, "03fj96t64")
        before_kept = snapshot(session.get(Actor, ror_genethon))
        before_merged = snapshot(session.get(Actor, genethon))
        changes_merged = session.scalar(select(func.count()).select_from(ActorChange).where(ActorChange.actor_id == genethon))
    with transaction(registry) as session:
        merge_id = merge_actors(session, kept_id=ror_genethon, merged_id=genethon, score=0.99).id
    with transaction(registry) as session:
        unmerge(session, merge_id=merge_id)
    with registry() as session:
        assert snapshot(session.get(Actor, ror_genethon)) == before_kept
        assert snapshot(session.get(Actor, genethon)) == before_merged
        restored = session.get(Actor, genethon)
        assert {s.source.key for s in restored.sites} == {"article:seed"}
        actions = [c.action for c in history(session, actor_id=genethon)]
        assert actions[0] == "unmerged" and actions.count("created") == 1
        assert session.scalar(select(func.count()).select_from(ActorChange).where(ActorChange.actor_id == genethon)) == changes_merged + 1
        kept_actions = [c.action for c in history(session, actor_id=ror_genethon)]
        assert kept_actions[:2] == ["unmerged", "merged"]
        assert json.loads(history(session, actor_id=ror_genethon)[1].new_value)["actor"] == genethon
        from bioatlas.accounts import audit

        events = [(e.event, e.target, json.loads(e.detail)["merge"]) for e in audit.query(session) if "merge" in e.event]
        assert sorted(events) == [("merge", f"actor:{ror_genethon}", merge_id), ("unmerge", f"actor:{ror_genethon}", merge_id)]
    with transaction(registry) as session:
        try:
            unmerge(session, merge_id=merge_id)
        except MergeError as exc:
            assert "already undone" in str(exc)
        else:
            raise AssertionError("a second undo must fail")


def test_undone_pair_is_not_merged_again(registry):
    _add_article_actors(registry)
    with transaction(registry) as session:
        report = record_and_merge(session, find_pairs(session))
        merge_id = report.merged[0]
    with transaction(registry) as session:
        unmerge(session, merge_id=merge_id)
    with transaction(registry) as session:
        again = record_and_merge(session, find_pairs(session))
        assert again.merged == []
        statuses = set(session.scalars(select(DuplicateCandidate.status)))
        assert "rejected" in statuses
        for row in queue(session):
            assert row["score"] >= 0.5 and row["a_name"] and row["b_name"]


def test_merge_errors_name_the_problem(registry):
    with transaction(registry) as session:
        actor = _actor_with_ror(session, "03fj96t64")
        for kept, merged, text in ((actor, actor, "itself"), (actor, 10**9, "no actor with id")):
            try:
                merge_actors(session, kept_id=kept, merged_id=merged)
            except MergeError as exc:
                assert text in str(exc)
            else:
                raise AssertionError("expected MergeError")

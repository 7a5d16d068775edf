"""The review engine on its own (keyword-only service, as events' pitch selection would call it):
every conflict-of-interest reason from the atlas, accounts and declarations, least-loaded
assignment, scores against the scale, medians and thresholds, phases, resubmissions judged by
different reviewers."""

from __future__ import annotations

import pytest

from bioatlas.core.i18n import Translator
from bioatlas.review import service as review
from tests.calls.helpers import make_user
from tests.contributions.helpers import add_actor

CRITERIA = [{"code": "a", "weight": 2, "scale_min": 0, "scale_max": 5, "threshold": 3},
            {"code": "b", "weight": 1, "scale_min": 1, "scale_max": 10}]


@pytest.fixture
def atlas(db):
    uni = add_actor(db, "Université Paris-Saclay", "91000", kind="research_unit")
    lab = add_actor(db, "Laboratoire test", "91000", kind="research_unit", relations=[("supervised_by", uni)])
    partner = add_actor(db, "TreeFrog Therapeutics", "33600")
    startup = add_actor(db, "Yposkesi", "91000", relations=[("related", partner)])
    co = add_actor(db, "Genethon", "91000", kind="research_unit")
    return {"uni": uni, "lab": lab, "partner": partner, "startup": startup, "co": co}


def _panel(s, per_item=2):
    return review.create_panel(s, context_kind="test", context_id=1, criteria=CRITERIA, reviewers_per_item=per_item,
                               overall_threshold=12)


def test_every_conflict_reason(db, atlas):
    owner = make_user(db, "owner@example.org")
    users = {
        "same": make_user(db, "same@example.org", roles=[("member", "actor", atlas["startup"])]),
        "parent": make_user(db, "parent@example.org", roles=[("member", "actor", atlas["uni"])]),
        "partner": make_user(db, "partner@example.org", roles=[("member", "actor", atlas["partner"])]),
        "co": make_user(db, "co@example.org", roles=[("member", "actor", atlas["co"])]),
        "agreement": make_user(db, "agreement@example.org", roles=[("member", "actor", atlas["uni"])]),
        "declared": make_user(db, "declared@example.org"),
        "free": make_user(db, "free@example.org"),
    }
    with db() as s:
        panel = _panel(s, per_item=7)
        lab_item = review.register_item(s, panel_id=panel.id, subject_kind="x", subject_id=1, owner_user_id=owner,
                                        actor_ids=[atlas["lab"]])
        item = review.register_item(s, panel_id=panel.id, subject_kind="x", subject_id=2, owner_user_id=owner,
                                    actor_ids=[atlas["startup"]], co_actor_ids=[atlas["co"]])
        review.declare_conflict(s, reviewer_id=users["declared"], actor_id=atlas["startup"], panel_id=panel.id,
                                note="ancien salarié")
        review.add_reviewers(s, panel_id=panel.id, user_ids=list(users.values()))
        with pytest.raises(review.ReviewError) as err:
            review.add_reviewers(s, panel_id=panel.id, user_ids=[owner])
        assert err.value.field == "reviewer"
        agreements = [(atlas["uni"], atlas["startup"], "partners in the structuring project 'P'")]
        report = review.assign(s, panel_id=panel.id, agreements=agreements)
        reasons = {(i, uid): r for i, uid, r in report.excluded}
        assert reasons[(item.id, users["same"])] == "same_actor"
        assert reasons[(item.id, users["partner"])] == "partner"
        assert reasons[(item.id, users["co"])] == "co_applicant"
        assert reasons[(item.id, users["agreement"])] == "agreement"
        assert reasons[(item.id, users["declared"])] == "declared"
        assert reasons[(lab_item.id, users["parent"])] == "parent_child"
        assigned = {(i, u) for i, u in report.assigned}
        assert (item.id, users["free"]) in assigned and not assigned & set(reasons)
        rows = review.exclusions(s, panel_id=panel.id)
        # stored as codes and parameters (actor ids), never as prose with names
        assert not any("Laboratoire" in e.detail or "Université" in e.detail for e in rows)
        english = review.exclusion_texts(s, rows, t=Translator("en"))
        french = review.exclusion_texts(s, rows, t=Translator("fr"))
        shown = {e.reason: english[e.id] for e in rows}
        shown_fr = {e.reason: french[e.id] for e in rows}
        assert shown["parent_child"] == "Laboratoire test is supervised by Université Paris-Saclay (atlas relation)"
        assert shown_fr["parent_child"] == "Laboratoire test est sous la tutelle d'Université Paris-Saclay (relation de l'atlas)"
        assert "ancien salarié" in shown["declared"] and shown_fr["declared"].startswith("conflit déclaré avec ")
        assert shown_fr["agreement"].endswith("partenaires d'un accord enregistré\u202f: partners in the structuring project 'P'")
        s.commit()


def test_least_loaded_scores_medians_thresholds_phases(db, atlas):
    reviewers = [make_user(db, f"r{i}@example.org") for i in range(3)]
    with db() as s:
        panel = _panel(s)
        items = [review.register_item(s, panel_id=panel.id, subject_kind="x", subject_id=i, owner_user_id=None,
                                      actor_ids=[]) for i in range(3)]
        review.add_reviewers(s, panel_id=panel.id, user_ids=reviewers)
        report = review.assign(s, panel_id=panel.id)
        assert sorted(review.load(s, panel_id=panel.id).values()) == [2, 2, 2]  # 3 items x 2, balanced
        first = [a for a in review.scores_of(s, item_id=items[0].id)]
        a1, a2 = first[0]["assignment_id"], first[1]["assignment_id"]
        with pytest.raises(review.ReviewError) as err:
            review.record_scores(s, assignment_id=a1, reviewer_id=first[0]["reviewer_id"], scores={"a": "4", "b": "0"})
        assert err.value.field == "score_b"  # b's scale starts at 1
        with pytest.raises(review.ReviewError) as err:
            review.record_scores(s, assignment_id=a1, reviewer_id=first[0]["reviewer_id"], scores={"a": "4"})
        assert err.value.field == "score_b"
        with pytest.raises(review.NotAssigned):
            review.record_scores(s, assignment_id=a1, reviewer_id=first[1]["reviewer_id"], scores={"a": 1, "b": 1})
        review.record_scores(s, assignment_id=a1, reviewer_id=first[0]["reviewer_id"], scores={"a": "4", "b": "9"})
        review.record_scores(s, assignment_id=a2, reviewer_id=first[1]["reviewer_id"], scores={"a": "2.5", "b": "7"})
        result = next(r for r in review.results(s, panel_id=panel.id) if r.item_id == items[0].id)
        assert result.medians == {"a": 3.25, "b": 8.0} and result.total == 14.5 and result.max_total == 20
        assert result.passes_criteria and result.passes_overall
        review.set_phase(s, panel_id=panel.id, phase="closed")
        with pytest.raises(review.ReviewError) as err:
            review.record_scores(s, assignment_id=a2, reviewer_id=first[1]["reviewer_id"], scores={"a": 0, "b": 1})
        assert err.value.field == "phase"
        assert len(report.assigned) == 6 and report.short == []
        s.commit()


def test_resubmission_goes_to_different_reviewers(db, atlas):
    reviewers = [make_user(db, f"r{i}@example.org") for i in range(4)]
    with db() as s:
        panel = _panel(s)
        first = review.register_item(s, panel_id=panel.id, subject_kind="x", subject_id=1, owner_user_id=None,
                                     actor_ids=[atlas["startup"]])
        review.add_reviewers(s, panel_id=panel.id, user_ids=reviewers)
        review.assign(s, panel_id=panel.id)
        before = {r["reviewer_id"] for r in review.scores_of(s, item_id=first.id)}
        second_panel = review.create_panel(s, context_kind="test", context_id=2, criteria=CRITERIA, reviewers_per_item=2)
        again = review.register_item(s, panel_id=second_panel.id, subject_kind="x", subject_id=2, owner_user_id=None,
                                     actor_ids=[atlas["startup"]], previous_item_id=first.id, rebuttal="Nous avons…")
        review.add_reviewers(s, panel_id=second_panel.id, user_ids=reviewers)
        report = review.assign(s, panel_id=second_panel.id)
        after = {r["reviewer_id"] for r in review.scores_of(s, item_id=again.id)}
        assert len(after) == 2 and not before & after
        assert {r for _, _, r in report.excluded} == {"previous_round"}
        with pytest.raises(review.ConflictOfInterest) as err:
            review.open_item(s, item_id=again.id, reviewer_id=sorted(before)[0])
        assert "previous_round" in str(err.value)
        s.commit()


def test_bad_panels_are_refused_by_field(db):
    with db() as s:
        for criteria, field in (([], "criteria"), ([{"code": "a", "scale_min": 5, "scale_max": 5}], "criteria[0].scale_max"),
                                ([{"code": "a", "weight": 0}], "criteria[0].weight"),
                                ([{"code": "a", "threshold": 9}], "criteria[0].threshold"),
                                ([{"code": "a"}, {"code": "a"}], "criteria[1].code")):
            with pytest.raises(review.ReviewError) as err:
                review.create_panel(s, context_kind="t", context_id=1, criteria=criteria)
            assert err.value.field == field
        with pytest.raises(review.ReviewError) as err:
            review.decide(s, item_id=1, decision="maybe", rationale="x", by_user_id=None)
        assert err.value.field == "decision"

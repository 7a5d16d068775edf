"""Start-up pitches: the call, applications, the jury through `review.service` (conflicts of
interest from the atlas), scores, decisions within the seats, the selection in the event."""

from __future__ import annotations

import pytest

from bioatlas.events import pitches
from bioatlas.events.errors import Conflict, FieldError
from bioatlas.review import service as review
from tests.accounts.fixtures import make_user
from tests.contributions.helpers import add_actor
from tests.events.helpers import make_event


@pytest.fixture
def pitch_world(db):
    parent = add_actor(db, "Genethon", "91000", kind="research_unit")
    startup = add_actor(db, "Yposkesi", "91000", relations=[("part_of", parent)])
    other = add_actor(db, "TreeFrog Therapeutics", "33600")
    organiser = add_actor(db, "Medicen Paris Region", "75013", kind="cluster")
    # the conflicted juror first: the least-loaded, lowest-numbered one is the first one tried
    users = {"conflicted": make_user(db, "conflicted@example.org", roles=[("member", "actor", parent)]),
             "founder": make_user(db, "founder@example.org", roles=[("member", "actor", startup)]),
             "other_founder": make_user(db, "other@example.org", roles=[("member", "actor", other)]),
             "juror": make_user(db, "juror@example.org"),
             "juror2": make_user(db, "juror2@example.org")}
    event_id = make_event(db, organiser=organiser)
    with db() as s:
        pitches.open_call(s, event_id=event_id, title="Pitchs start-up", seats=1)
        mine = pitches.apply(s, event_id=event_id, user_id=users["founder"], actor_id=startup,
                             title="Vecteurs AAV à façon", summary="Une plateforme de production de vecteurs AAV.").id
        theirs = pitches.apply(s, event_id=event_id, user_id=users["other_founder"], actor_id=other,
                               title="Cellules souches en bioréacteur", summary="Des capsules pour cultiver à l'échelle.").id
        s.commit()
    return {"event": event_id, "users": users, "mine": mine, "theirs": theirs, "startup": startup}


def test_jury_conflicts_scores_and_selection(db, pitch_world):
    w, u = pitch_world, pitch_world["users"]
    with db() as s:
        with pytest.raises(FieldError) as refused:
            pitches.add_jury(s, event_id=w["event"], user_ids=[u["founder"]])  # an applicant is no juror
        assert refused.value.field == "reviewer"
        pitches.add_jury(s, event_id=w["event"], user_ids=[u["juror"], u["juror2"], u["conflicted"]])
        report = pitches.assign_jury(s, event_id=w["event"])
        s.commit()
    # the member of the start-up's parent (an atlas relation) is kept away from its pitch, with the reason
    assert any(reason == "parent_child" and reviewer == u["conflicted"] for _i, reviewer, reason in report.excluded)
    with db() as s:
        with pytest.raises(review.ConflictOfInterest):
            pitches.open_review(s, event_id=w["event"], application_id=w["mine"], reviewer_id=u["conflicted"])
        s.commit()
        with pytest.raises(FieldError) as bad:
            pitches.score(s, event_id=w["event"], application_id=w["mine"], reviewer_id=u["juror"],
                          scores={"innovation": 9, "team": 3, "fit": 4})
        assert bad.value.field == "score_innovation"
        for juror, marks in ((u["juror"], (5, 4, 5)), (u["juror2"], (4, 4, 4))):
            pitches.score(s, event_id=w["event"], application_id=w["mine"], reviewer_id=juror,
                          scores=dict(zip(("innovation", "team", "fit"), marks, strict=True)))
        s.commit()
        rows = pitches.results(s, event_id=w["event"])
        assert rows[0].application.id == w["mine"]
        assert rows[0].result.total == 2 * 4.5 + 4 + 4.5  # weighted medians
        pitches.decide(s, event_id=w["event"], application_id=w["mine"], decision="selected",
                       rationale="Le meilleur score du jury.", by_user_id=None)
        with pytest.raises(Conflict, match="seats"):
            pitches.decide(s, event_id=w["event"], application_id=w["theirs"], decision="selected",
                           rationale="Aussi.", by_user_id=None)
        with pytest.raises(FieldError) as missing:
            pitches.decide(s, event_id=w["event"], application_id=w["theirs"], decision="rejected",
                           rationale="", by_user_id=None)
        assert missing.value.field == "rationale"
        s.commit()
        assert [a.id for a in pitches.selected(s, event_id=w["event"])] == [w["mine"]]


def test_bad_applications_name_the_field_and_erasure(db, pitch_world):
    w, u = pitch_world, pitch_world["users"]
    with db() as s:
        for kwargs, field in (({"actor_id": w["startup"], "user_id": u["juror"]}, "actor"),  # not a member
                              ({"actor_id": w["startup"], "user_id": u["founder"]}, "actor"),  # applied already
                              ({"actor_id": w["startup"], "user_id": u["founder"], "summary": "court"}, "summary")):
            args = {"title": "Un pitch", "summary": "Un résumé assez long pour passer.", **kwargs}
            with pytest.raises(FieldError) as caught:
                pitches.apply(s, event_id=w["event"], **args)
            assert caught.value.field == field
        with pytest.raises(Conflict):
            pitches.open_call(s, event_id=w["event"], title="Encore")
        assert pitches.export_user(s, user_id=u["founder"])[0]["title"] == "Vecteurs AAV à façon"
        pitches.erase_user(s, user_id=u["founder"])
        s.commit()
        assert [a.id for a in pitches.applications(s, event_id=w["event"])] == [w["theirs"]]

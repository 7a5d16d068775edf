"""Start-up pitches: the call, applications, the jury through `review.service` (conflicts of
interest from the atlas), scores, decisions within the seats, the selection in the event."""

from __future__ import annotations

import pytest

from bioatlas.events import pitches
from bioatlas.events.errors import Conflict, FieldError
from bioatlas.review import service as review
from tests.accounts.fixtures import csrf_of, login, make_user
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
             "juror2": make_user(db, "juror2@example.org"),
             "organiser": make_user(db, "organiser@example.org", roles=[("member", "actor", organiser)])}
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


def _as(client, email):
    client.cookies.clear()
    assert login(client, email).status_code == 303


def test_pitch_pages_over_http(client, db, pitch_world):
    w, e = pitch_world, pitch_world["event"]
    page = client.get(f"/events/{e}/pitches")
    assert page.status_code == 200 and "Pitchs start-up" in page.text and "Aucun pitch sélectionné" in page.text
    assert client.get(f"/events/{e}/pitches/jury").status_code == 401
    _as(client, "juror@example.org")
    assert client.get(f"/events/{e}/pitches/jury").status_code == 403  # organisers only
    _as(client, "organiser@example.org")
    csrf = csrf_of(client, f"/events/{e}/pitches/jury")
    post = lambda url, data: client.post(url, data={**data, "csrf_token": csrf}, follow_redirects=False)  # noqa: E731
    assert post(f"/events/{e}/pitches/call", {"title": "Encore", "seats": "2"}).status_code == 409
    bad = post(f"/events/{e}/pitches/jury", {"emails": "nobody@example.org"})
    assert bad.status_code == 422 and "emails" in bad.text
    assert post(f"/events/{e}/pitches/jury", {"emails": "juror@example.org\njuror2@example.org\nconflicted@example.org"}
                ).status_code == 303
    assert post(f"/events/{e}/pitches/assign", {}).status_code == 303
    _as(client, "conflicted@example.org")
    refused = client.get(f"/events/{e}/pitches/{w['mine']}/review")
    assert refused.status_code == 403 and "Genethon" in refused.text  # the reason names the parent
    # `message` in the reader's language (French by default), `detail` English (was French)
    assert refused.json() == {"detail": "Conflict of interest: Yposkesi is part of Genethon (atlas relation) (parent_child)",
                              "message": "Conflit d'intérêts\u202f: Yposkesi fait partie de Genethon (relation de l'atlas) "
                                         "(parent_child)"}, refused.text
    page = client.get(f"/events/{e}/pitches/{w['mine']}/review", headers={"accept": "text/html"})
    assert page.status_code == 403 and "Yposkesi fait partie de Genethon (relation de l&#39;atlas)" in page.text
    _as(client, "juror@example.org")
    form = client.get(f"/events/{e}/pitches/{w['mine']}/review")
    assert form.status_code == 200 and "Vecteurs AAV" in form.text and "score_innovation" in form.text
    csrf = csrf_of(client, f"/events/{e}/pitches/{w['mine']}/review")
    scores = {"score_innovation": "5", "score_team": "4", "score_fit": "4", "csrf_token": csrf}
    assert client.post(f"/events/{e}/pitches/{w['mine']}/review", data={**scores, "score_team": "12"},
                       follow_redirects=False).status_code == 422
    assert client.post(f"/events/{e}/pitches/{w['mine']}/review", data=scores,
                       follow_redirects=False).status_code == 303
    _as(client, "organiser@example.org")
    csrf = csrf_of(client, f"/events/{e}/pitches/jury")
    assert client.post(f"/events/{e}/pitches/{w['mine']}/decide",
                       data={"decision": "selected", "rationale": "Retenu.", "csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    assert "Vecteurs AAV à façon" in client.get(f"/events/{e}/pitches").text


def test_an_undecided_pitch_opens_on_no_decision(client, db, pitch_world):
    """The jury's decision list opened on "Selected" for an application not decided yet: a rationale
    written and sent took a seat without anyone choosing it. It now opens on a required empty choice
    (none for a decided one), and an empty decision is refused naming the field, the status kept."""
    import re

    from bioatlas.events.pitch_models import PitchApplication

    w, e = pitch_world, pitch_world["event"]
    _as(client, "organiser@example.org")
    page = client.get(f"/events/{e}/pitches/jury")
    row = re.search(rf'<tr data-pitch="{w["mine"]}">.*?</tr>', page.text, re.S).group(0)
    chosen = re.findall(r'<option value="([a-z]*)" selected>', row)
    assert chosen == [""], row
    assert "(choisir une décision)" in row and 'name="decision" aria-label="Décision" required' in row
    csrf = csrf_of(client, f"/events/{e}/pitches/jury")
    refused = client.post(f"/events/{e}/pitches/{w['mine']}/decide",
                          data={"decision": "", "rationale": "Un bon dossier.", "csrf_token": csrf}, follow_redirects=False)
    assert refused.status_code == 422 and "decision" in refused.text
    with db() as s:
        assert s.get(PitchApplication, w["mine"]).status == "submitted"
    assert client.post(f"/events/{e}/pitches/{w['mine']}/decide",
                       data={"decision": "waitlisted", "rationale": "En attente.", "csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    row = re.search(rf'<tr data-pitch="{w["mine"]}">.*?</tr>', client.get(f"/events/{e}/pitches/jury").text, re.S).group(0)
    assert re.findall(r'<option value="([a-z]*)" selected>', row) == ["waitlisted"]  # a decided one: its decision

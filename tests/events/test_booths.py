"""Booth applications reviewed by organisers: a member applies for its actor (one open
application, not for an actor already exhibiting, fields named), organisers accept at a booth
(the application becomes an exhibitor linked to its atlas actor, booth rules of the exhibitors),
wait-list or refuse with a reason; the applicant is notified and e-mailed; decisions audited;
personal data; the pages over HTTP (organisers only for the review)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from bioatlas.events import booths, service
from bioatlas.notifications.models import Notification
from tests.accounts.fixtures import audit_events, csrf_of, login, make_user
from tests.contributions.helpers import add_actor
from tests.events.helpers import make_event


@pytest.fixture
def booth_world(db):
    organiser = add_actor(db, "Polepharma", "28000", kind="cluster")
    startup = add_actor(db, "TreeFrog Therapeutics", "33600", kind="startup")
    company = add_actor(db, "Yposkesi", "91000")
    users = {"org": make_user(db, "org@test.invalid", roles=[("member", "actor", organiser)]),
             "founder": make_user(db, "founder@test.invalid", roles=[("member", "actor", startup)]),
             "seller": make_user(db, "seller@test.invalid", roles=[("member", "actor", company)]),
             "outsider": make_user(db, "outsider@test.invalid")}
    return {"event": make_event(db, organiser=organiser), "startup": startup, "company": company, "users": users}


def _apply(s, w, who="founder", actor="startup", **kw):
    args = {"stand_type": "village", "wish": "près de l'entrée", "text": "Bioréacteurs à capsules.", **kw}
    return booths.apply_for_booth(s, event=service.get_event(s, event_id=w["event"]), user_id=w["users"][who],
                                  actor_id=w[actor], **args)


def _notes(db, user_id):
    with db() as s:
        return list(s.scalars(select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)))


def test_apply_decide_notify_and_personal_data(db, booth_world):
    w = booth_world
    with db() as s:
        for kw, field in (({"who": "outsider"}, "actor"), ({"stand_type": "kiosk"}, "stand_type"),
                          ({"text": "x" * 501}, "text"), ({"wish": "y" * 201}, "wish")):
            with pytest.raises(service.FieldError) as refused:
                _apply(s, w, **kw)
            assert refused.value.field == field, kw
        mine = _apply(s, w).id
        with pytest.raises(service.FieldError, match="already has an application"):
            _apply(s, w)
        theirs = _apply(s, w, who="seller", actor="company", stand_type="standard", text="").id
        s.commit()
        event = service.get_event(s, event_id=w["event"])
        decide = lambda app, decision, **kw: booths.decide_booth(  # noqa: E731
            s, event=event, application_id=app, decision=decision, by_user_id=w["users"]["org"], **kw)
        for app, decision, kw, field in ((mine, "maybe", {}, "decision"), (mine, "accepted", {}, "booth"),
                                         (mine, "accepted", {"booth": "A/1"}, "booth"),
                                         (theirs, "refused", {"reason": " "}, "reason")):
            with pytest.raises(service.FieldError) as refused:
                decide(app, decision, **kw)
            assert refused.value.field == field
        decide(mine, "accepted", booth="V01")
        decide(theirs, "waitlisted")
        s.commit()
        with pytest.raises(service.Conflict, match="booth: v01 is already TreeFrog"):  # taken, as for exhibitors
            decide(theirs, "accepted", booth="v01")
        s.rollback()
        with pytest.raises(service.Conflict, match="already accepted"):
            decide(mine, "refused", reason="Trop tard.")
        with pytest.raises(service.Conflict, match="already exhibits at booth V01"):
            _apply(s, w, stand_type="standard")
        decide(theirs, "refused", reason="Plus de stand de 9 m².")
        s.commit()
        [x] = service.exhibitors(s, event_id=w["event"])
        assert (x.booth, x.actor_id, x.village, x.description) == ("V01", w["startup"], True,
                                                                    "Bioréacteurs à capsules.")
        assert [(v.row.status, v.booth) for v in booths.booth_applications(s, event_id=w["event"])] == [
            ("accepted", "V01"), ("refused", "")]
    accepted, = _notes(db, w["users"]["founder"])
    assert "stand V01 attribué" in accepted.subject and accepted.emailed_at is not None
    assert accepted.link == f"/events/{w['event']}/booths"
    waitlisted, refused = _notes(db, w["users"]["seller"])
    assert "liste d'attente" in waitlisted.subject
    assert "refusée" in refused.subject and "Plus de stand de 9 m²." in refused.body
    decisions = [json.loads(e.detail)["decision"] for e in audit_events(db, "events.booth_decision")]
    assert decisions == ["accepted", "waitlisted", "refused"]
    with db() as s:
        assert booths.export_user(s, user_id=w["users"]["seller"])[0]["reason"] == "Plus de stand de 9 m²."
        for who in ("founder", "seller"):
            booths.erase_user(s, user_id=w["users"][who])
        s.commit()
        [kept] = booths.booth_applications(s, event_id=w["event"])  # the accepted booth stays, without the account
        assert kept.row.status == "accepted" and kept.row.user_id is None


def _as(client, email):
    client.cookies.clear()
    assert login(client, email).status_code == 303


def test_booth_pages_over_http(client, db, booth_world):
    e = booth_world["event"]
    assert client.get(f"/events/{e}/booths").status_code == 401
    _as(client, "founder@test.invalid")
    form = client.get(f"/events/{e}/booths")
    assert form.status_code == 200 and "TreeFrog Therapeutics" in form.text and 'name="stand_type"' in form.text
    csrf = csrf_of(client, f"/events/{e}/booths")
    bad = client.post(f"/events/{e}/booths", data={"actor_id": str(booth_world["startup"]), "stand_type": "kiosk",
                                                   "csrf_token": csrf})
    assert bad.status_code == 422 and "stand_type" in bad.text
    assert client.post(f"/events/{e}/booths", data={"actor_id": str(booth_world["startup"]), "stand_type": "village",
                                                     "wish": "V03", "csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    assert client.get(f"/events/{e}/booths/review").status_code == 403  # organisers only
    _as(client, "org@test.invalid")
    review = client.get(f"/events/{e}/booths/review")
    assert review.status_code == 200 and "V03" in review.text and "TreeFrog Therapeutics" in review.text
    with db() as s:
        [app] = [v.row.id for v in booths.booth_applications(s, event_id=e)]
    # the decision opens on a required empty choice (it opened on "accept at booth": sending the
    # form as it came accepted the application); an empty decision is refused naming the field
    form = re.search(r'<form method="post" action="/events/\d+/booths/\d+/decide".*?</form>', review.text, re.S).group(0)
    assert re.findall(r'<select name="decision"[^>]*>\s*<option value="([a-z]*)" selected>', form) == [""], form
    csrf = csrf_of(client, f"/events/{e}/booths/review")
    empty = client.post(f"/events/{e}/booths/{app}/decide", data={"decision": "", "booth": "V03", "csrf_token": csrf})
    assert empty.status_code == 422 and "decision" in empty.text
    missing = client.post(f"/events/{e}/booths/{app}/decide", data={"decision": "refused", "csrf_token": csrf})
    assert missing.status_code == 422 and "reason" in missing.text
    assert client.post(f"/events/{e}/booths/999999/decide", data={"decision": "refused", "reason": "Non.",
                                                                  "csrf_token": csrf}).status_code == 404
    assert client.post(f"/events/{e}/booths/{app}/decide", data={"decision": "accepted", "booth": "V03",
                                                                 "csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    plan = client.get(f"/events/{e}/booths/review")
    assert 'class="floor-plan"' in plan.text and 'data-status="accepted"' in plan.text
    page = client.get(f"/events/{e}?lang=en")  # the exhibitor page links to its atlas actor
    assert f'href="/actors/{booth_world["startup"]}"' in page.text and "V03" in page.text


def test_the_applicant_withdraws_an_application(client, db, booth_world):
    """Pending, wait-listed and accepted applications withdrawn by their applicant (an accepted
    one frees its booth, which another application may then take); someone else's is not found;
    audited; organisers see it withdrawn; CSRF and the confirmation box required."""
    w, e = booth_world, booth_world["event"]
    with db() as s:
        mine, theirs = _apply(s, w).id, _apply(s, w, who="seller", actor="company", stand_type="standard").id
        event = service.get_event(s, event_id=e)
        booths.decide_booth(s, event=event, application_id=mine, decision="accepted", booth="V01",
                            by_user_id=w["users"]["org"])
        booths.decide_booth(s, event=event, application_id=theirs, decision="waitlisted", by_user_id=w["users"]["org"])
        s.commit()
    _as(client, "founder@test.invalid")
    page = client.get(f"/events/{e}/booths")
    assert f'action="/events/{e}/booths/{mine}/withdraw"' in page.text and "le stand est libéré" in page.text
    url = f"/events/{e}/booths/{mine}/withdraw"
    assert client.post(url, data={"confirm": "yes"}).status_code == 403  # no CSRF token
    csrf = csrf_of(client, f"/events/{e}/booths")
    unconfirmed = client.post(url, data={"csrf_token": csrf})
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.text
    other = client.post(f"/events/{e}/booths/{theirs}/withdraw", data={"confirm": "yes", "csrf_token": csrf})
    assert other.status_code == 404  # the seller's application: not the founder's to withdraw
    assert client.post(url, data={"confirm": "yes", "csrf_token": csrf}, follow_redirects=False).status_code == 303
    again = client.post(url, data={"confirm": "yes", "csrf_token": csrf})
    assert again.status_code == 409 and "application\u202f: cette candidature est déjà retirée" in again.text  # French, agreed
    with db() as s:
        assert service.exhibitors(s, event_id=e) == []  # the booth is free
        booths.withdraw_booth(s, event=service.get_event(s, event_id=e), application_id=theirs,
                              user_id=w["users"]["seller"])  # a wait-listed one
        s.commit()
        assert {v.row.id: v.row.status for v in booths.booth_applications(s, event_id=e)} == {
            mine: "withdrawn", theirs: "withdrawn"}
        again = _apply(s, w).id  # the actor may apply again, and get the freed booth
        booths.decide_booth(s, event=service.get_event(s, event_id=e), application_id=again, decision="accepted",
                            booth="V01", by_user_id=w["users"]["org"])
        s.commit()
    detail = [json.loads(x.detail) for x in audit_events(db, "events.booth_withdrawn")]
    assert [(d["was"], d["booth_freed"]) for d in detail] == [("accepted", "V01"), ("waitlisted", None)]
    _as(client, "org@test.invalid")
    review = client.get(f"/events/{e}/booths/review").text
    assert review.count('data-status="withdrawn"') == 2 and "retirée" in review


def test_a_freed_booth_is_offered_to_the_waiting_list(client, db, booth_world):
    """An accepted application withdrawn: the organisers (not the applicant) told once that the
    booth is free and how many wait; the review page lists the wait-listed first; nothing is given
    automatically; withdrawing an application that had no booth tells nobody."""
    w, e = booth_world, booth_world["event"]
    with db() as s:
        event = service.get_event(s, event_id=e)
        [org_actor] = service.organisers_of(s, event_id=e)
        early = booths.apply_for_booth(s, event=event, user_id=w["users"]["org"], actor_id=org_actor,
                                       stand_type="standard").id  # under review, arrived first
        mine, theirs = _apply(s, w).id, _apply(s, w, who="seller", actor="company", stand_type="standard").id
        booths.decide_booth(s, event=event, application_id=mine, decision="accepted", booth="V01",
                            by_user_id=w["users"]["org"])
        booths.decide_booth(s, event=event, application_id=theirs, decision="waitlisted", by_user_id=w["users"]["org"])
        s.commit()
        booths.withdraw_booth(s, event=event, application_id=mine, user_id=w["users"]["founder"])
        s.commit()
        assert service.exhibitors(s, event_id=e) == []  # freed, given to nobody
        assert s.get(booths.BoothApplication, theirs).status == "waitlisted"
    free = [n for n in _notes(db, w["users"]["org"]) if n.kind == "events.booth_free"]
    assert [n.subject for n in free] == ["Rencontres test\u202f: le stand V01 est libre"]
    assert "TreeFrog Therapeutics a retiré sa demande" in free[0].body and "liste d'attente\u202f: 1" in free[0].body
    assert free[0].link == f"/events/{e}/booths/review" and free[0].emailed_at is not None
    assert all(n.kind != "events.booth_free" for u in ("founder", "seller") for n in _notes(db, w["users"][u]))
    _as(client, "org@test.invalid")
    page = client.get(f"/events/{e}/booths/review").text
    order = [page.index(f'data-application="{a}"') for a in (theirs, early, mine)]
    assert order == sorted(order) and "viennent en tête" in page
    with db() as s:  # a withdrawal that frees no booth tells nobody
        booths.withdraw_booth(s, event=service.get_event(s, event_id=e), application_id=theirs,
                              user_id=w["users"]["seller"])
        s.commit()
    assert len([n for n in _notes(db, w["users"]["org"]) if n.kind == "events.booth_free"]) == 1

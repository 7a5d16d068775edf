"""A deleted account's applications, checked with a canary: the draft goes; a laureate's
application stays for the call's record under its actor (result, scores, the atlas's fact)
without its owner, answers, files or rebuttal; a hand-typed applicant name is replaced; one
still under review is withdrawn. No table row holds the canary's name or address afterwards."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bioatlas.accounts.models import User
from bioatlas.accounts.personal import delete_user
from bioatlas.calls import service
from bioatlas.calls.models import Application, Attachment
from bioatlas.calls.personal import ERASED_NAME
from bioatlas.review.models import ReviewItem
from tests.accounts.test_erasure_canary import _rows_holding
from tests.calls.helpers import PDF, add_actor, client_for, make_call, make_user

CANARY_EMAIL = "canari.calls.q7x@example.org"
CANARY_NAME = "Canari Wqzt"


def test_deleted_applicant_leaves_the_record_not_the_person(db, engine, story):
    actor = add_actor(db, "Yposkesi SA", "91000")
    uid = make_user(db, CANARY_EMAIL, name=CANARY_NAME)
    first = make_call(db, manager=story["users"]["manager"])
    with db() as s:
        call = service.get_call(s, call_id=first)
        won = service.start_application(s, call=call, user_id=uid, actor_id=actor)
        service.save_draft(s, application=won, raw={"summary": f"Projet porté par {CANARY_NAME}"})
        service.add_attachment(s, application=won, field="deck", filename="deck.pdf", content_type="application/pdf",
                               data=PDF + CANARY_NAME.encode(), max_upload_bytes=10_000)
        service.submit(s, application=won, user_id=uid)
        lost = service.start_application(s, call=call, user_id=uid, actor_id=None,
                                         applicant_name=f"Société de {CANARY_NAME}")
        service.save_draft(s, application=lost, raw={"summary": "Autre projet."})
        service.submit(s, application=lost, user_id=uid)
        service.decide(s, application=won, decision="selected", rationale="Oui.", by_user_id=None)
        service.decide(s, application=lost, decision="rejected", rationale="Non.", by_user_id=None)
        service.publish_results(s, call=call, by_user_id=None)
        second = service.get_call(s, call_id=make_call(db, manager=None))
        again = service.resubmission(s, previous=lost, call=second, user_id=uid)
        service.submit(s, application=again, user_id=uid, rebuttal=f"Réponse de {CANARY_NAME}")
        draft = service.start_application(s, call=second, user_id=uid, actor_id=actor)
        ids = {"won": won.id, "lost": lost.id, "again": again.id, "draft": draft.id}
    assert {"call_applications.answers", "review_items.rebuttal"} <= set(_rows_holding(engine, CANARY_NAME))
    with db() as s:
        assert {a["id"] for a in service.export_user(s, user_id=uid)} == set(ids.values())
        delete_user(s, s.get(User, uid))
        s.commit()
    assert _rows_holding(engine, CANARY_NAME) == [] and _rows_holding(engine, CANARY_EMAIL) == []
    with db() as s:
        won, lost, again = (s.get(Application, ids[k]) for k in ("won", "lost", "again"))
        assert s.get(Application, ids["draft"]) is None
        assert s.scalar(select(func.count()).select_from(Attachment)) == 0
        # the laureate stays on the call's record and in the atlas, under its actor
        assert (won.status, won.result, won.actor_id, won.owner_id) == ("submitted", "laureate", actor, None)
        assert json.loads(won.answers) == {} and won.applicant_name == "Yposkesi SA"
        assert service.laureate_calls_of_actor(s, actor_id=actor)[0]["id"] == first
        assert (lost.applicant_name, lost.result) == (ERASED_NAME, "not_selected")
        # under review, undecided: withdrawn, its item too, the rebuttal gone
        item = service.item_of(s, application=again)
        assert again.status == "withdrawn" and item.withdrawn and item.rebuttal is None and again.rebuttal is None
        assert s.scalar(select(func.count()).select_from(ReviewItem).where(ReviewItem.owner_user_id == uid)) == 0
    m, _ = client_for(story, db, "manager")
    page = m.get(f"/applications/{ids['won']}")
    assert page.status_code == 200 and "Le compte du candidat a été supprimé" in page.text
    assert "Yposkesi SA" in m.get(f"/calls/{first}/results").text

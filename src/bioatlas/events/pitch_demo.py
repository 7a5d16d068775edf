"""The demo's call for pitches (part of the events demo step, added once to the demo event): real
start-ups already in the atlas (i-Lab laureates: the actors whose description the i-Lab source
states; other start-ups when the atlas has none) as SYNTHETIC applications (the texts say they are
invented and that the start-up did not apply), a jury of synthetic accounts "Juré·e démo N"
(reviewing through `review.service` like any jury: scores, conflicts of interest), decisions, and
the selected pitches placed in the programme's pitch session."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.atlas import service as atlas
from bioatlas.events import pitch_programme, pitches
from bioatlas.events.models import Event
from bioatlas.review import service as review

APPLICANTS, JURY, SEATS = 6, 3, 3
ILAB_SOURCE = "ilab"
SUMMARY = ("Candidature synthétique de démonstration\u202f: texte inventé. La start-up est un vrai acteur de l'atlas "
           "(lauréate i-Lab), mais elle n'a pas candidaté à cet événement fictif.")


def _startups(s: Session) -> list[int]:
    laureates = [actor_id for actor_id, _text in atlas.field_texts(s, source_key=ILAB_SOURCE, field="description_fr")]
    return list(dict.fromkeys(laureates or atlas.actor_ids_of_kinds(s, kinds=["startup"])))[:APPLICANTS]


def add(s: Session, *, event: Event) -> dict[str, Any]:
    startups = _startups(s)
    if not startups:
        return {"pitches": 0, "skipped": "no start-up in the atlas"}
    pitches.open_call(s, event_id=event.id, title="Appel à pitchs des start-up (démonstration)", seats=SEATS,
                      description="Appel fictif de démonstration\u202f: candidatures et jury synthétiques.")
    names = atlas.load_actors(s, ids=startups)
    apps = [pitches.apply(s, event_id=event.id, user_id=None, actor_id=actor_id, summary=SUMMARY,
                          title=f"Pitch fictif de démonstration {i} – {names[actor_id].name}"[:200])
            for i, actor_id in enumerate(startups, start=1)]
    jury = [accounts.ensure_user(s, email=f"jure-demo-{i}@demo.invalid", display_name=f"Juré·e démo {i}").id
            for i in range(1, JURY + 1)]
    pitches.add_jury(s, event_id=event.id, user_ids=jury)
    report = pitches.assign_jury(s, event_id=event.id)
    reviewed = {item for item, _reviewer in report.assigned}
    for k, app in enumerate(apps):
        for r, juror in enumerate(jury):
            try:
                pitches.score(s, event_id=event.id, application_id=app.id, reviewer_id=juror,
                              scores={"innovation": 5 - k % 4, "team": 3 + (k + r) % 3, "fit": 4 - (k % 2)})
            except (review.NotAssigned, review.ConflictOfInterest):
                continue
    ranked = [r.application for r in pitches.results(s, event_id=event.id)]
    for rank, app in enumerate(ranked):
        decision = "selected" if rank < SEATS else "waitlisted" if rank == SEATS else "rejected"
        pitches.decide(s, event_id=event.id, application_id=app.id, decision=decision, by_user_id=None,
                       rationale="Décision fictive de démonstration (scores synthétiques du jury).")
    sessions = pitch_programme.pitch_sessions(s, event_id=event.id)
    if sessions:
        pitch_programme.place_pitches(s, event_id=event.id, session_id=sessions[0].id, order=[])
    return {"pitches": len(apps), "jury": len(jury), "reviewed_items": len(reviewed),
            "selected": len(pitches.selected(s, event_id=event.id))}

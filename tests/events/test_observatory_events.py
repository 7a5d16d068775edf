"""The events' figures in the observatory, through the plug-in hook: registered (by category),
checked in, meeting requests sent / accepted / scheduled in the published schedule, messages."""

from __future__ import annotations

from datetime import datetime, timezone

from bioatlas.events import service
from bioatlas.events.models import Participant
from bioatlas.messaging import service as messaging
from bioatlas.observatory import compute
from tests.accounts.fixtures import make_user
from tests.contributions.helpers import add_actor
from tests.events.helpers import make_event, register, request
from tests.events.test_flow import _run


def _figures(db, field: str):
    with db() as s:
        found = compute.run_query(compute.Context(session=s, taxonomies={}), f"events:{field}")
    return found if isinstance(found, compute.Empty) else [(p.scope, p.dimension, p.value) for p in found]


def test_event_figures_through_the_plugin_hook(db):
    assert isinstance(_figures(db, "registered"), compute.Empty)  # no event yet: said, not zero
    organiser = add_actor(db, "Medicen Paris Region", "75013", kind="cluster")
    e = make_event(db, organiser=organiser)
    ann, bob = make_user(db, "ann@example.org"), make_user(db, "bob@example.org")
    people = [register(db, event_id=e, user_id=ann, name="Ann", category="startup"),
              register(db, event_id=e, user_id=bob, name="Bob", category="investor"),
              register(db, event_id=e, user_id=None, name="Participant démo 1")]
    request(db, event_id=e, sender=people[0], to=people[1], accept=True)
    request(db, event_id=e, sender=people[0], to=people[2], accept=True)
    request(db, event_id=e, sender=people[1], to=people[2], accept=False)
    run = _run(db, e)
    with db() as s:
        service.publish(s, event=service.get_event(s, event_id=e), run_id=run.id)
        s.get(Participant, people[0]).checked_in_at = datetime.now(timezone.utc)
        thread = messaging.open_thread(s, user_ids=[bob], opened_by=ann, accepted=True,
                                       context={"kind": "event", "id": e, "label": "Rencontres test"})
        for body in ("Bonjour", "À demain au stand"):
            messaging.post_message(s, thread_id=thread.id, sender_id=ann, body=body)
        s.commit()
    scope = f"event-{e}"
    assert _figures(db, "registered") == [(scope, None, 3)]
    assert _figures(db, "by_category") == [(scope, "category=industry", 1), (scope, "category=investor", 1),
                                           (scope, "category=startup", 1)]
    assert _figures(db, "checked_in") == [(scope, None, 1)]
    assert _figures(db, "requested") == [(scope, None, 3)]
    assert _figures(db, "accepted") == [(scope, None, 2)]
    assert _figures(db, "scheduled") == [(scope, None, 2)]
    assert _figures(db, "messages") == [(scope, None, 2)]

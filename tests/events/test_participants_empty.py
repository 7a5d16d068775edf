"""An event's participant list says when it is empty (it showed a header row over nothing), in the
reader's language; on a phone its rows are blocks (class `stack`, each cell under its column's name)."""

from __future__ import annotations

import pytest

from tests.accounts.fixtures import login, make_user
from tests.contributions.helpers import add_actor
from tests.events.helpers import make_event


@pytest.mark.parametrize(("lang", "empty"), [("fr", "Aucun participant pour l’instant."), ("en", "No participant yet.")])
def test_an_empty_participant_list_says_so(client, db, lang, empty):
    event = make_event(db, organiser=add_actor(db, "Organisateur test", "91000"))
    make_user(db, "admin@example.org", admin=True)
    login(client, "admin@example.org")
    page = client.get(f"/events/{event}/participants?lang={lang}")
    assert page.status_code == 200
    listing = page.text.split('<table class="event-people stack">', 1)[1].split("</table>", 1)[0]
    assert f'<td colspan="4" class="empty">{empty}</td>' in listing

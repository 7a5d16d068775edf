"""A job offer's publication day (and the actor page's "last updated" day) in the reader's zone,
like the other stored instants (`instant` filter): an offer stored at 23:30 UTC was published the
next day in Paris (the default, and a visitor's) and the same day in Montréal (an account's
`users.time_zone`); before, the page showed the UTC day to everyone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from bioatlas.accounts.models import User
from bioatlas.atlas.models import Actor
from bioatlas.jobboard.models import JobOffer
from tests.accounts.fixtures import login, make_user
from tests.contributions.helpers import add_actor
from tests.jobboard.helpers import add_rome, make_offer

LATE = datetime(2027, 3, 10, 23, 30)  # naive UTC, as SQLite gives it back: 00:30 on 11 March in Paris


def test_the_publication_day_is_the_reader_day_across_midnight(client, db):
    add_rome(db)
    ypo = add_actor(db, "Yposkesi", "91000")
    offer = make_offer(db, actor_id=ypo, start_date="2027-04-01")
    uid = make_user(db, "montreal@test.invalid")
    with db() as s:
        s.execute(update(JobOffer).where(JobOffer.id == offer).values(created_at=LATE))
        s.execute(update(Actor).where(Actor.id == ypo).values(updated_at=LATE))
        s.execute(update(User).where(User.id == uid).values(time_zone="America/Montreal"))
        s.commit()

    def published(lang: str) -> str:
        page = client.get(f"/jobboard/offers/{offer}", params={"lang": lang})
        assert page.status_code == 200
        return page.text

    visitor = published("fr")  # a visitor: Paris
    assert "<dd>jeudi 11 mars 2027</dd>" in visitor and "mercredi 10 mars 2027" not in visitor
    assert "<dd>jeudi 1 avril 2027</dd>" in visitor  # the start date written as a day too, not 2027-04-01
    assert "<dd>Thursday 11 March 2027</dd>" in published("en")
    assert "jeudi 11 mars 2027" in client.get(f"/actors/{ypo}", params={"lang": "fr"}).text

    assert login(client, "montreal@test.invalid").status_code == 303
    reader = published("fr")  # 18:30 on 10 March in Montréal
    assert "<dd>mercredi 10 mars 2027</dd>" in reader and "jeudi 11 mars 2027" not in reader
    assert "mercredi 10 mars 2027" in client.get(f"/actors/{ypo}", params={"lang": "fr"}).text

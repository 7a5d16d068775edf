"""Rate limits are shared by every worker process (counted in the database), slide with time,
and store no address."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bioatlas.accounts.models import RateLimitHit
from bioatlas.accounts.ratelimit import RateLimiter
from tests.accounts.fixtures import login, mail_settings, smtp  # noqa: F401  (fixtures)


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def test_two_workers_share_one_limit_and_the_window_slides(db):
    clock = Clock()
    first, second = RateLimiter(db, "k" * 32, clock), RateLimiter(db, "k" * 32, clock)  # two processes' limiters
    key = "login:account:dominique@example.org"
    assert [first.hit(key, 3, 60), second.hit(key, 3, 60), first.hit(key, 3, 60)] == [0.0, 0.0, 0.0]
    clock.now += timedelta(seconds=20)
    assert second.hit(key, 3, 60) == 40.0  # the oldest attempt leaves the window in 40 s
    assert first.hit(key, 3, 60) == 40.0  # refused attempts are not counted
    assert first.hit("login:ip:203.0.113.9", 3, 60) == 0.0  # another key has its own window
    clock.now += timedelta(seconds=41)
    assert second.hit(key, 3, 60) == 0.0
    with db() as s:
        keys = set(s.scalars(select(RateLimitHit.key)))
    assert len(keys) == 2 and not any("example.org" in k or "203.0" in k for k in keys)


def test_another_secret_gives_other_keys(db):
    clock = Clock()
    RateLimiter(db, "a" * 32, clock).hit("signup:ip:198.51.100.7", 1, 60)
    assert RateLimiter(db, "b" * 32, clock).hit("signup:ip:198.51.100.7", 1, 60) == 0.0
    assert RateLimiter(db, "a" * 32, clock).hit("signup:ip:198.51.100.7", 1, 60) == 60.0


def test_login_limit_holds_across_two_apps_on_one_database(mail_settings, db, smtp):
    from fastapi.testclient import TestClient

    from bioatlas.app import create_app
    settings = mail_settings.model_copy(update={"rate_limit_login": 3})
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        codes = [login(c, "camille.martin@genethon.fr", "wrong password!").status_code for c in (one, two, one, two)]
    assert codes == [401, 401, 401, 429]

"""Rate limiting shared by every worker process: a sliding window per key, counted in the
database (`rate_limit_hits`), so that N workers do not multiply the limits by N.

Keys ("login:ip:…", "login:account:…") are stored as an HMAC under the secret key: the table
holds no address. An attempt is inserted, then the window is counted, itself included; over the
limit, the insertion is rolled back (refused attempts do not extend the wait) and the answer is
the seconds until the oldest attempt of the window leaves it. Two simultaneous attempts may both
be refused near the limit, never both allowed past it. Old rows are pruned as hits arrive."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from bioatlas.accounts.models import RateLimitHit

KEEP = timedelta(days=1)  # longer than any window
PRUNE_EVERY = 200  # on average, one hit in this many deletes the rows older than KEEP


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class RateLimiter:
    def __init__(self, sessions: sessionmaker, secret: str, clock=_utc_now):
        self._sessions = sessions
        self._secret = secret.encode()
        self._clock = clock

    def _digest(self, key: str) -> str:
        return hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()

    def forget(self, keys: list[str]) -> None:
        """Delete every counted attempt of these keys."""
        with self._sessions() as session:
            session.execute(delete(RateLimitHit).where(RateLimitHit.key.in_([self._digest(k) for k in keys])))
            session.commit()

    def hit(self, key: str, limit: int, window: float) -> float:
        """Count one attempt for `key`; returns 0 when allowed, else the seconds to wait."""
        digest, now = self._digest(key), self._clock()
        with self._sessions() as session:
            session.add(RateLimitHit(key=digest, at=now))
            session.flush()
            count, oldest = session.execute(
                select(func.count(), func.min(RateLimitHit.at))
                .where(RateLimitHit.key == digest, RateLimitHit.at > now - timedelta(seconds=window))
            ).one()
            if count > limit:
                session.rollback()
                if oldest.tzinfo is None:  # SQLite gives naive UTC datetimes back
                    oldest = oldest.replace(tzinfo=timezone.utc)
                return max(1.0, (oldest + timedelta(seconds=window) - now).total_seconds())
            if random.randrange(PRUNE_EVERY) == 0:
                session.execute(delete(RateLimitHit).where(RateLimitHit.at < now - KEEP))
            session.commit()
        return 0.0

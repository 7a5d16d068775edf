"""In-process rate limiting (sliding window per key). One limiter per application; a deployment
with several worker processes multiplies the limits by the number of workers (documented)."""

from __future__ import annotations

import threading
import time
from collections import deque


class RateLimiter:
    def __init__(self, clock=time.monotonic):
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def hit(self, key: str, limit: int, window: float) -> float:
        """Count one attempt for `key`; returns 0 when allowed, else the seconds to wait."""
        now = self._clock()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= now - window:
                q.popleft()
            if len(q) >= limit:
                return max(1.0, q[0] + window - now)
            q.append(now)
            if len(self._hits) > 100_000:  # bound memory: forget idle keys
                for k in [k for k, v in self._hits.items() if not v][:50_000]:
                    del self._hits[k]
            return 0.0

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()

"""Followers of Bluesky authors from the public profile API: only when configured
(CLUETRAIN_BLUESKY_FOLLOWERS=on), cached, rate-limited.

`app.bsky.actor.getProfile` answers `followersCount`. Lookups never hold the stream
back for long: over the rate (a token bucket of CLUETRAIN_BLUESKY_PROFILE_RATE per
second), or when the API fails, the answer is the cached count or None (the event's
author_followers is then null, as the format allows).
"""
from __future__ import annotations

import sys
import time
import urllib.parse
from collections import OrderedDict

import orjson

from cluetrain.sources.http_client import get_json

TTL_S = 3600.0  # follower counts move slowly; an hour-old count ranks an alert as well
MAX_ENTRIES = 100_000
TIMEOUT_S = 2.0


class ProfileLookup:
    def __init__(self, api: str, rate_per_s: float, *, log=sys.stderr, clock=time.monotonic):
        self.api = api.rstrip("/")
        self.rate_per_s = rate_per_s
        self._clock = clock
        self._log = log
        self._burst = max(1.0, rate_per_s)
        self._tokens = self._burst
        self._refilled = clock()
        self._cache: OrderedDict[str, tuple[float, int]] = OrderedDict()  # did -> (fetched at, count)
        self.fetched = self.limited = self.failed = 0

    def followers(self, did: str) -> int | None:
        now = self._clock()
        cached = self._cache.get(did)
        if cached is not None and now - cached[0] < TTL_S:
            return cached[1]
        if not self._take(now):
            self.limited += 1
            return cached[1] if cached else None
        url = f"{self.api}/xrpc/app.bsky.actor.getProfile?actor={urllib.parse.quote(did)}"
        try:
            count = get_json(url, timeout=TIMEOUT_S).get("followersCount")
        except (OSError, ValueError, orjson.JSONDecodeError, AttributeError) as exc:
            self.failed += 1
            if self.failed in (1, 10, 100) or self.failed % 1000 == 0:
                print(f"cluetrain: bluesky: follower count lookup failed ({self.failed} so far): {exc}",
                      file=self._log, flush=True)
            return cached[1] if cached else None
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            return None
        self.fetched += 1
        self._cache[did] = (now, count)
        self._cache.move_to_end(did)
        while len(self._cache) > MAX_ENTRIES:
            self._cache.popitem(last=False)
        return count

    def _take(self, now: float) -> bool:
        self._tokens = min(self._burst, self._tokens + (now - self._refilled) * self.rate_per_s)
        self._refilled = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

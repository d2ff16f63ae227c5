"""Exactly-once handling of WeChat's retries: claim a push and fetch its cached reply at once.

One key per push (`wh:push:<dedup key>`) holds either PENDING (a worker is running the handler)
or DONE + the exact response body that was sent. The first call claims the key and fetches
whatever is there in one Redis round trip (a Lua script, loaded once per process); a retry
that finds DONE answers the same bytes; one that finds PENDING waits for them a little and
otherwise answers `success`, so the handler never runs twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

KEY_PREFIX = "wh:push:"
PENDING = "P"
DONE = "D"

# Returns the existing value, or nil after writing the pending marker (atomic: one script).
_CLAIM = """
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return false
"""


@dataclass(frozen=True)
class Claim:
    """The outcome of a claim: `owned` (run the handler) or the cached body (maybe None yet)."""

    owned: bool
    body: str | None = None


class Dedup:
    """Claims and cached replies in Redis, for one app (built once)."""

    def __init__(self, client: redis.Redis, ttl: int, wait: float, poll: float = 0.02) -> None:
        self._redis = client
        self.ttl = ttl
        self.wait = wait
        self._poll = poll
        self._claim = client.register_script(_CLAIM)

    def claim(self, key: str) -> Claim:
        """Claim the push; owned=True means this call must run the handler and then finish()."""
        current = self._claim(keys=[KEY_PREFIX + key], args=[PENDING, self.ttl])
        if current is None:
            return Claim(owned=True)
        return Claim(owned=False, body=_body(current))

    def finish(self, key: str, body: str) -> None:
        """Cache the response body every retry of this push will get."""
        self._redis.set(KEY_PREFIX + key, DONE + body, ex=self.ttl)

    def wait_for(self, key: str, deadline: float) -> str | None:
        """The cached body once the worker running the handler stores it, or None at deadline."""
        while time.monotonic() < deadline:
            time.sleep(self._poll)
            body = _body(self._redis.get(KEY_PREFIX + key))
            if body is not None:
                return body
        return None


def _body(value: str | bytes | None) -> str | None:
    if isinstance(value, bytes):
        value = value.decode()
    if value and value.startswith(DONE):
        return value[len(DONE) :]
    return None

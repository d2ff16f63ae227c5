"""The beat scheduler that fires only while it holds a renewing Redis lock: one beat at a time.

Celery beat has no notion of a second copy of itself; two of them (a deploy that overlaps, a
machine started twice) would send every periodic task twice. This scheduler takes the lock
`beat:lock` before it sends anything, renews it on every tick, and releases it on shutdown.
A beat that finds the lock taken stands by and takes over once the holder is gone for
BEAT_LOCK_TTL seconds. It keeps its schedule in memory (no shelve file), since what must survive
restarts (scheduled pushes) lives in Redis already.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid

import redis
from celery.beat import Scheduler

from bot.redisdb import connect

log = logging.getLogger(__name__)

LOCK_KEY = "beat:lock"

# Extend the lock only if we still hold it (a beat that lost it must not steal it back).
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class BeatLock:
    """A Redis lock owned by one beat process, identified by a random token."""

    def __init__(self, client: redis.Redis, ttl: float):
        self.client = client
        self.ttl_ms = int(ttl * 1000)
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held = False

    def acquire_or_renew(self) -> bool:
        """Hold the lock after this call, or report that another beat holds it."""
        try:
            if self.held:
                self.held = bool(self.client.eval(_RENEW, 1, LOCK_KEY, self.token, self.ttl_ms))
            if not self.held:
                self.held = bool(self.client.set(LOCK_KEY, self.token, nx=True, px=self.ttl_ms))
        except redis.RedisError as exc:
            # Without Redis we cannot know whether another beat fires: fire nothing.
            log.warning("beat lock: Redis unavailable (%s); not firing", type(exc).__name__)
            self.held = False
        return self.held

    def release(self) -> None:
        with contextlib.suppress(redis.RedisError):
            self.client.eval(_RELEASE, 1, LOCK_KEY, self.token)
        self.held = False


class LockedScheduler(Scheduler):
    """Celery's in-memory scheduler, sending tasks only while this process holds the beat lock."""

    #: Seconds the lock outlives a beat that stopped renewing it (crash, network loss).
    lock_ttl = float(os.environ.get("BEAT_LOCK_TTL", "30"))

    def __init__(self, *args, **kwargs):
        self.lock: BeatLock | None = None
        super().__init__(*args, **kwargs)

    def setup_schedule(self) -> None:
        super().setup_schedule()
        client = connect(self.app.conf["mmsp_redis_url"])
        self.lock = BeatLock(client, self.lock_ttl)

    def tick(self, *args, **kwargs) -> float:
        renew_every = max(self.lock_ttl / 3, 0.5)
        was_held = self.lock.held
        if not self.lock.acquire_or_renew():
            if was_held:
                log.warning("beat lock lost; standing by (token %s)", self.lock.token)
            elif not getattr(self, "_said_standby", False):
                log.info("another beat holds %s; standing by (token %s)", LOCK_KEY, self.lock.token)
            self._said_standby = True
            return renew_every
        if not was_held:
            log.info("beat lock taken (token %s); this beat fires the schedule", self.lock.token)
            self._said_standby = False
        return min(super().tick(*args, **kwargs), renew_every)

    def close(self) -> None:
        if self.lock is not None and self.lock.held:
            self.lock.release()
            log.info("beat lock released (token %s)", self.lock.token)
        super().close()

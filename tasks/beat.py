"""The beat scheduler that fires only while it holds a renewing Redis lock: one beat at a time.

Celery beat has no notion of a second copy of itself; two of them (a deploy that overlaps, a
machine started twice) would send every periodic task twice. This scheduler takes the lock
`beat:lock` before it sends anything, renews it every BEAT_LOCK_TTL/3 seconds, and releases it
on shutdown. A beat that finds the lock taken stands by, asking again every BEAT_LOCK_TTL/10
seconds; the key itself lives BEAT_LOCK_TTL minus two such polls, so a standby takes over at
most BEAT_LOCK_TTL minus one poll after the holder's last renewal, leaving that poll for the
first due task to reach a worker. It keeps its schedule in memory (no shelve
file), since what must survive restarts (scheduled pushes) lives in Redis already.
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

# Take the lock when it is free, or extend it when it is ours: one script, so that a beat whose
# lock vanished (a Redis restart, a fail-over to a replica that never saw it) takes it back at
# once, while a beat whose lock another one took stays out.
_ACQUIRE = """
local holder = redis.call('get', KEYS[1])
if holder == false or holder == ARGV[1] then
    redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2])
    return 1
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
        self.ttl = ttl
        # A standby asks this often; the key lives two asks less than the TTL, so that expiry
        # plus the standby's next ask plus the first task's dispatch fit in BEAT_LOCK_TTL.
        self.poll = max(ttl / 10, 0.05)
        self.renew_every = max(ttl / 3, 0.05)
        self.key_ms = max(int((ttl - 2 * self.poll) * 1000), 1)
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held = False

    def acquire_or_renew(self) -> bool:
        """Hold the lock after this call, or report that another beat holds it."""
        try:
            self.held = bool(self.client.eval(_ACQUIRE, 1, LOCK_KEY, self.token, self.key_ms))
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

    #: Seconds after its holder's last renewal that a standby beat takes over at the latest.
    lock_ttl = float(os.environ.get("BEAT_LOCK_TTL", "30"))

    def __init__(self, *args, **kwargs):
        self.lock: BeatLock | None = None
        self._said_standby = False
        super().__init__(*args, **kwargs)

    def setup_schedule(self) -> None:
        super().setup_schedule()
        client = connect(self.app.conf["mmsp_redis_url"])
        self.lock = BeatLock(client, self.lock_ttl)

    def tick(self, *args, **kwargs) -> float:
        was_held = self.lock.held
        if not self.lock.acquire_or_renew():
            if was_held:
                log.warning("beat lock lost; standing by (token %s)", self.lock.token)
            elif not self._said_standby:
                log.info("another beat holds %s; standing by (token %s)", LOCK_KEY, self.lock.token)
            self._said_standby = True
            return self.lock.poll
        if not was_held:
            log.info("beat lock taken (token %s); this beat fires the schedule", self.lock.token)
            self._said_standby = False
        return min(super().tick(*args, **kwargs), self.lock.renew_every)

    def close(self) -> None:
        if self.lock is not None and self.lock.held:
            self.lock.release()
            log.info("beat lock released (token %s)", self.lock.token)
        super().close()

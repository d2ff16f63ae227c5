"""Exactly-once handling of WeChat's retries: claim a push and fetch its cached reply at once.

One key per push (`wh:push:<dedup key>`) holds either PENDING (a worker is running the handler)
or DONE + the exact response body that was sent. The first call claims the key and fetches
whatever is there in one Redis round trip (a Lua script, loaded once per process; reads the
context steps need ride on the same script call, see Router.prefetch and batch_script); a retry
that finds DONE answers the same bytes; one that finds PENDING waits for them a little and
otherwise answers `success`, so the handler never runs twice.

PENDING is a lease of a few seconds, not a promise: a call that could not finish (Redis went
away mid-handler, the process died) releases it or lets it expire, and WeChat's next retry
claims the push again and answers it, instead of finding a claim nobody will ever complete.

Caching the reply is off the answer's path: a writer thread per process stores replies in
batches (one pipeline per 50 ms), so a request costs one round trip of its own. A retry that
comes before the write lands is a retry that finds PENDING, and waits for it.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.exceptions import NoScriptError

from bot.webhook.batch_script import ScriptBatch

log = logging.getLogger(__name__)

KEY_PREFIX = "wh:push:"
PENDING = "P"
DONE = "D"

# Returns the existing value, or nil after writing the pending marker (atomic: one script).
# A marker with the caller's own token is its own claim from an attempt whose answer was lost.
_CLAIM = """
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
"""
# Drop a claim that is still pending (its handler could not finish); a finished one stays.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# What wait_for returns when the claim it waited on is gone (released or expired).
RELEASED = object()


@dataclass(frozen=True)
class Claim:
    """The outcome of a claim: `owned` (run the handler) or the cached body (maybe None yet).

    `reads` holds the results of the reads queued with the claim (an empty list when none).
    """

    owned: bool
    body: str | None = None
    reads: list = field(default_factory=list)


class Dedup:
    """Claims and cached replies in Redis, for one app (built once)."""

    def __init__(
        self, client: redis.Redis, ttl: int, wait: float, lease: int = 5, poll: float = 0.02
    ) -> None:
        self._redis = client
        self.ttl = ttl
        self.lease = lease
        self.wait = wait
        self._poll = poll
        self._sha = hashlib.sha1(_CLAIM.encode()).hexdigest()
        self._writer = BatchWriter(client)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every reply handed to finish() is in Redis (tests, shutdown)."""
        return self._writer.flush(timeout)

    def claim(
        self,
        key: str,
        reads: Callable[[Any], None] | None = None,
        token: str = "",
        elapsed: float = 0.0,
    ) -> Claim:
        """Claim the push; owned=True means this call must run the handler and then finish().

        reads(pipeline) may queue read commands to run in the same round trip, after the claim.
        token names the calling request, so that it may claim again what it claimed already;
        elapsed (seconds since it started) shortens the lease, so that claiming again never
        keeps the push from WeChat's next call.
        """
        lease_ms = max(int((self.lease - elapsed) * 1000), 1000)
        args = ("EVALSHA", self._sha, 1, KEY_PREFIX + key, PENDING + token, lease_ms)
        if reads is None:
            try:
                current = self._redis.execute_command(*args)
            except NoScriptError:
                # A restarted or flushed Redis forgot the script: load it once and go on.
                self._redis.script_load(_CLAIM)
                current = self._redis.execute_command(*args)
            results: list = []
        else:
            current, results = self._claim_with(args[3:], reads)
        if current is None:
            return Claim(owned=True, reads=results)
        return Claim(owned=False, body=_body(current), reads=results)

    def _claim_with(self, key_args: tuple, reads: Callable[[Any], None]) -> tuple[Any, list]:
        # The claim and the reads in one script call (see batch_script): one command, not a
        # pipeline of several.
        batch = ScriptBatch()
        batch.eval(_CLAIM, 1, *key_args)
        reads(batch)
        # A failed read must not fail the claim: its result is the exception, for the reader.
        results = batch.run(self._redis)
        current = results[0]
        if isinstance(current, Exception):
            raise current
        return current, results[1:]

    def finish(self, key: str, body: str, writes: list[Callable] = ()) -> None:
        """Cache the body every retry of this push will get (and run `writes` on the pipeline)."""
        self._writer.put((KEY_PREFIX + key, DONE + body, self.ttl, list(writes)))

    def release(self, key: str, token: str = "") -> None:
        """Give up a claim whose handler could not finish, so that a retry can claim it."""
        self._redis.eval(_RELEASE, 1, KEY_PREFIX + key, PENDING + token)

    def wait_for(self, key: str, deadline: float) -> str | object | None:
        """The cached body once the call running the handler stores it; RELEASED when that
        call gave the claim up (claim again then); None at the deadline."""
        while time.monotonic() < deadline:
            time.sleep(self._poll)
            value = self._redis.get(KEY_PREFIX + key)
            if value is None:
                return RELEASED
            body = _body(value)
            if body is not None:
                return body
        return None


def _body(value: str | bytes | None) -> str | None:
    if isinstance(value, bytes):
        value = value.decode()
    if value and value.startswith(DONE):
        return value[len(DONE) :]
    return None


# Every writer of this process, so that a shutdown or a test can wait for all of them at once.
_WRITERS: weakref.WeakSet = weakref.WeakSet()


def flush_all(timeout: float = 5.0) -> bool:
    """Wait until every reply writer of this process has stored what it was handed."""
    deadline = time.monotonic() + timeout
    return all(w.flush(max(deadline - time.monotonic(), 0.0)) for w in list(_WRITERS))


class BatchWriter:
    """A thread that writes queued replies to Redis, many per pipeline; one per process."""

    BATCH = 256
    # Gathering for a few tens of milliseconds turns many replies into one round trip under
    # load; WeChat's retry comes seconds later, so the delay costs nothing.
    GATHER = 0.05

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._pending = 0
        self._idle = threading.Condition(self._lock)
        _WRITERS.add(self)

    def put(self, item: tuple) -> None:
        with self._lock:
            # Threads do not survive a fork: a gunicorn worker starts its own writer.
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._queue = queue.SimpleQueue()
                self._pending = 0
                threading.Thread(target=self._run, name="reply-writer", daemon=True).start()
                atexit.register(self.flush)
            self._pending += 1
        self._queue.put(item)

    def flush(self, timeout: float = 5.0) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            time.sleep(self.GATHER)
            while len(batch) < self.BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)
            with self._idle:
                self._pending -= len(batch)
                self._idle.notify_all()

    def _write(self, batch: list[tuple]) -> None:
        try:
            pipe = self._redis.pipeline(transaction=False)
            for key, value, ttl, writes in batch:
                pipe.set(key, value, ex=ttl)
                for write in writes:
                    write(pipe)
            pipe.execute()
        except Exception as exc:  # the thread must live on; retries then answer `success`
            log.error("could not cache %d replies (%s)", len(batch), type(exc).__name__)

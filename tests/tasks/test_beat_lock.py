"""Two beats against one Redis: only the lock holder fires; the other takes over when it dies."""

from __future__ import annotations

import json
import shutil
import time

from bot.redisdb import connect
from bot.run.embedded_redis import wait_answers
from tasks.beat import LOCK_KEY, BeatLock
from tests.support.live import PROJECT_ROOT, Process, free_port, python_module, wait_until


def _beat(redis_url: str, name: str) -> Process:
    args = python_module("celery", "-A", "tests.tasks.beat_probe", "beat", "--loglevel=INFO")
    # A fresh log: the test reads it for what this run of beat said, not an earlier one.
    (PROJECT_ROOT / "tests" / "artifacts" / "logs" / f"{name}.log").unlink(missing_ok=True)
    return Process(args, {"REDIS_URL": redis_url, "BEAT_LOCK_TTL": "3"}, name)


def _origins(redis_client) -> list[str]:
    """The process that sent each queued probe task, oldest first."""
    messages = reversed(redis_client.lrange("beat-probe", 0, -1))
    return [json.loads(m)["headers"]["origin"].split("@")[0] for m in messages]


def test_a_second_beat_stands_by_and_takes_over_when_the_first_dies(redis_url, redis_client):
    first = _beat(redis_url, "beat-first")
    second = None
    try:
        wait_until(lambda: "beat lock taken" in first.log(), 60, 0.1, "the first beat to fire")
        second = _beat(redis_url, "beat-second")
        wait_until(lambda: "standing by" in second.log(), 60, 0.1, "the second beat to stand by")
        sent_before = len(_origins(redis_client))
        wait_until(lambda: len(_origins(redis_client)) >= sent_before + 4, 20, 0.1, "4 more ticks")
        assert set(_origins(redis_client)) == {f"gen{first.popen.pid}"}

        first.kill()  # a crash: the lock is not released, it expires
        wait_until(lambda: "beat lock taken" in second.log(), 30, 0.1, "the second to take over")
        count = len(_origins(redis_client))
        wait_until(lambda: len(_origins(redis_client)) >= count + 2, 20, 0.1, "ticks from it")
        origins = _origins(redis_client)
        switch = origins.index(f"gen{second.popen.pid}")
        # Never both: all of the first's ticks, then only the second's.
        assert set(origins[:switch]) == {f"gen{first.popen.pid}"}
        assert set(origins[switch:]) == {f"gen{second.popen.pid}"}

        second.stop()
        assert redis_client.get(LOCK_KEY) is None, "a stopped beat releases its lock"
    finally:
        first.stop()
        if second is not None:
            second.stop()


def test_a_beat_takes_its_lock_back_at_once_when_redis_returns(tmp_path):
    """After an outage the holder does not wait out its own lock (BEAT_LOCK_TTL) to fire again."""
    port = free_port()
    args = [
        shutil.which("redis-server") or "redis-server",
        *("--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path)),
        *("--appendonly", "yes", "--appendfsync", "always", "--save", ""),
    ]
    url = f"redis://127.0.0.1:{port}/0"
    server = Process(args, {}, "beat-outage-redis")
    try:
        wait_answers(url)
        lock = BeatLock(connect(url), ttl=30)
        assert lock.acquire_or_renew()

        server.kill()
        assert not lock.acquire_or_renew()  # Redis away: whether another beat fires is unknown
        server = Process(args, {}, "beat-outage-redis")  # back, with the lock from its AOF
        wait_answers(url)
        started = time.monotonic()
        assert lock.acquire_or_renew() and time.monotonic() - started < 5
        assert not BeatLock(connect(url), ttl=30).acquire_or_renew()  # still one holder

        # Back without the lock at all (a replica that never saw it): taken at once too.
        connect(url).delete(LOCK_KEY)
        assert lock.acquire_or_renew()
    finally:
        server.stop()

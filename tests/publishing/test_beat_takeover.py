"""A standby beat fires a schedule within BEAT_LOCK_TTL when the beat holding the lock dies."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from bot.publishing import schedule
from tests.support.live import PROJECT_ROOT, Process, python_module, wait_until

TTL = 6.0


def _beat(env: dict[str, str], name: str) -> Process:
    # A fresh log: the test reads what this run of beat said, not an earlier one.
    (PROJECT_ROOT / "tests" / "artifacts" / "logs" / f"{name}.log").unlink(missing_ok=True)
    args = python_module("celery", "-A", "tasks.worker", "beat", "--loglevel=INFO")
    return Process(args, {**env, "BEAT_LOCK_TTL": str(TTL)}, name)


def test_killing_the_lock_holder_3_s_before_a_schedule_fires_it_within_the_ttl(
    bot_env, seed_issue, processes, redis_client
):
    processes.worker(bot_env)
    first = _beat(bot_env, "takeover-first")
    second = None
    try:
        wait_until(lambda: "beat lock taken" in first.log(), 60, 0.1, "the first beat to hold")
        second = _beat(bot_env, "takeover-second")
        wait_until(lambda: "standing by" in second.log(), 60, 0.1, "the second to stand by")
        due = time.time() + 5
        sched = schedule.create(redis_client, seed_issue, datetime.fromtimestamp(due, UTC), {})

        time.sleep(max(due - 3 - time.time(), 0))
        first.kill()  # a crash: the lock is not released, it has to expire
        killed = time.time()

        def fired():
            return schedule.get(redis_client, sched["id"])["state"] == "fired"

        wait_until(fired, 3 * TTL, 0.02, "the schedule to fire")
        fired_after = time.time() - killed
        print(f"schedule fired {fired_after:.2f} s after the holder was killed (TTL {TTL:g} s)")
        assert fired_after <= TTL
        assert "beat lock taken" in second.log()
        after = schedule.get(redis_client, sched["id"])
        assert after["push_id"] and redis_client.zcard(schedule.FIRING) == 0
    finally:
        first.stop()
        if second is not None:
            second.stop()

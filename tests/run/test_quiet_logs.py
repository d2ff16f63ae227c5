"""Worker and beat logs: the 2-second push tick is not an INFO line; it shows under DEBUG."""

from __future__ import annotations

import re

from tests.support.live import Process, python_module, wait_until


def _beat(env: dict, level: str, name: str) -> Process:
    return Process(
        python_module("celery", "-A", "tasks.worker", "beat", f"--loglevel={level}"), env, name
    )


def _worker(env: dict, level: str, name: str) -> Process:
    args = ["celery", "-A", "tasks.worker", "worker", f"--loglevel={level}", "--concurrency=1"]
    args += [f"--hostname={name}@%h", "--without-gossip", "--without-mingle"]
    return Process(python_module(*args), env, name)


def test_the_push_tick_logs_at_debug_not_every_two_seconds_at_info(settings_env, redis_client):
    quiet_beat = _beat(settings_env, "INFO", "quiet-beat")
    loud_worker = _worker(settings_env, "DEBUG", "debug-worker")
    try:
        # The worker at DEBUG shows that ticks ran (three at least, 2 s apart)...
        wait_until(
            lambda: loud_worker.log().count("publishing.tick") >= 3,
            timeout=60,
            interval=0.5,
            what="three push ticks in the DEBUG worker's log",
        )
    finally:
        quiet_beat.stop()
        loud_worker.stop()
    # ... while the beat at INFO wrote none of its sends.
    beat_log = quiet_beat.log()
    assert "beat lock taken" in beat_log
    tick_lines = [line for line in beat_log.splitlines() if "publishing.tick" in line]
    assert tick_lines == [], tick_lines[:3]
    assert re.search(r"DEBUG.*publishing\.tick", loud_worker.log())

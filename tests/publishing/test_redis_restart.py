"""The bot's Redis restarts mid-push and before a schedule is due: each still goes out once.

The bot (worker, beat, web app) gets a redis-server of its own, persisting every write to an
append-only file, which the test kills or shuts down and starts again from the same folder. The
sandbox keeps the shared test database, so only the bot's Redis goes away.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from bot.newsletter import store
from bot.newsletter.text_import import import_bytes
from bot.publishing import api, schedule, state
from bot.redisdb import connect
from tests.publishing.conftest import SEED, successful_calls
from tests.support.live import Process, free_port, wait_until

# The server under test: the system's, or `make run`'s kind with --redis-server=embedded.
REDIS_SERVER = os.environ.get("TEST_REDIS_SERVER") or shutil.which("redis-server")
# Longer than redis-py's own retries of a command (about 4 s) and than a push's lease (6 s), so
# that tasks do fail while Redis is away and the recovery has to pick the push up.
OUTAGE = 7.0


class OwnRedis:
    """A redis-server on a free port that fsyncs every write to an append-only file in `folder`."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: Process | None = None

    def start(self) -> None:
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--dir", str(self.folder), "--save", ""]
        args += ["--appendonly", "yes", "--appendfsync", "always"]
        self.process = Process(args, {}, f"bot-redis-{self.port}")
        probe = redis.Redis(port=self.port, socket_connect_timeout=1)
        try:
            wait_until(lambda: _answers(probe), 15, 0.05, "the bot's redis-server to load")
        finally:
            probe.close()

    def kill(self) -> None:
        """SIGKILL: nothing is lost, since every acknowledged write was fsynced first."""
        self.process.kill()
        self.process.stop()

    def shutdown(self) -> None:
        """SHUTDOWN: Redis flushes the append-only file and exits."""
        client = redis.Redis(port=self.port)
        client.shutdown()
        client.close()
        self.process.popen.wait(15)
        self.process.stop()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


def _answers(client: redis.Redis) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False


@pytest.fixture
def bot_redis(tmp_path):
    if REDIS_SERVER is None:
        pytest.fail("redis-server is not on PATH: install Redis to run the Redis restart tests")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bot_env(bot_env, bot_redis) -> dict[str, str]:
    """Every bot process of these tests uses the bot's own Redis (the sandbox keeps its own)."""
    return {**bot_env, "REDIS_URL": bot_redis.url}


@pytest.fixture
def bot_r(bot_redis):
    client = connect(bot_redis.url)
    yield client
    client.close()


@pytest.fixture
def seed_in_bot_redis(bot_r) -> int:
    issue = import_bytes(SEED.read_bytes())
    store.save_issue(bot_r, issue)
    return issue.number


def _while_up(read):
    """`read()` as a polling predicate: None while the bot's Redis is away."""

    def check():
        try:
            return read()
        except redis.RedisError:
            return None

    return check


def _push_field(r, push_id: str, name: str):
    return _while_up(lambda: (p := state.load(r, push_id)) and p.get(name))


def _finished(r, push_id: str):
    return _while_up(lambda: (p := state.load(r, push_id)) and p.state in state.TERMINAL and p)


def test_a_push_rides_out_a_killed_and_a_shut_down_redis_and_goes_out_once(
    bot_redis, bot_r, seed_in_bot_redis, bot_app, bot_env, webhook, sandbox, followers, processes
):
    processes.worker(bot_env)
    processes.beat(bot_env)
    sandbox.set_faults(slow=1.0, slow_seconds=3, paths=["freepublish/submit"])
    with bot_app.app_context():
        push_id = api.start_push(bot_r, seed_in_bot_redis, publish=True)["id"]

    # Killed while freepublish/submit is at WeChat: its answer comes back while Redis is away.
    wait_until(_push_field(bot_r, push_id, "publish_intent_at"), 40, 0.05, "the submit")
    time.sleep(1.0)
    bot_redis.kill()
    sandbox.set_faults(slow=1.0, slow_seconds=3, paths=["message/mass/sendall"])
    time.sleep(OUTAGE)
    bot_redis.start()
    push = wait_until(_finished(bot_r, push_id), 60, 0.2, "the publication after the outage")
    assert push.state == "done", push.fields

    # A broadcast (its mass send publishes too; staff chose a second copy here), shut down while
    # message/mass/sendall is at WeChat, the same way.
    with bot_app.app_context():
        push_id = api.start_push(bot_r, seed_in_bot_redis, broadcast=True)["id"]
    wait_until(_push_field(bot_r, push_id, "mass_intent_at"), 60, 0.05, "the mass send")
    time.sleep(1.0)
    bot_redis.shutdown()
    sandbox.clear_faults()
    time.sleep(OUTAGE)
    bot_redis.start()

    push = wait_until(_finished(bot_r, push_id), 60, 0.2, "the push to finish after the outages")
    assert push.state == "done", push.fields
    assert successful_calls(sandbox, "freepublish/submit") == 1
    assert successful_calls(sandbox, "message/mass/sendall") == 1
    assert successful_calls(sandbox, "draft/add") == 2
    assert len(sandbox.records("publishes")) == 1 and len(sandbox.records("mass")) == 1
    for name in followers:
        assert sum(m.get("via") == "mass" for m in sandbox.inbox(name)) == 1, name
    # The URLs are stored with the issue, and the send used the day's one send to all.
    assert len(api.published_articles(bot_r, seed_in_bot_redis)) >= 2
    with bot_app.app_context():
        left = api.quota_now(bot_r)
    assert left["remaining"] == 0 and left["period"] == "day" and left["next_free"]


def test_a_schedule_survives_a_restart_of_redis_and_beat_before_it_is_due_and_fires_once(
    bot_redis, bot_r, seed_in_bot_redis, bot_app, bot_env, sandbox, processes
):
    processes.worker(bot_env)
    beat = processes.beat(bot_env)
    due = datetime.now(UTC) + timedelta(seconds=6)
    with bot_app.app_context():
        sched_id = api.start_push(bot_r, seed_in_bot_redis, publish=True, at=due)["id"]

    beat.kill()
    bot_redis.kill()
    time.sleep(2.0)
    bot_redis.start()
    processes.beat(bot_env)
    assert datetime.now(UTC) < due, "the restart took longer than the schedule's lead"

    def fired():
        with bot_app.app_context():
            info = api.status_record(bot_r, sched_id)
        return info if info.get("state") in state.TERMINAL else None

    info = wait_until(_while_up(fired), 60, 0.3, "the scheduled push to finish")
    assert info["state"] == "done" and info["schedule"]["state"] == "fired"
    assert bot_r.zcard("push:all") == 1
    assert not bot_r.zscore(schedule.DUE, sched_id) and not bot_r.zscore(schedule.FIRING, sched_id)
    assert successful_calls(sandbox, "freepublish/submit") == 1
    assert successful_calls(sandbox, "draft/add") == 1

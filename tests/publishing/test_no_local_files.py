"""The processes write nothing into the checkout: caches live in Redis, files in MMSP_VAR_DIR.

Production may run from a read-only checkout (a container image). The web app, a worker and
beat run here as real processes, with MMSP_VAR_DIR elsewhere, through a push (which draws
covers) and follower messages; the checkout's files are compared before and after.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from bot.newsletter import covers, store
from bot.newsletter.text_import import import_bytes
from bot.publishing import api, state
from bot.redisdb import connect
from config import PROJECT_ROOT
from tests.publishing.conftest import SEED
from tests.support.live import Process, free_port, python_module, wait_http, wait_until

# What is not the checkout's own content: the tests' logs, Python's caches, git and the venv.
NOT_CHECKOUT = {".git", ".venv", "artifacts", "__pycache__", ".pytest_cache", ".ruff_cache"}


def _snapshot() -> dict[str, tuple[int, int]]:
    files = {}
    for folder, dirs, names in os.walk(PROJECT_ROOT):
        dirs[:] = [d for d in dirs if d not in NOT_CHECKOUT and not d.endswith(".egg-info")]
        for name in names:
            path = Path(folder, name)
            info = path.stat()
            files[str(path.relative_to(PROJECT_ROOT))] = (info.st_mtime_ns, info.st_size)
    return files


def test_web_worker_and_beat_write_nothing_into_the_checkout(
    bot_app, bot_env, sandbox, followers, redis_client, tmp_path
):
    # A title never seen before: its lead cover is drawn in this test, not found in a cache.
    issue = import_bytes(SEED.read_bytes())
    issue.title = f"Read-only checkout {uuid.uuid4().hex[:8]}"
    store.save_issue(redis_client, issue)
    env = {**bot_env, "MMSP_VAR_DIR": str(tmp_path / "var"), "PYTHONDONTWRITEBYTECODE": "1"}
    before = _snapshot()
    port = free_port()
    web_env = {**env, "WEB_HOST": "127.0.0.1", "PORT": str(port), "WEB_ACCESS_LOG": "/dev/null"}
    args = python_module("gunicorn", "--config", "config/gunicorn.py", "bot:create_app()")
    started = [
        Process(args, web_env, "nofiles-web"),
        Process(python_module("celery", "-A", "tasks.worker", "beat"), env, "nofiles-beat"),
        Process(
            python_module("celery", "-A", "tasks.worker", "worker", "--without-gossip"),
            env,
            "nofiles-worker",
        ),
    ]
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=30)
        sandbox.configure(webhook_url=f"http://127.0.0.1:{port}/wechat")
        assert sandbox.follow("dora", language="en")["delivery"]["status"] == "reply"
        assert sandbox.say("dora", "latest")["delivery"]["status"] == "reply"
        with bot_app.app_context():
            push_id = api.start_push(redis_client, issue.number, publish=True)["id"]
        push = wait_until(
            lambda: (p := state.load(redis_client, push_id)) and p.state in state.TERMINAL and p,
            90,
            0.2,
            "the push to finish",
        )
        assert push.state == "done", push.fields
    finally:
        for proc in started:
            proc.stop()

    assert _snapshot() == before
    # The covers the worker drew are in Redis, where the next worker (or the console) finds them.
    drawn = connect(bot_env["REDIS_URL"]).keys(covers.REDIS_PREFIX + "*")
    assert drawn


def test_a_cover_drawn_by_one_process_is_read_from_redis_by_the_next(app, redis_client):
    title = f"Shared cover {uuid.uuid4().hex[:8]}"
    first = covers.make_cover("square", 9, "June 2021", title)
    key = covers.REDIS_PREFIX + covers.cover_key("square", 9, "June 2021", title, "iom")
    assert redis_client.exists(key)
    # The next process has nothing in memory; what Redis holds is what it serves.
    covers.clear_memory_cache()
    covers_redis = connect(app.extensions["settings"].REDIS_URL, decode_responses=False)
    covers_redis.hset(key, "thumb", b"from redis")
    again = covers.make_cover("square", 9, "June 2021", title)
    assert again.data == first.data and again.thumb == b"from redis"

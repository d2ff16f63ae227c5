"""The Procfile's processes (2 web, 2 workers, and 2 beats) against one Redis and the sandbox:
a scheduled push of the seed issue goes out exactly once."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from bot.publishing.api import latest_state
from bot.run.stack import procfile_commands
from tests.conftest import TEST_WECHAT
from tests.run.runproc import BIN
from tests.support.live import PROJECT_ROOT, Process, free_port, wait_http, wait_until

SEED = PROJECT_ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt"


def _succeeded(sandbox, path: str) -> int:
    return sum(1 for call in sandbox.calls(path, limit=2000) if not call.get("errcode"))


def _fresh_log(name: str) -> None:
    (PROJECT_ROOT / "tests" / "artifacts" / "logs" / f"{name}.log").unlink(missing_ok=True)


@pytest.fixture
def procfile(redis_url, sandbox):
    """Start Procfile processes by name, each with its own log; all stopped at the end."""
    commands = procfile_commands()
    env = {
        **TEST_WECHAT,
        "REDIS_URL": redis_url,
        "WECHAT_API_BASE": sandbox.api_base,
        "SECRET_KEY": "procfile-test-secret-key",
        "WEB_HOST": "127.0.0.1",
        # Two processes of each kind, one slot each: the machine has two cores for everyone.
        "WEB_CONCURRENCY": "1",
        "WORKER_CONCURRENCY": "1",
        "BEAT_LOCK_TTL": "3",
        "LOG_FORMAT": "json",
        "PATH": f"{BIN}:/usr/bin:/bin",
    }
    started: list[Process] = []

    def start(kind: str, name: str, **extra: str) -> Process:
        _fresh_log(name)
        proc = Process(["/bin/sh", "-c", f"exec {commands[kind]}"], {**env, **extra}, name)
        started.append(proc)
        return proc

    start.env = env
    yield start
    for proc in started:
        proc.stop()


def _mmsp_bot(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "mmsp-bot"), *args],
        env={**env, "PYTHONUNBUFFERED": "1"},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _a_minute_that_is_due_soon(tz: str) -> str:
    """The current minute (already due), unless it is nearly over: then the next one."""
    now = datetime.now(ZoneInfo(tz))
    if now.second > 40:
        time.sleep(61 - now.second)
        now = datetime.now(ZoneInfo(tz))
    return now.strftime("%Y-%m-%d %H:%M")


def test_procfile_processes_publish_a_scheduled_issue_exactly_once(procfile, sandbox, redis_client):
    sandbox.add_follower("alice")
    ports = [free_port(), free_port()]
    webs = [procfile("web", f"procfile-web{i}", PORT=str(port)) for i, port in enumerate(ports)]
    workers = [procfile("worker", f"procfile-worker{i}") for i in range(2)]
    beats = [procfile("beat", f"procfile-beat{i}") for i in range(2)]
    for port in ports:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    for proc in workers:
        wait_until(lambda p=proc: " ready." in p.log(), 90, 0.2, f"{proc.log_path.name} ready")
    wait_until(
        lambda: (
            sum("beat lock taken" in b.log() for b in beats) == 1
            and sum("standing by" in b.log() for b in beats) == 1
        ),
        60,
        0.2,
        "one beat firing and one standing by",
    )
    sandbox.configure(webhook_url=f"http://127.0.0.1:{ports[0]}/wechat")

    env = procfile.env
    _mmsp_bot(env, "ingest", str(SEED))
    scheduled = _mmsp_bot(
        env, "push", "9", "--publish", "--at", _a_minute_that_is_due_soon("Asia/Shanghai")
    )
    assert scheduled.startswith("scheduled ")

    wait_until(lambda: latest_state(redis_client, 9) == "done", 150, 0.5, "the push to be done")
    time.sleep(5)  # more beat ticks and webhook events: nothing may go out again
    assert _succeeded(sandbox, "freepublish/submit") == 1
    assert _succeeded(sandbox, "draft/add") == 1
    assert all(proc.popen.poll() is None for proc in webs + workers + beats)

    # JSON log lines of the workers carry the push's id and the issue number as fields.
    push_id = redis_client.get("push:issue:9")
    lines = [
        json.loads(line)
        for proc in workers
        for line in proc.log().splitlines()
        if line.startswith("{")
    ]
    assert any(line.get("push") == push_id and line.get("issue") == "9" for line in lines)
    # The web processes write nothing but JSON lines (gunicorn's own and access lines included).
    for proc in webs:
        for line in filter(None, proc.log().splitlines()):
            assert isinstance(json.loads(line), dict), line

"""`mmsp-bot run` with nothing configured: the whole bot up, usable, and gone after Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
import requests

from bot.run.plan import hide_password
from tests.conftest import TEST_WECHAT
from tests.run.runproc import RunCommand, bare_env, free_pair, mmsp_bot, processes_with_env
from tests.support.live import PROJECT_ROOT, wait_until


@pytest.fixture
def var_dir(tmp_path):
    return tmp_path / "var"


@pytest.fixture
def started(var_dir):
    runs: list[RunCommand] = []

    def start(port: int, **extra: str) -> RunCommand:
        run = RunCommand(["--port", str(port)], bare_env(var_dir, **extra))
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.cleanup()


def test_run_with_nothing_configured_serves_the_bot_and_ctrl_c_stops_it_all(started, var_dir):
    port = free_pair()
    run = started(port)
    run.wait_for("ready in")
    assert "embedded" in run.lines[0] and "sandbox" in run.lines[1]

    assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()["status"] == "ok"
    sandbox_url = json.loads((var_dir / "sandbox.json").read_text())["url"]
    assert sandbox_url == f"http://127.0.0.1:{port + 1}"
    assert run.line_with("chat page").split()[-1].startswith(sandbox_url)

    # Another terminal: the follower commands find the sandbox through var/, nothing set.
    env = bare_env(var_dir)
    follow = mmsp_bot(["sandbox", "follow", "bob", "--language", "en"], env)
    assert follow.returncode == 0, follow.stderr
    for name in ("bob", "alice"):  # alice follows from the start, for the "try this" lines
        said = mmsp_bot(["sandbox", "say", "help", "--as", name], env)
        assert said.returncode == 0, said.stderr
        assert "latest" in said.stdout.lower()

    # Other commands there reach the same account and Redis, recorded under var/.
    account = json.loads((var_dir / "wechat.json").read_text())
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config import load_settings; s = load_settings();"
            "print(s.WECHAT_APPID, s.WECHAT_API_BASE, s.REDIS_URL)",
        ],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    appid, api_base, redis_url = probe.stdout.split()
    assert appid == account["appid"]
    assert api_base == f"{sandbox_url}/cgi-bin/"
    assert redis.Redis.from_url(redis_url).ping()

    assert processes_with_env("MMSP_VAR_DIR", str(var_dir)), "children should be running"
    assert run.interrupt() == 0
    assert run.lines[-1] == "stopped"
    assert processes_with_env("MMSP_VAR_DIR", str(var_dir)) == []


def test_restart_keeps_account_and_data_and_a_dead_child_stops_everything(started, var_dir):
    port = free_pair()
    first = started(port)
    first.wait_for("ready in")
    account = (var_dir / "wechat.json").read_text()
    url = json.loads((var_dir / "redis.json").read_text())["url"]
    redis.Redis.from_url(url).set("probe:kept", "yes")
    assert first.interrupt() == 0

    second = started(port)
    second.wait_for("ready in")
    assert (var_dir / "wechat.json").read_text() == account
    url = json.loads((var_dir / "redis.json").read_text())["url"]
    assert redis.Redis.from_url(url).get("probe:kept") == b"yes"

    # The worker dies: one line says so, and the run stops everything else.
    worker = next(
        pid
        for pid in processes_with_env("MMSP_VAR_DIR", str(var_dir))
        if b"worker" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        and os.getpgid(pid) == pid
    )
    os.kill(worker, signal.SIGKILL)
    assert second.finish(60) == 1
    errors = [line for line in second.lines if line.startswith("error:")]
    assert len(errors) == 1 and "worker exited" in errors[0], second.output()
    wait_until(
        lambda: processes_with_env("MMSP_VAR_DIR", str(var_dir)) == [],
        timeout=10,
        what="every child gone",
    )


def test_with_wechat_and_redis_configured_it_says_so_and_starts_no_sandbox(
    started, var_dir, redis_url, redis_client
):
    port = free_pair()
    run = started(
        port, REDIS_URL=redis_url, WECHAT_API_BASE="http://127.0.0.1:9/cgi-bin/", **TEST_WECHAT
    )
    run.wait_for("ready in")
    assert run.lines[0] == f"Redis: {hide_password(redis_url)} (REDIS_URL)"
    assert run.lines[1].startswith("WeChat: the real platform")
    assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port + 1}/", timeout=2)
    assert not (var_dir / "redis").exists(), "no embedded Redis"
    assert run.interrupt() == 0
    assert processes_with_env("MMSP_VAR_DIR", str(var_dir)) == []


def test_ctrl_c_while_starting_stops_what_was_started(started, var_dir):
    run = started(free_pair())
    run.wait_for("WeChat:")
    # Some children are up (the run itself is one of these processes), none of them ready.
    wait_until(
        lambda: len(processes_with_env("MMSP_VAR_DIR", str(var_dir))) >= 3,
        timeout=30,
        what="children starting",
    )
    assert run.interrupt() == 0
    assert "SIGINT: stopping" in run.lines and run.lines[-1] == "stopped"
    assert not any(line.startswith("ready in") for line in run.lines)
    assert processes_with_env("MMSP_VAR_DIR", str(var_dir)) == []

"""Attacks by another user of the machine on `make run`, and a clumsy restart, replayed.

Each used to work: `redis-cli` against the embedded Redis (no password) turned an editor into a
publisher, its append-only file and the logs were world-readable, a restart truncated every
log, and the demo password changed on every run.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import redis

from tests.run.runproc import RunCommand, bare_env, free_pair, processes_with_env

# Each run has its own embedded Redis: the embedded test run leaves this file out.
pytestmark = pytest.mark.own_redis


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def others_can_read(path: Path) -> bool:
    return bool(path.stat().st_mode & (stat.S_IROTH | stat.S_IWOTH | stat.S_IXOTH))


@pytest.fixture
def var_dir(tmp_path):
    return tmp_path / "var"


@pytest.fixture
def run_bot(var_dir):
    runs: list[RunCommand] = []

    def start() -> RunCommand:
        run = RunCommand(["--port", str(free_pair())], bare_env(var_dir))
        runs.append(run)
        run.wait_for("ready in")
        return run

    yield start
    for run in runs:
        run.cleanup()


def children_redis_urls(var_dir: Path) -> set[str]:
    urls = set()
    for pid in processes_with_env("MMSP_VAR_DIR", str(var_dir)):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        urls |= {item[10:].decode() for item in environ if item.startswith(b"REDIS_URL=")}
    return urls


def test_the_embedded_redis_wants_its_password_and_its_files_are_private(run_bot, var_dir):
    run = run_bot()
    url = json.loads((var_dir / "redis.json").read_text())["url"]
    password = json.loads((var_dir / "redis-password.json").read_text())["password"]
    assert f":{password}@" in url
    # What another local user tries: the port without a password.
    anonymous = redis.Redis.from_url(url.replace(f":{password}@", ""))
    with pytest.raises(redis.AuthenticationError):
        anonymous.hgetall("staff:account:demo")
    assert redis.Redis.from_url(url).ping()
    # The password reaches every process of the run through REDIS_URL, and no command line.
    assert children_redis_urls(var_dir) == {url}
    for pid in processes_with_env("MMSP_VAR_DIR", str(var_dir)):
        try:
            assert password.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
    assert password not in run.output()

    assert mode(var_dir) == 0o700
    for name in ("redis-password.json", "redis.json", "demo.json"):
        assert mode(var_dir / name) == 0o600, name
    data = [p for p in (var_dir / "redis").rglob("*") if p.is_file()]
    assert any("appendonly" in p.name for p in data), data
    logs = list((var_dir / "logs").glob("*.log"))
    assert {p.name for p in logs} >= {"redis.log", "web.log", "worker.log", "beat.log"}
    for path in [var_dir / "redis", var_dir / "logs", *data, *logs]:
        assert not others_can_read(path), path


def test_a_restart_appends_to_the_logs_and_keeps_the_demo_password(run_bot, var_dir):
    first = run_bot()
    password = first.line_with("staff console").split("password ")[-1].rstrip(")")
    assert first.interrupt() == 0
    web_log = (var_dir / "logs" / "web.log").read_text()
    assert web_log.strip()

    second = run_bot()
    assert second.line_with("staff console").split("password ")[-1].rstrip(")") == password
    assert json.loads((var_dir / "demo.json").read_text())["password"] == password
    # The first run's lines are still there, the second run's below them.
    assert (var_dir / "logs" / "web.log").read_text().startswith(web_log)
    assert second.interrupt() == 0

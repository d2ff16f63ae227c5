"""Fixtures of the publishing tests: settings pointed at the sandbox, a WeChat client, workers."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot import create_app
from bot.cli import _register, cli
from bot.newsletter import store
from bot.newsletter.text_import import import_bytes
from bot.publishing import state
from config import PROJECT_ROOT
from tests.support.live import (
    Process,
    python_module,
    serve_wsgi,
    start_celery_worker,
    wait_until,
)

SEED = PROJECT_ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt"


@pytest.fixture
def seed_issue(redis_client) -> int:
    """The seed (9th) issue, imported with the content part's importer and stored."""
    issue = import_bytes(SEED.read_bytes())
    store.save_issue(redis_client, issue)
    return issue.number


@pytest.fixture
def followers(sandbox) -> dict[str, str]:
    """Three followers of the sandbox account, by name: openid."""
    return {name: sandbox.add_follower(name) for name in ("alice", "bob", "chen")}


@pytest.fixture
def bot_env(wx_env, followers) -> dict[str, str]:
    """Settings of every bot process in these tests: the sandbox, alice as staff, a service
    account (4 mass sends a month, so that several broadcasts fit in one test run)."""
    return {
        **wx_env,
        "STAFF_OPENIDS": followers["alice"],
        "WECHAT_ACCOUNT_TYPE": "service",
        "BEAT_LOCK_TTL": "3",
    }


@pytest.fixture
def bot_app(bot_env, followers, redis_client):
    # Overrides are typed values, not environment text.
    return create_app({**bot_env, "STAFF_OPENIDS": (followers["alice"],), "TESTING": True})


@pytest.fixture
def webhook(bot_app, sandbox):
    """The bot's web app on a real socket, with the sandbox delivering events to /wechat in safe
    mode (the bot takes a mass send's URLs only from an encrypted MASSSENDJOBFINISH)."""
    with serve_wsgi(bot_app) as url:
        sandbox.configure(webhook_url=f"{url}/wechat", delivery_mode="safe")
        yield url


@pytest.fixture
def processes():
    """Start workers and beat with processes.worker(env) / processes.beat(env); all stopped."""
    started: list[Process] = []

    class Starter:
        def worker(self, env, name="worker", concurrency=2) -> Process:
            proc = start_celery_worker(env, f"{name}{len(started)}", concurrency)
            started.append(proc)
            return proc

        def beat(self, env) -> Process:
            args = python_module("celery", "-A", "tasks.worker", "beat", "--loglevel=INFO")
            proc = Process(args, env, f"beat{len(started)}")
            started.append(proc)
            return proc

    yield Starter()
    for proc in started:
        proc.stop()


def successful_calls(sandbox, path: str) -> int:
    """How many calls of `path` the sandbox answered with errcode 0."""
    return sum(1 for c in sandbox.calls(path, limit=2000) if not c.get("errcode"))


@pytest.fixture
def run_cli(bot_env, monkeypatch):
    """Run `mmsp-bot ARGS...` in this process with the bot's environment; the click result."""
    for name, value in bot_env.items():
        monkeypatch.setenv(name, value)
    _register()
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args))


def wait_push(redis_client, number, timeout=60):
    """The newest push of issue `number` once it is done or failed."""

    def finished():
        push_id = redis_client.get(f"push:issue:{number}")
        push = state.load(redis_client, push_id) if push_id else None
        return push if push and push.state in state.TERMINAL else None

    return wait_until(finished, timeout, 0.2, "the push to finish")

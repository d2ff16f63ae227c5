"""Fixtures of the publishing tests: settings pointed at the sandbox, a WeChat client, workers."""

from __future__ import annotations

import pytest

from bot.redisdb import connect
from bot.wechat import build_client
from config import load_settings


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

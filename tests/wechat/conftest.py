"""The bot's WeChat client and `mmsp-bot doctor` against the sandbox server."""

from __future__ import annotations

import pytest

from bot.redisdb import connect
from bot.wechat import build_client
from config import load_settings


@pytest.fixture
def wx_env(settings_env, sandbox) -> dict[str, str]:
    """The environment of a bot process whose WeChat is the sandbox."""
    return {**settings_env, "WECHAT_API_BASE": sandbox.api_base}


@pytest.fixture
def bot_client(wx_env, redis_url, redis_client):
    return build_client(load_settings(environ=wx_env, dotenv=None), connect(redis_url))

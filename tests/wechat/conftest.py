"""The bot's WeChat client and `mmsp-bot doctor` against the sandbox server."""

from __future__ import annotations

import pytest

from bot.redisdb import connect
from bot.wechat import build_client


@pytest.fixture
def bot_client(wx_settings, redis_url, redis_client):
    return build_client(wx_settings, connect(redis_url))

"""The sandbox delivering to the real bot on loopback: follow, then ask for help."""

from __future__ import annotations

import pytest
import requests

from bot import create_app
from tests.support.live import serve_wsgi


@pytest.fixture
def bot_webhook(sandbox, settings_env):
    """The bot (bot.create_app) served on loopback, talking to the sandbox's API."""
    app = create_app({**settings_env, "WECHAT_API_BASE": sandbox.api_base})
    with serve_wsgi(app) as url:
        sandbox.configure(webhook_url=f"{url}/wechat")
        yield url


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_follower_gets_the_bots_welcome_and_help(sandbox, bot_webhook, mode):
    sandbox.configure(delivery_mode=mode)
    followed = sandbox.follow("alice", language="en")
    assert followed["delivery"] == {"status": "reply", "attempts": 1, "error": ""}
    welcome = followed["replies"][0]
    assert welcome["sender"] == "account" and welcome["type"] == "text"
    assert "MMSP II" in welcome["content"]

    said = sandbox.say("alice", "help")
    assert said["delivery"]["status"] == "reply"
    assert "latest – the newest issue" in said["replies"][0]["content"]

    page = requests.get(f"{sandbox.url}/sandbox/chat/alice", timeout=10).text
    assert "latest – the newest issue" in page
    assert [d["kind"] for d in sandbox.deliveries()] == ["text", "event:subscribe"]
    assert all(d["mode"] == mode for d in sandbox.deliveries())

"""Fixtures of the webhook tests: the app with a test routing table that counts handler runs."""

from __future__ import annotations

import time

import pytest

from bot import create_app
from bot.webhook.replies import Deferred, NewsArticle, NewsReply, TextReply
from bot.webhook.router import Router

RUNS_KEY = "test:webhook:runs"


def counting_router(handler_delay: float = 0.0) -> Router:
    """A routing table whose handlers count their runs in Redis (the side effect to watch)."""
    router = Router()

    def counted(message, ctx) -> None:
        ctx.redis.hincrby(RUNS_KEY, message.dedup_key, 1)

    @router.keyword("echo")
    def echo(message, ctx):
        counted(message, ctx)
        if handler_delay:
            time.sleep(handler_delay)
        return TextReply(f"echo {message.msg_id}")

    @router.prefix("sleep")
    def sleep(message, ctx):
        counted(message, ctx)
        time.sleep(float(ctx.argument))
        return TextReply(f"slept {message.msg_id}")

    @router.keyword("boom")
    def boom(message, ctx):
        counted(message, ctx)
        raise RuntimeError("handler bug")

    @router.keyword("later")
    def later(message, ctx):
        counted(message, ctx)
        return Deferred("replies.send_text", (ctx.openid, "the real answer"))

    @router.keyword("cards")
    def cards(message, ctx):
        return NewsReply([NewsArticle("a", url="https://example.org/a")] * 2)

    @router.click("LATEST_ISSUE")
    def latest(message, ctx):
        counted(message, ctx)
        return NewsReply(
            [
                NewsArticle(
                    f"Story {i}", "d", "https://example.org/p.jpg", f"https://example.org/{i}"
                )
                for i in range(1, 4)
            ]
        )

    @router.fallback
    def fallback(message, ctx):
        counted(message, ctx)
        return TextReply("fallback")

    return router


def runs(redis_client, message_key: str) -> int:
    return int(redis_client.hget(RUNS_KEY, message_key) or 0)


@pytest.fixture
def settings_env(settings_env):
    """Compatible mode: these tests speak both plaintext and encrypted wire formats (the safe
    default, which refuses plaintext, is tested in tests/security/test_message_mode.py)."""
    return {**settings_env, "WECHAT_MESSAGE_MODE": "compatible"}


@pytest.fixture
def test_app(settings_env, redis_client):
    """The real app, with the counting routing table instead of the shipped handlers."""
    return create_app({**settings_env, "TESTING": True, "WEBHOOK_ROUTER": counting_router()})


@pytest.fixture
def test_client(test_app):
    return test_app.test_client()


@pytest.fixture(autouse=True)
def _replies_written(request):
    """After each test, wait for its app's cached replies: a reply written late would land after
    the next test's flush and answer that test's identical push from the cache."""
    yield
    for name in ("app", "test_app"):
        app = request.node.funcargs.get(name)
        if app is not None and "webhook" in app.extensions:
            app.extensions["webhook"].dedup.flush()

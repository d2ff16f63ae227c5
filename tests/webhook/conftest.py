"""Fixtures of the webhook tests: the app with a test routing table that counts handler runs."""

from __future__ import annotations

import time

import pytest

from bot import create_app
from bot.webhook.replies import Deferred, NewsArticle, NewsReply, TextReply
from bot.webhook.router import Router

RUNS_KEY = "test:webhook:runs"


def counting_router(handler_delay: float = 0.0) -> Router:
    """A routing table whose handlers count their runs in Redis (the side effect to watch).

    Text is answered by its first word (echo, sleep N, boom, later, cards), anything else by
    the fallback."""
    router = Router()

    def counted(message, ctx) -> None:
        ctx.redis.hincrby(RUNS_KEY, message.dedup_key, 1)

    def echo(message, ctx, argument):
        counted(message, ctx)
        if handler_delay:
            time.sleep(handler_delay)
        return TextReply(f"echo {message.msg_id}")

    def sleep(message, ctx, argument):
        counted(message, ctx)
        time.sleep(float(argument))
        return TextReply(f"slept {message.msg_id}")

    def boom(message, ctx, argument):
        counted(message, ctx)
        raise RuntimeError("handler bug")

    def later(message, ctx, argument):
        counted(message, ctx)
        return Deferred("replies.send_text", (ctx.openid, "the real answer"))

    def cards(message, ctx, argument):
        return NewsReply([NewsArticle("a", url="https://example.org/a")] * 2)

    words = {"echo": echo, "sleep": sleep, "boom": boom, "later": later, "cards": cards}

    @router.message_type("text")
    def text(message, ctx):
        first, _, argument = message.content.strip().partition(" ")
        handler = words.get(first.lower())
        if handler is None:
            return fallback(message, ctx)
        return handler(message, ctx, argument.strip())

    @router.event("CLICK")
    def latest(message, ctx):
        if message.event_key != "LATEST_ISSUE":
            return None
        counted(message, ctx)
        return NewsReply(
            [
                NewsArticle(
                    f"Story {i}", "d", "https://example.org/p.jpg", f"https://example.org/{i}"
                )
                for i in range(1, 4)
            ]
        )

    @router.message_type("image", "voice", "video", "shortvideo", "location", "link")
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

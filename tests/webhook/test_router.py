"""The routing table: which handler a push reaches."""

from __future__ import annotations

import pytest

from bot.webhook.messages import parse_message
from bot.webhook.replies import TextReply
from bot.webhook.router import Context, Router
from tests.webhook.wire import event_xml, message_xml, text_xml


def push(xml: str):
    return parse_message(xml.encode())


def answer(router: Router, xml: str) -> str | None:
    message = push(xml)
    ctx = router.build_context(message, redis=None, settings=None)
    reply = router.dispatch(message, ctx)
    return reply.content if reply else None


@pytest.fixture
def table() -> Router:
    router = Router()

    @router.message_type("text")
    def text(message, ctx):
        return TextReply(f"text[{message.content}]")

    @router.event("subscribe")
    def welcome(message, ctx):
        return TextReply("welcome")

    @router.event("CLICK")
    def click(message, ctx):
        return TextReply(f"click[{message.event_key}]")

    @router.message_type("image")
    def image(message, ctx):
        return TextReply("image")

    return router


def test_text_goes_to_the_text_handler_whatever_it_says(table):
    assert answer(table, text_xml("help")) == "text[help]"
    assert answer(table, text_xml("提醒 会议")) == "text[提醒 会议]"


def test_clicks_and_other_events_go_by_event_type(table):
    assert answer(table, event_xml("CLICK", EventKey="LATEST_ISSUE")) == "click[LATEST_ISSUE]"
    assert answer(table, event_xml("subscribe", EventKey="")) == "welcome"


def test_message_types_without_a_handler_get_none(table):
    image = message_xml("image", {"PicUrl": "http://x/y.jpg", "MediaId": "m", "MsgId": 7})
    assert answer(table, image) == "image"
    voice = message_xml("voice", {"MediaId": "m", "Format": "amr", "MsgId": 8})
    assert answer(table, voice) is None


def test_events_without_a_handler_get_none(table):
    assert answer(table, event_xml("unsubscribe")) is None
    assert answer(table, event_xml("VIEW", EventKey="https://example.org")) is None


def test_a_second_handler_for_the_same_entry_is_refused(table):
    with pytest.raises(ValueError, match="text"):
        table.message_type("TEXT")(lambda m, c: None)
    with pytest.raises(ValueError, match="click"):
        table.event("click")(lambda m, c: None)


def test_context_steps_fill_the_context_before_the_handler():
    router = Router()

    @router.context_step
    def chinese(message, ctx: Context):
        ctx.lang = "zh"

    @router.message_type("text")
    def lang(message, ctx):
        return TextReply(f"{ctx.openid}:{ctx.lang}")

    assert answer(router, text_xml("lang", sender="oX")) == "oX:zh"


def test_shipped_handlers_answer_help_and_welcome(app):
    from bot.webhook.router import router

    def shipped(xml: str) -> str:
        message = push(xml)
        with app.app_context():
            ctx = router.build_context(message, app.extensions["redis"], app.extensions["settings"])
            return router.dispatch(message, ctx).content

    assert "latest – the newest issue" in shipped(text_xml("help"))
    assert "最新 – 最新一期简报" in shipped(text_xml("帮助"))
    assert "MMSP" in shipped(event_xml("subscribe"))
    assert "MMSP" in shipped(event_xml("subscribe", EventKey="qrscene_forum2026", Ticket="t"))

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

    @router.keyword("help", "帮助", "?")
    def help_(message, ctx):
        return TextReply("help")

    @router.prefix("remind", "提醒")
    def remind(message, ctx):
        return TextReply(f"remind[{ctx.argument}]")

    @router.prefix("remind me")
    def remind_me(message, ctx):
        return TextReply(f"remind-me[{ctx.argument}]")

    @router.click("LATEST_ISSUE")
    def latest(message, ctx):
        return TextReply("latest")

    @router.event("subscribe")
    def welcome(message, ctx):
        return TextReply("welcome")

    @router.event("CLICK")
    def other_click(message, ctx):
        return TextReply("other click")

    @router.message_type("image")
    def image(message, ctx):
        return TextReply("image")

    @router.fallback
    def fallback(message, ctx):
        return TextReply("fallback")

    return router


@pytest.mark.parametrize(
    "text", ["help", "HELP", " Help ", "ＨＥＬＰ", "ｈｅｌｐ", "帮助", "?", "？"]
)
def test_keywords_match_in_any_case_and_width(table, text):
    assert answer(table, text_xml(text)) == "help"


def test_prefix_passes_the_rest_of_the_text(table):
    assert answer(table, text_xml("Remind 3 June")) == "remind[3 June]"
    assert answer(table, text_xml("提醒 会议")) == "remind[会议]"
    assert answer(table, text_xml("ＲＥＭＩＮＤ ｘ")) == "remind[x]"


def test_longest_prefix_wins(table):
    assert answer(table, text_xml("remind me tomorrow")) == "remind-me[tomorrow]"


def test_exact_keyword_is_not_a_prefix(table):
    assert answer(table, text_xml("helpful")) == "fallback"


def test_menu_keys_then_event_types(table):
    assert answer(table, event_xml("CLICK", EventKey="LATEST_ISSUE")) == "latest"
    assert answer(table, event_xml("CLICK", EventKey="UNKNOWN_KEY")) == "other click"
    assert answer(table, event_xml("subscribe", EventKey="")) == "welcome"


def test_message_types_and_fallback(table):
    image = message_xml("image", {"PicUrl": "http://x/y.jpg", "MediaId": "m", "MsgId": 7})
    assert answer(table, image) == "image"
    voice = message_xml("voice", {"MediaId": "m", "Format": "amr", "MsgId": 8})
    assert answer(table, voice) == "fallback"


def test_events_never_fall_back(table):
    assert answer(table, event_xml("unsubscribe")) is None
    assert answer(table, event_xml("VIEW", EventKey="https://example.org")) is None


def test_a_second_handler_for_the_same_entry_is_refused(table):
    with pytest.raises(ValueError, match="help"):
        table.keyword("HELP")(lambda m, c: None)
    with pytest.raises(ValueError, match="LATEST_ISSUE"):
        table.click("LATEST_ISSUE")(lambda m, c: None)


def test_context_steps_fill_the_context_before_the_handler():
    router = Router()

    @router.context_step
    def chinese(message, ctx: Context):
        ctx.lang = "zh"

    @router.keyword("lang")
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

    assert "MMSP" in shipped(text_xml("help"))
    assert "简报" in shipped(text_xml("帮助"))
    assert "MMSP" in shipped(event_xml("subscribe"))
    assert "MMSP" in shipped(event_xml("subscribe", EventKey="qrscene_forum2026", Ticket="t"))

"""Delivery to a webhook as WeChat does it, checked by a stand-in that verifies with wechatpy."""

from __future__ import annotations

import re
import time

import pytest

from sandbox import delivery, followers
from sandbox.inbox import inbox
from sandbox.state import Account, SandboxState
from tests.support.live import serve_wsgi
from tests.support.standin_webhook import StandIn, news_reply, text_reply

ACCOUNT = Account(
    appid="wx5d3f0a1b2c4e6f70",
    secret="0123456789abcdef0123456789abcdef",
    token="mmspTestToken",
    aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
)


def _echo(fields):
    if fields["MsgType"] == "text":
        return text_reply(fields, f"you said {fields['Content']}")
    return text_reply(fields, f"event {fields['Event']} {fields.get('EventKey', '')}".strip())


@pytest.fixture
def state(redis_client, redis_url):
    return SandboxState(redis_url, ACCOUNT)


@pytest.fixture
def webhook(state):
    """A stand-in webhook on loopback, already configured as the sandbox's webhook."""
    standin = StandIn(ACCOUNT.token, ACCOUNT.aes_key, ACCOUNT.appid, answer=_echo)
    with serve_wsgi(standin.app()) as url:
        state.update_config({"webhook_url": url + "/wechat", "delivery_timeout": 0.5})
        yield standin


def _follow(state, name="alice"):
    return followers.follow(state, name)


def test_follower_text_arrives_signed_in_wechat_shape_and_the_reply_lands_in_the_inbox(
    state, webhook
):
    state.update_config({"delivery_mode": "plain"})
    _follow(state)
    result = followers.say(state, "alice", "help")
    call = webhook.calls[-1]
    assert call.signature_ok
    assert call.query["openid"] == state.openid_for("alice")
    assert "encrypt_type" not in call.query
    assert re.fullmatch(
        r"<xml><ToUserName><!\[CDATA\[gh_\w{12}\]\]></ToUserName>"
        r"<FromUserName><!\[CDATA\[o[\w-]{27}\]\]></FromUserName>"
        r"<CreateTime>\d{10}</CreateTime><MsgType><!\[CDATA\[text\]\]></MsgType>"
        r"<Content><!\[CDATA\[help\]\]></Content><MsgId>\d{19}</MsgId></xml>",
        call.body,
    )
    assert result["delivery"]["status"] == "reply"
    assert [r["content"] for r in result["replies"]] == ["you said help"]
    kinds = [(e["sender"], e["type"]) for e in inbox(state, state.openid_for("alice"))]
    assert kinds == [
        ("follower", "event"),
        ("account", "text"),
        ("follower", "text"),
        ("account", "text"),
    ]


def test_follower_safe_mode_sends_only_the_envelope_and_reads_the_encrypted_reply(state, webhook):
    assert state.config()["delivery_mode"] == "safe"  # the default, like the bot's
    _follow(state)
    result = followers.say(state, "alice", "最新 latest")
    call = webhook.calls[-1]
    assert call.query["encrypt_type"] == "aes"
    assert re.fullmatch(
        r"<xml><ToUserName><!\[CDATA\[gh_\w{12}\]\]></ToUserName>"
        r"<Encrypt><!\[CDATA\[[A-Za-z0-9+/=]+\]\]></Encrypt></xml>",
        call.body,
    )
    assert call.fields["Content"] == "最新 latest"
    assert result["replies"][0]["content"] == "you said 最新 latest"


def test_follower_compatible_mode_carries_plaintext_and_encrypt(state, webhook):
    state.update_config({"delivery_mode": "compatible"})
    webhook.encrypt_reply = False
    _follow(state)
    result = followers.say(state, "alice", "hi")
    body = webhook.calls[-1].body
    assert "<Content><![CDATA[hi]]></Content>" in body and "<Encrypt>" in body
    assert result["replies"][0]["content"] == "you said hi"


def test_follower_unanswered_message_is_tried_three_times_with_the_same_msgid(state, webhook):
    _follow(state)
    webhook.delay = 1.5
    result = followers.say(state, "alice", "slow")
    assert len(webhook.calls) == 1 + 3  # the subscribe event, then three calls
    msg_ids = {call.fields["MsgId"] for call in webhook.calls[1:]}
    assert len(msg_ids) == 1
    assert result["delivery"] == {
        "status": "error",
        "attempts": 3,
        "error": "no answer within 0.5 s",
    }
    assert result["replies"][-1]["type"] == "error"


def test_follower_retry_that_answers_in_time_gets_its_reply_recorded(state, webhook):
    _follow(state)
    webhook.delay, webhook.slow_calls = 1.5, 2  # the subscribe call and the first try are slow
    result = followers.say(state, "alice", "again")
    assert result["delivery"]["attempts"] == 2
    assert [r["content"] for r in result["replies"]] == ["you said again"]
    assert webhook.calls[1].fields["MsgId"] == webhook.calls[2].fields["MsgId"]


@pytest.mark.parametrize("answer", ["success", ""])
def test_follower_success_or_empty_answer_is_recorded_as_no_reply(state, webhook, answer):
    _follow(state)
    webhook.answer = lambda fields: answer
    result = followers.say(state, "alice", "anything")
    assert result["delivery"]["status"] == "no_reply"
    assert result["replies"] == [
        {**result["replies"][0], "type": "no_reply", "answer": answer or "empty"}
    ]
    assert len(webhook.calls) == 2


@pytest.mark.parametrize(
    ("mode", "answer", "error"),
    [
        ("plain", lambda f: "{'json': 1}", "not well-formed XML"),
        ("plain", lambda f: text_reply({**f, "FromUserName": "x"}, "x"), "is not the follower"),
        ("plain", lambda f: text_reply(f, ""), "empty Content"),
        ("safe", lambda f: text_reply(f, "plain in safe"), "not encrypted"),
        (
            "plain",
            lambda f: news_reply(f, [_article("a"), _article("b")]),
            "WeChat shows 1 to 1",
        ),
    ],
)
def test_follower_bad_reply_is_recorded_as_an_error(state, webhook, mode, answer, error):
    state.update_config({"delivery_mode": mode})
    webhook.encrypt_reply = False
    _follow(state)
    webhook.answer = answer
    result = followers.say(state, "alice", "hello")
    assert result["delivery"]["status"] == "error"
    assert error in result["delivery"]["error"]
    assert result["replies"][-1]["type"] == "error"


def test_follower_wrongly_signed_encrypted_reply_is_an_error(state, webhook):
    state.update_config({"delivery_mode": "safe"})
    _follow(state)
    good = webhook.crypto

    def forged(fields):
        reply = good.encrypt_message(text_reply(fields, "x"), "1", "1700000000")
        return re.sub(r"<MsgSignature><!\[CDATA\[\w+", "<MsgSignature><![CDATA[0000", reply)

    webhook.answer, webhook.encrypt_reply = forged, False
    result = followers.say(state, "alice", "hello")
    assert result["delivery"]["error"] == "reply MsgSignature does not match the token"


def _article(title):
    return {"title": title, "description": "d", "pic_url": "http://x/p.jpg", "url": "http://x/a"}


def test_follower_news_reply_to_an_event_may_carry_several_cards(state, webhook):
    state.update_config({"delivery_mode": "plain"})
    webhook.answer = lambda f: news_reply(f, [_article("one"), _article("two")])
    result = _follow(state)
    assert [a["title"] for a in result["replies"][0]["articles"]] == ["one", "two"]


def test_follower_subscribe_through_a_qr_scene_carries_the_prefixed_key(state, webhook):
    followers.follow(state, "bob", scene="expo2024")
    fields = webhook.calls[-1].fields
    assert (fields["Event"], fields["EventKey"]) == ("subscribe", "qrscene_expo2024")
    assert fields["Ticket"]


def test_follower_scanning_a_qr_code_again_sends_scan_without_the_prefix(state, webhook):
    followers.scan(state, "bob", "expo2024")
    assert webhook.calls[-1].fields["EventKey"] == "qrscene_expo2024"
    result = followers.scan(state, "bob", "expo2024")
    fields = webhook.calls[-1].fields
    assert (fields["Event"], fields["EventKey"]) == ("SCAN", "expo2024")
    assert result["replies"][0]["content"] == "event SCAN expo2024"


def test_follower_job_event_reaches_the_webhook_nested_and_stays_out_of_inboxes(state, webhook):
    state.update_config({"delivery_mode": "plain"})
    openid = state.openid_for("editor")
    info = {
        "publish_id": 2247503051,
        "publish_status": 0,
        "article_id": "art-1",
        "article_detail": {"count": 1, "item": [{"idx": 1, "article_url": "http://a/1"}]},
    }
    outcome = delivery.deliver_event(
        state, openid, {"Event": "PUBLISHJOBFINISH", "PublishEventInfo": info}
    )
    assert outcome.status == "reply"
    assert (
        "<PublishEventInfo><publish_id>2247503051</publish_id><publish_status>0</publish_status>"
        "<article_id><![CDATA[art-1]]></article_id><article_detail><count>1</count>"
        "<item><idx>1</idx><article_url><![CDATA[http://a/1]]></article_url></item>"
        "</article_detail></PublishEventInfo>"
    ) in webhook.calls[-1].body
    assert inbox(state, openid) == []
    assert delivery.deliveries(state)[0]["kind"] == "event:PUBLISHJOBFINISH"


def test_follower_without_a_webhook_gets_an_error_entry(state):
    result = _follow(state)
    assert result["delivery"]["error"] == "no webhook URL is configured"


def test_follower_reply_encrypted_for_another_account_is_an_error(state, webhook):
    state.update_config({"delivery_mode": "safe"})
    _follow(state)
    other = StandIn(ACCOUNT.token, ACCOUNT.aes_key, "wx0000000000000000").crypto
    webhook.answer = lambda f: other.encrypt_message(text_reply(f, "x"), "1", "1700000000")
    webhook.encrypt_reply = False
    result = followers.say(state, "alice", "hello")
    assert result["delivery"]["error"] == (
        "reply does not decrypt: appid in the envelope does not match"
    )


def test_follower_answer_trickling_past_the_timeout_counts_as_no_answer(state, webhook):
    from flask import Flask, Response

    trickle = Flask("trickle")
    calls = []

    @trickle.post("/wechat")
    def slow_body():
        calls.append(1)

        def chunks():
            for _ in range(4):
                time.sleep(0.2)  # each read is quick, the whole answer takes 0.8 s
                yield b" "
            yield b"success"

        return Response(chunks(), mimetype="text/plain")

    _follow(state)
    with serve_wsgi(trickle) as url:
        state.update_config({"webhook_url": url + "/wechat", "delivery_timeout": 0.5})
        result = followers.say(state, "alice", "hello")
    assert len(calls) == 3
    assert result["delivery"]["error"] == "no answer within 0.5 s"

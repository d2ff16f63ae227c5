"""The customer-service window as WeChat counts it since 2023, kept by the bot: a message allows
5 messages in 48 hours, a follow, scan or menu click 3 in a minute, a link opens nothing; replies
and reminders share the count, and what does not fit waits for the follower's next message."""

from __future__ import annotations

import time

import pytest

from bot.followers import delivery
from bot.wechat import WeChatAPIError, get_client
from bot.wechat.service_window import kind_of, queue_opened, remaining, reserve, window_key


@pytest.fixture
def bot_client(bot_app):
    with bot_app.app_context():
        yield get_client()


def refused(call) -> int:
    with pytest.raises(WeChatAPIError) as caught:
        call()
    return caught.value.errcode


def custom_sends(sandbox) -> list[int]:
    """The errcodes of the message/custom/send calls WeChat (the sandbox) received (leaving out
    those refused for an expired token, which the client repeats with a new one)."""
    calls = sandbox.calls("message/custom/send")
    return [c["errcode"] for c in calls if c["errcode"] not in (40001, 42001)]


def age(redis_client, openid: str, kind: str, seconds: float) -> None:
    """Move the bot's record of the follower's last `kind` action `seconds` into the past."""
    at = float(redis_client.hget(window_key(openid), f"{kind}_at"))
    redis_client.hset(window_key(openid), f"{kind}_at", at - seconds)


def test_which_actions_open_a_window():
    assert kind_of("text") == kind_of("image") == kind_of("location") == "message"
    for event in ("subscribe", "SCAN", "CLICK", "scancode_push", "scancode_waitmsg"):
        assert kind_of("event", event) == "event"
    for event in ("VIEW", "LOCATION", "unsubscribe", "MASSSENDJOBFINISH", "PUBLISHJOBFINISH"):
        assert kind_of("event", event) is None


def test_a_message_allows_five_and_the_sixth_is_not_even_tried(
    phones, sandbox, bot_client, redis_client
):
    phones.follow("ana")
    openid = phones.openid("ana")
    age(redis_client, openid, "event", 61)
    phones.say("ana", "hello")
    for n in range(5):
        bot_client.custom.send_text(openid, f"answer {n}")
    assert refused(lambda: bot_client.custom.send_text(openid, "a sixth")) == 45047
    assert custom_sends(sandbox) == [0] * 5  # WeChat never saw the sixth
    phones.say("ana", "hello again")  # a new message: five more, not ten
    for n in range(5):
        bot_client.custom.send_text(openid, f"more {n}")
    assert refused(lambda: bot_client.custom.send_text(openid, "a sixth")) == 45047
    assert custom_sends(sandbox) == [0] * 10
    age(redis_client, openid, "message", 48 * 3600)
    assert refused(lambda: bot_client.custom.send_text(openid, "late")) == 45015


def test_a_follow_and_a_click_allow_three_within_a_minute_a_link_nothing(
    phones, sandbox, bot_client, redis_client
):
    url = "https://example.org/site"
    latest = {"type": "click", "name": "Latest", "key": "LATEST_ISSUE"}
    bot_client.menu.create({"button": [latest, {"type": "view", "name": "Site", "url": url}]})
    phones.follow("bo")
    openid = phones.openid("bo")
    for n in range(3):
        bot_client.custom.send_text(openid, f"welcome {n}")
    assert refused(lambda: bot_client.custom.send_text(openid, "a fourth")) == 45047
    age(redis_client, openid, "event", 61)
    assert refused(lambda: bot_client.custom.send_text(openid, "late")) == 45015
    sandbox.view("bo", url)
    assert refused(lambda: bot_client.custom.send_text(openid, "after a link")) == 45015
    phones.click("bo", "LATEST_ISSUE")
    for n in range(3):
        bot_client.custom.send_text(openid, f"after a click {n}")
    assert refused(lambda: bot_client.custom.send_text(openid, "a fourth")) == 45047
    assert custom_sends(sandbox) == [0] * 6


@pytest.fixture
def three_due(redis_client):
    """An issue announcing three activities of this month: each reminder is due at once."""
    from bot.newsletter import store
    from bot.newsletter.model import Issue, Upcoming
    from tests.followers.conftest import month_from_now

    month = month_from_now(0)
    titles = ("Workshop on Return", "Field Visit to Fujian", "Seminar on Document Fraud")
    items = [Upcoming(title=title, start=month, end=month) for title in titles]
    store.save_issue(redis_client, Issue(number=8, month="2021-03", upcoming=items), source="t")


def test_reminders_count_against_the_window_and_the_rest_wait_for_the_next_message(
    phones, three_due, sandbox, bot_app, bot_client, redis_client
):
    phones.follow("cy")
    openid = phones.openid("cy")
    for n in (1, 2, 3):
        assert "Reminder set" in phones.text("cy", f"remind {n}")
    for n in range(3):  # three answers sent later, as slow answers are
        bot_client.custom.send_text(openid, f"a slow answer {n}")
    with bot_app.app_context():
        assert delivery.send_due(redis_client, get_client()) == {"sent": 2, "held": 1}
    assert custom_sends(sandbox) == [0] * 5
    assert phones.text("cy", "help").startswith("⏰ Reminder")
    with bot_app.app_context():
        assert delivery.send_due(redis_client, get_client()) == {}


def test_when_wechat_refuses_the_bot_stops_trying_until_the_follower_acts(
    phones, sandbox, bot_client
):
    phones.follow("di")
    openid = phones.openid("di")
    phones.say("di", "hello")
    sandbox.advance_clock(49 * 3600)  # WeChat's clock says two days passed; ours does not
    assert refused(lambda: bot_client.custom.send_text(openid, "one")) == 45015
    assert refused(lambda: bot_client.custom.send_text(openid, "two")) == 45015
    assert custom_sends(sandbox) == [45015]
    phones.say("di", "back")
    bot_client.custom.send_text(openid, "welcome back")
    assert custom_sends(sandbox) == [45015, 0]


def test_a_retried_push_does_not_restart_the_quota_but_another_push_does(redis_client):
    def opened(push: str, at: float) -> None:
        pipe = redis_client.pipeline()
        queue_opened(pipe, "o-eve", "message", at, push)
        pipe.execute()

    now = time.time()
    opened("m:1", now)
    assert [reserve(redis_client, "o-eve") for _ in range(6)] == [0] * 5 + [45047]
    opened("m:1", now)  # WeChat's retry of the same message
    assert reserve(redis_client, "o-eve") == 45047
    opened("m:0", now - 10)  # an older message arriving late
    assert reserve(redis_client, "o-eve") == 45047
    opened("m:2", now)  # another message in the same second
    assert reserve(redis_client, "o-eve") == 0


def test_a_location_report_opens_nothing_a_scan_code_button_does(client, redis_client):
    from tests.webhook.wire import event_xml, safe_request

    def push(event: str, **fields) -> None:
        path, body = safe_request(event_xml(event, sender="o-fay", **fields))
        answer = client.post(path, data=body, content_type="text/xml")
        assert answer.status_code == 200

    push("LOCATION", Latitude="39.9", Longitude="116.4", Precision="65")
    push("VIEW", EventKey="https://example.org/")
    assert remaining(redis_client, "o-fay") == 0
    push("scancode_push", EventKey="SCAN_BUTTON")  # a menu button of the scan-code kind
    # Opened on the webhook's claim, before any answer: no wait for a background write.
    assert remaining(redis_client, "o-fay") == 3

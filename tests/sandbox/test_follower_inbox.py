"""What reaches a follower besides passive replies: mass sends and customer-service messages."""

from __future__ import annotations

import threading

import pytest
import requests
from click.testing import CliRunner

from sandbox.cli import sandbox as sandbox_group
from tests.support.live import wait_until
from tests.support.sandbox import image_bytes, upload


@pytest.fixture
def webhook(sandbox):
    with sandbox.standin_webhook(delivery_timeout=1.0) as standin:
        yield standin


def test_follower_inbox_and_chat_page_show_a_mass_sent_issue(sandbox, webhook):
    sandbox.configure(mass_delay=0)
    sandbox.follow("alice")
    client = sandbox.wechat_client()
    thumb = client.material.add("image", upload("c.jpg", image_bytes()))["media_id"]
    article = {
        "title": "Issue 10: skills mobility",
        "digest": "Four stories from the dialogue",
        "content": "<p>Lead story</p>",
        "thumb_media_id": thumb,
    }
    media_id = client.draft.add([article])["media_id"]
    client.message.send_mass_article(media_id, is_to_all=True, client_msg_id="nl-10")
    wait_until(lambda: sandbox.run_jobs() or sandbox.inbox("alice")[-1]["via"] == "mass")

    card = sandbox.inbox("alice")[-1]
    assert card["type"] == "news" and card["sender"] == "account"
    (shown,) = card["articles"]
    assert shown["title"] == "Issue 10: skills mobility"
    assert shown["description"] == "Four stories from the dialogue"
    assert "Lead story" in requests.get(shown["url"], timeout=5).text

    page = requests.get(f"{sandbox.url}/sandbox/chat/alice", timeout=10).text
    # The card opens the article through the page that counts the read (datacube statistics).
    opens = f'href="/sandbox/chat/alice/open?url={shown["url"]}"'
    assert "Issue 10: skills mobility" in page and opens in page
    platform = requests.get(f"{sandbox.url}/sandbox/platform", timeout=10).text
    assert "SEND_SUCCESS · sent 1, errors 0" in platform


def test_follower_cli_waits_for_a_reply_sent_later_by_customer_service(sandbox, webhook):
    client = sandbox.wechat_client()
    client.fetch_access_token()

    def answer_later(fields):
        # As the bot does with slow work: `success` now, the real answer through custom/send.
        if fields.get("MsgType") == "text":
            send = threading.Timer(
                0.5, client.message.send_text, (fields["FromUserName"], "Here is the archive")
            )
            send.start()
        return "success"

    webhook.answer = answer_later
    sandbox.follow("alice")
    result = CliRunner().invoke(
        sandbox_group,
        ["say", "archive", "--as", "alice", "--wait", "5"],
        env={"SANDBOX_URL": sandbox.url},
        catch_exceptions=False,
    )
    assert result.stdout == (
        "(no reply: the bot answered success)\nbot [custom]: Here is the archive\n"
    )


def test_follower_outside_the_48_hour_window_gets_nothing_from_customer_service(sandbox, webhook):
    sandbox.follow("alice")
    sandbox.advance_clock(48 * 3600 + 60)
    client = sandbox.wechat_client()
    with pytest.raises(Exception, match="45015"):
        client.message.send_text(sandbox.openid("alice"), "too late")
    sandbox.say("alice", "hello again")  # a new interaction opens the window again
    client.message.send_text(sandbox.openid("alice"), "in time")
    assert sandbox.inbox("alice")[-1]["content"] == "in time"

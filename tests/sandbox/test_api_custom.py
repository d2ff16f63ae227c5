"""Customer-service messages through wechatpy, and WeChat's windows (5 in 48 h after a message,
3 in a minute after a follow, scan or menu click)."""

from __future__ import annotations

import pytest

from tests.support.sandbox import errcode_of, image_bytes, upload


@pytest.fixture
def client(sandbox):
    return sandbox.wechat_client()


def test_text_and_news_land_in_the_inbox(sandbox, client):
    openid = sandbox.add_follower("alice")
    client.message.send_text(openid, "Your reminder: the event starts at 10:00")
    card = {"title": "Issue 10", "description": "Digest", "url": "https://x.test/a", "image": ""}
    client.message.send_articles(openid, [card])
    custom = [e for e in sandbox.inbox("alice") if e["via"] == "custom"]
    assert custom[0]["type"] == "text"
    assert custom[0]["content"] == "Your reminder: the event starts at 10:00"
    assert custom[1]["type"] == "news" and custom[1]["articles"][0]["title"] == "Issue 10"


def test_news_allows_one_article(sandbox, client):
    openid = sandbox.add_follower("alice")
    card = {"title": "A", "description": "", "url": "https://x.test/a"}
    assert errcode_of(lambda: client.message.send_articles(openid, [card, card])) == 45008


def test_mpnewsarticle_sends_a_published_article(sandbox, client):
    openid = sandbox.add_follower("alice")
    sandbox.configure(publish_delay=0)
    thumb = client.material.add("image", upload("c.jpg", image_bytes()))["media_id"]
    media_id = client.draft.add([{"title": "T", "content": "<p>c</p>", "thumb_media_id": thumb}])
    publish_id = client.freepublish.submit(media_id["media_id"])["publish_id"]
    article_id = client.freepublish.get(publish_id)["article_id"]
    payload = {"touser": openid, "msgtype": "mpnewsarticle"}
    client.post(
        "message/custom/send", data={**payload, "mpnewsarticle": {"article_id": article_id}}
    )
    card = [e for e in sandbox.inbox("alice") if e["via"] == "custom"][0]
    assert card["articles"][0]["url"].startswith(sandbox.url + "/sandbox/s/")
    bad = {**payload, "mpnewsarticle": {"article_id": "missing"}}
    assert errcode_of(lambda: client.post("message/custom/send", data=bad)) == 53600


def test_after_48_hours_without_interaction_it_is_45015_and_nothing_arrives(sandbox, client):
    openid = sandbox.add_follower("alice")
    sandbox.advance_clock(48 * 3600 + 1)
    assert errcode_of(lambda: client.message.send_text(openid, "too late")) == 45015
    assert not [e for e in sandbox.inbox("alice") if e["via"] == "custom"]


def test_a_message_allows_five_messages_within_48_hours(sandbox, client):
    openid = sandbox.add_follower("alice")
    sandbox.advance_clock(61)  # the follow's one-minute window is over
    sandbox.say("alice", "hello")
    sandbox.advance_clock(47 * 3600)
    for n in range(5):
        client.message.send_text(openid, f"message {n}")
    assert errcode_of(lambda: client.message.send_text(openid, "a sixth")) == 45047
    sandbox.say("alice", "again")  # a new message starts a new quota (quotas do not add up)
    for n in range(5):
        client.message.send_text(openid, f"reply {n}")
    assert errcode_of(lambda: client.message.send_text(openid, "a sixth")) == 45047
    sandbox.advance_clock(48 * 3600 + 1)
    assert errcode_of(lambda: client.message.send_text(openid, "late")) == 45015
    sent = [e for e in sandbox.inbox("alice") if e["via"] == "custom"]
    assert len(sent) == 10


def test_a_follow_allows_three_messages_within_one_minute(sandbox, client):
    openid = sandbox.add_follower("alice")
    for n in range(3):
        client.message.send_text(openid, f"welcome {n}")
    assert errcode_of(lambda: client.message.send_text(openid, "a fourth")) == 45047
    sandbox.add_follower("bob")
    sandbox.advance_clock(61)
    assert errcode_of(lambda: client.message.send_text(sandbox.openid("bob"), "late")) == 45015


def test_menu_clicks_and_scans_allow_three_within_a_minute_and_view_opens_nothing(sandbox, client):
    url = "https://example.org/mmsp"
    menu = [{"type": "click", "name": "Latest", "key": "LATEST"}]
    client.menu.create({"button": [*menu, {"type": "view", "name": "Site", "url": url}]})
    openid = sandbox.add_follower("alice")
    sandbox.advance_clock(61)
    sandbox.view("alice", url)
    assert errcode_of(lambda: client.message.send_text(openid, "after a link")) == 45015
    sandbox.click("alice", "LATEST")
    for n in range(3):
        client.message.send_text(openid, f"after a click {n}")
    assert errcode_of(lambda: client.message.send_text(openid, "a fourth")) == 45047
    sandbox.advance_clock(61)
    sandbox.followers_api("POST", "followers/alice/scan", json={"scene": "expo"})
    client.message.send_text(openid, "after a scan")
    sandbox.advance_clock(61)
    assert errcode_of(lambda: client.message.send_text(openid, "a minute on")) == 45015


def test_a_send_inside_both_windows_counts_against_both(sandbox, client):
    openid = sandbox.add_follower("alice")
    sandbox.say("alice", "hello")  # 5 within 48 hours, and the follow's 3 within a minute
    for n in range(5):
        client.message.send_text(openid, f"message {n}")
    assert errcode_of(lambda: client.message.send_text(openid, "a sixth")) == 45047
    follower = sandbox.follower(openid)
    assert follower["message_sends"] == 5 and follower["event_sends"] == 5


def test_unknown_and_unsubscribed_followers_are_refused(sandbox, client):
    assert errcode_of(lambda: client.message.send_text("o" + "x" * 27, "hi")) == 40003
    sandbox.add_follower("alice")
    sandbox.unfollow("alice")
    openid = sandbox.openid("alice")
    assert errcode_of(lambda: client.message.send_text(openid, "hi")) == 43004


def test_bad_message_types_and_empty_text_are_refused(sandbox, client):
    openid = sandbox.add_follower("alice")
    assert errcode_of(lambda: client.message.send_text(openid, "  ")) == 44004
    bad = {"touser": openid, "msgtype": "telegram", "telegram": {}}
    assert errcode_of(lambda: client.post("message/custom/send", data=bad)) == 40008

"""Following, unfollowing and the language of every answer."""

from __future__ import annotations

import time

from bot.followers import records


def test_a_new_follower_is_welcomed_and_recorded(phones, redis_client):
    answers = phones.follow("alice", language="en")
    assert len(answers) == 1 and "Welcome" in answers[0]["content"]
    assert "menu" in answers[0]["content"]
    follower = records.get(redis_client, phones.openid("alice"))
    assert follower.active and follower.subscribed_at > 0 and follower.last_seen > 0


def test_the_scene_of_a_qr_code_is_kept(phones, redis_client):
    phones.follow("bob", scene="forum2026")
    assert records.get(redis_client, phones.openid("bob")).scene == "forum2026"


def test_the_first_message_in_chinese_sets_chinese_when_wechat_does_not_say(phones, redis_client):
    phones.follow("chen", language="en")
    openid = phones.openid("chen")
    # Whatever user/info said, drop it: this follower's language is not known yet.
    redis_client.hset(
        f"follower:{openid}", mapping={"language": "en", "language_source": "default"}
    )
    assert "简报" in phones.text("chen", "你好，有什么新内容")
    assert records.get(redis_client, openid).language == "zh"
    # Later messages in English do not change it back; only a choice does.
    assert "简报" in phones.text("chen", "archive")


def test_chinese_and_english_switch_the_language(phones, redis_client):
    phones.follow("dora", language="en")
    assert "中文" in phones.text("dora", "中文")
    assert "往期" in phones.text("dora", "archive") or "简报" in phones.text("dora", "help me")
    assert "English" in phones.text("dora", "ＥＮＧＬＩＳＨ")
    assert "MMSP" in phones.text("dora", "about")


def test_unfollow_marks_gone_and_a_return_keeps_the_language(phones, redis_client):
    phones.follow("emil", language="en")
    phones.text("emil", "中文")
    phones.unfollow("emil")
    openid = phones.openid("emil")
    assert records.get(redis_client, openid).status == records.GONE
    # Events are deduplicated by sender and CreateTime (seconds): come back a second later.
    time.sleep(1.1)
    welcome = phones.follow("emil", language="en")
    assert "欢迎" in welcome[0]["content"]
    assert records.get(redis_client, openid).active


def test_user_info_is_not_asked_and_pins_no_language(phones, sandbox, redis_client):
    # WeChat's user/info answers zh_CN for everyone: it says nothing about the follower.
    [welcome] = phones.follow("fang", language="en")
    assert welcome["content"].startswith("Welcome")
    assert sandbox.calls("user/info") == []
    follower = records.get(redis_client, phones.openid("fang"))
    assert follower.language_source == records.SOURCE_DEFAULT
    assert "简报" in phones.text("fang", "你好")  # her first message's script decides


def test_a_language_once_taken_from_user_info_does_not_stick(phones, redis_client):
    phones.follow("gary", language="en")
    openid = phones.openid("gary")
    # A record written when the bot still believed user/info.
    redis_client.hset(f"follower:{openid}", mapping={"language": "zh", "language_source": "wechat"})
    assert phones.text("gary", "about").startswith("MMSP II, the EU-China Dialogue")
    assert records.get(redis_client, openid).language == "en"


def test_a_job_report_event_does_not_count_as_a_follower(client, redis_client):
    from tests.webhook.wire import event_xml, safe_request

    report = event_xml(
        "TEMPLATESENDJOBFINISH", sender="oSystemNotAFollower", MsgID=200163836, Status="success"
    )
    path, data = safe_request(report)
    response = client.post(path, data=data, content_type="text/xml")
    assert response.status_code == 200
    assert records.get(redis_client, "oSystemNotAFollower") is None

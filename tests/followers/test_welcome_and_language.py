"""Following, unfollowing and the language of every answer."""

from __future__ import annotations

import re
import time

from bot.followers import records
from tests.support.live import wait_until

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_a_new_follower_is_welcomed_and_recorded(phones, redis_client):
    answers = phones.follow("alice", language="en")
    assert len(answers) == 1 and "Welcome" in answers[0]["content"]
    assert "menu" in answers[0]["content"]
    follower = records.get(redis_client, phones.openid("alice"))
    assert follower.active and follower.subscribed_at > 0 and follower.last_seen > 0


def test_the_scene_of_a_qr_code_is_kept(phones, redis_client):
    phones.follow("bob", scene="forum2026")
    assert records.get(redis_client, phones.openid("bob")).scene == "forum2026"


def test_the_answer_follows_the_script_of_each_message_until_a_language_is_chosen(
    phones, redis_client
):
    phones.follow("chen", language="en")
    openid = phones.openid("chen")
    assert "简报" in phones.text("chen", "你好，有什么新内容")
    # Remembered (with the reply's caching) for what has no script: clicks, emoji.
    wait_until(lambda: redis_client.hget(f"follower:{openid}", "script_language") == "zh")
    assert "回复“最新”" in phones.text("chen", "🙂")
    assert not HAN.search(phones.text("chen", "archive"))
    # A choice wins over the script: "说中文", then English words still get Chinese.
    assert "已切换为中文" in phones.text("chen", "说中文")
    assert "最新" in phones.text("chen", "help")
    assert "English" in phones.text("chen", "English please")
    assert "latest" in phones.text("chen", "帮助")


def test_chinese_and_english_switch_the_language(phones, redis_client):
    phones.follow("dora", language="en")
    assert "中文" in phones.text("dora", "中文")
    # A choice wins over the script of later messages.
    assert "简报" in phones.text("dora", "archive") and "简报" in phones.text("dora", "help me")
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
    # A message in English is answered in English: the message's script decides.
    assert phones.text("fang", "about").startswith("MMSP II")
    assert "简报" in phones.text("fang", "关于")


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

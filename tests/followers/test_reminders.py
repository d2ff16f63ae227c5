"""Reminders: sent inside WeChat's 48-hour window, held for the next answer outside it, never
twice, never to someone who left; and the next issue announced when it is published."""

from __future__ import annotations

import time

import pytest

from bot.followers import delivery, records, reminders
from bot.wechat import get_client
from bot.wechat.service_window import window_key
from tests.followers.conftest import publish_issue
from tests.support.live import wait_until

HOURS = 3600


@pytest.fixture
def run_job(bot_app, redis_client):
    """Run the reminder job once, as beat would (its work, in the app's context)."""

    def run() -> dict:
        with bot_app.app_context():
            return delivery.send_due(redis_client, get_client())

    return run


def written_back(redis_client, openid: str, since: float) -> None:
    """Wait for the webhook's after-reply write of an interaction made after `since` (it follows
    the reply by a moment), so that a test's own change of last_seen is not overwritten."""
    wait_until(lambda: records.get(redis_client, openid).last_seen >= since)


def backdate(redis_client, openid: str, hours: float, since: float) -> None:
    """Make the bot's records say the follower last wrote (and followed) `hours` ago."""
    written_back(redis_client, openid, since)
    then = time.time() - hours * HOURS
    records.touch(redis_client, openid, now=then)
    redis_client.hset(window_key(openid), mapping={"message_at": then, "event_at": then})


def custom_messages(phones, name: str) -> list[dict]:
    return [e for e in phones.inbox(name) if e["via"] == "custom"]


def test_a_reminder_inside_the_window_is_sent_once(phones, announced, run_job, redis_client):
    phones.follow("sam", language="en")
    assert "Reminder set" in phones.text("sam", "remind 1")
    assert "already" in phones.text("sam", "remind 1")
    assert run_job() == {"sent": 1}
    [sent] = custom_messages(phones, "sam")
    assert "Workshop on Practical Cooperation on Return and Readmission" in sent["content"]
    assert run_job() == {}
    assert len(custom_messages(phones, "sam")) == 1
    [kept] = reminders.get_all(redis_client, phones.openid("sam"))
    assert kept.state == reminders.SENT


def test_a_reminder_in_chinese_for_a_chinese_follower(phones, announced, run_job):
    phones.follow("tao", language="en")
    phones.text("tao", "中文")
    assert "已设置提醒" in phones.text("tao", "提醒 2")
    run_job()
    [sent] = custom_messages(phones, "tao")
    first, last = announced.upcoming[2].start, announced.upcoming[2].end
    assert "提醒" in sent["content"] and f"{int(first[:4])}年{int(first[5:])}月" in sent["content"]
    assert f"{int(last[5:])}月" in sent["content"]


def test_outside_the_window_the_reminder_comes_with_the_next_answer(
    phones, announced, run_job, redis_client
):
    phones.follow("uma", language="en")
    asked = time.time()
    phones.text("uma", "remind 1")
    openid = phones.openid("uma")
    # Uma last wrote two days ago (as far as the bot knows): WeChat would refuse to write to her.
    backdate(redis_client, openid, 49, since=asked)
    assert run_job() == {"held": 1}
    assert custom_messages(phones, "uma") == []
    answer = phones.text("uma", "events")
    assert answer.startswith("⏰ Reminder") and "Coming soon" in answer
    assert "⏰" not in phones.text("uma", "events")
    assert run_job() == {}
    assert custom_messages(phones, "uma") == []


def test_when_wechat_refuses_with_45015_the_reminder_is_held(phones, announced, run_job, sandbox):
    phones.follow("vic", language="en")
    phones.text("vic", "remind 2")
    # At WeChat two days pass without Vic writing; the bot's own record does not know it.
    sandbox.advance_clock(49 * HOURS)
    assert run_job() == {"held": 1}
    assert custom_messages(phones, "vic") == []
    assert "⏰ Reminder" in phones.text("vic", "help")


def test_unsubscribing_stops_every_reminder(phones, announced, run_job, redis_client):
    phones.follow("wen", language="en")
    phones.text("wen", "remind 1")
    phones.text("wen", "remind next")
    openid = phones.openid("wen")
    phones.unfollow("wen")
    assert run_job() == {}
    assert all(r.state == "cancelled" for r in reminders.get_all(redis_client, openid))
    time.sleep(1.1)  # events are deduplicated per second
    phones.follow("wen", language="en")
    assert run_job() == {}
    assert custom_messages(phones, "wen") == []
    assert "You had no reminders" in phones.text("wen", "stop reminders")


def test_the_next_issue_is_announced_once_it_is_published(
    phones, published_seed, run_job, redis_client, bot_app, sandbox
):
    from bot.newsletter import store
    from bot.publishing.api import published_articles

    phones.follow("xia", language="en")
    assert "next issue after No. 9" in phones.text("xia", "remind next")
    phones.follow("zoe", language="en")
    followed = phones.text("zoe", "follow trafficking")
    assert 'You now follow "trafficking"' in followed and "stories in past issues" in followed
    assert "trafficking" in phones.text("zoe", "topics")
    assert run_job() == {}
    tenth = store.get_issue(redis_client, 9)
    tenth.number, tenth.month = 10, "2021-12"
    store.save_issue(redis_client, tenth)
    assert run_job() == {}, "an issue that is only stored is not out yet"
    publish_issue(bot_app, redis_client, sandbox, 10)
    assert published_articles(redis_client, 10)
    assert run_job() == {"sent": 2}
    [card] = custom_messages(phones, "xia")
    assert card["type"] == "news"
    assert card["articles"][0]["url"] == published_articles(redis_client, 10)[0]["url"]
    # Zoe's announcement names the new issue's stories on her topic, with the link.
    [note] = custom_messages(phones, "zoe")
    assert "On your topics:" in note["content"] and "(trafficking)" in note["content"]
    assert published_articles(redis_client, 10)[0]["url"] in note["content"]
    # Each story on her topic links to the article that holds it, not only to the lead.
    holding = [a["url"] for a in published_articles(redis_client, 10)[1:]]
    assert any(f"(trafficking): {url}" in note["content"] for url in holding)
    assert run_job() == {}
    # Still following, she will hear of the issue after this one too; until she unfollows.
    assert any(r.id == "issue:10" for r in reminders.get_all(redis_client, phones.openid("zoe")))
    assert "no longer follow" in phones.text("zoe", "unfollow trafficking")


def test_the_reminder_task_runs_on_a_real_worker(phones, announced, settings_env, sandbox):
    from tests.support.live import start_celery_worker

    phones.follow("yara", language="en")
    phones.text("yara", "remind 2")
    env = {**settings_env, "WECHAT_API_BASE": sandbox.api_base}
    worker = start_celery_worker(env, name="reminders-worker", concurrency=1)
    try:
        from celery import Celery

        sender = Celery(broker=settings_env["REDIS_URL"])
        sender.send_task("reminders.send_due")
        sender.send_task("reminders.send_due")
        wait_until(lambda: custom_messages(phones, "yara"), timeout=30, what="the reminder")
        time.sleep(1)
        assert len(custom_messages(phones, "yara")) == 1
        sender.close()
    finally:
        worker.stop()


def test_a_held_reminder_waits_out_a_news_card_then_goes_by_the_job(
    phones, published_seed, announced, run_job, redis_client
):
    phones.follow("anna", language="en")
    asked = time.time()
    phones.text("anna", "remind 2")
    backdate(redis_client, phones.openid("anna"), 49, since=asked)
    assert run_job() == {"held": 1}
    # Her next answer is a news card, which cannot carry the reminder ...
    wrote = time.time()
    [card] = phones.say("anna", "latest")
    assert card["type"] == "news"
    # ... but she wrote, so the window is open again (the webhook notes it with the reply's
    # caching, a moment after answering) and the job sends it, once.
    written_back(redis_client, phones.openid("anna"), since=wrote)
    assert run_job() == {"sent": 1}
    [sent] = custom_messages(phones, "anna")
    assert "Second Field Visit in China for EU Officials" in sent["content"]
    assert run_job() == {}
    assert "⏰" not in phones.text("anna", "events")

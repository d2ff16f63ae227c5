"""Counts the console shows are kept as followers come and go (never scanned), a first message
records its follower, and answers read a new issue or a publication at once."""

from __future__ import annotations

import re
import time
from zoneinfo import ZoneInfo

from bot.console.follower_stats import ensure_counts, follower_figures
from bot.followers import records
from bot.newsletter import store
from bot.newsletter.model import Issue, Section, Story

TZ = ZoneInfo("Asia/Shanghai")
DAY = 86400


def test_counts_follow_follows_languages_and_departures_as_a_recount_would(redis_client):
    now = time.time()
    for i in range(6):
        records.subscribe(redis_client, f"oCOUNT{i}", now=now - (6 - i) * DAY)
    records.set_language(redis_client, "oCOUNT1", "zh")
    pipe = redis_client.pipeline(transaction=False)
    records.queue_update(pipe, "oCOUNT2", {"language": "zh", "language_source": "script"})
    records.queue_seen(pipe, "oCOUNT9", now)  # a first message from someone never recorded
    pipe.execute()
    records.unsubscribe(redis_client, "oCOUNT3", now=now - DAY)
    records.unsubscribe(redis_client, "oCOUNT3", now=now - DAY)  # WeChat's retry: counted once
    records.subscribe(redis_client, "oCOUNT4", now=now)  # a second follow: still one follower

    kept = follower_figures(redis_client, TZ)
    assert kept["active"] == 6 and kept["gone"] == 1
    assert dict(kept["languages"]) == {"en": 4, "zh": 2}
    # The same figures as counting every record from scratch.
    redis_client.delete(records.COUNTS_KEY, records.CHANGES_KEY)
    ensure_counts(redis_client)
    recounted = follower_figures(redis_client, TZ)
    assert recounted["active"] == kept["active"] and recounted["gone"] == kept["gone"]
    assert dict(recounted["languages"]) == dict(kept["languages"])
    assert recounted["series"][-1] == kept["series"][-1]


def test_a_first_message_records_its_follower(phones, redis_client, seed_issue):
    phones.follow("nora", language="en")
    openid = phones.openid("nora")
    # As if the follow had reached a bot that kept no records yet.
    redis_client.delete(records.record_key(openid))
    assert phones.text("nora", "help")
    follower = records.get(redis_client, openid)
    assert follower is not None and follower.active and follower.last_seen > 0


def test_latest_answers_a_new_issue_at_once(phones, redis_client, seed_issue):
    phones.follow("ola", language="en")
    [first] = phones.say("ola", "latest")
    assert re.search(r"\b9\b|第9期", str(first)), first
    story = Story(title="Tenth issue story", paragraphs=["Text of the tenth issue."])
    tenth = Issue(number=10, month="2021-09", title="Tenth", sections=[Section("News", [story])])
    store.save_issue(redis_client, tenth)
    [after] = phones.say("ola", "latest")
    assert re.search(r"\b10\b|第10期", str(after)), after


def test_a_kept_search_answer_shows_each_question_as_it_was_written(
    phones, redis_client, seed_issue
):
    phones.follow("pia", language="en")
    [first] = [m["content"] for m in phones.say("pia", "seminar on cooperation 12")]
    [second] = [m["content"] for m in phones.say("pia", "seminar on cooperation 345")]
    assert first.startswith('Found for "seminar on cooperation 12"'), first
    assert second.startswith('Found for "seminar on cooperation 345"'), second
    # The same hits: only the words shown differ.
    assert second.replace("345", "12") == first


def test_an_answer_kept_for_everyone_is_made_again_for_a_new_issue(
    phones, redis_client, seed_issue
):
    phones.follow("quin", language="en")
    phones.follow("ruth", language="en")
    [before] = [m["content"] for m in phones.say("quin", "archive")]
    assert [m["content"] for m in phones.say("ruth", "archive")] == [before]
    story = Story(title="Tenth issue story", paragraphs=["Text of the tenth issue."])
    tenth = Issue(number=10, month="2021-09", title="Tenth", sections=[Section("News", [story])])
    store.save_issue(redis_client, tenth)
    [after] = [m["content"] for m in phones.say("ruth", "archive")]
    assert "Tenth" in after and "Tenth" not in before, after

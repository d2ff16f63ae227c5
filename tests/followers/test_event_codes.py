"""Scanning an upcoming event's QR code, made through WeChat (the sandbox), in both languages."""

from __future__ import annotations

import pytest

from bot.followers import event_codes, reminders
from bot.wechat import get_client


@pytest.fixture
def code_of(bot_app, redis_client):
    """The URL of a 30-day code of the n-th announced item of issue 8, made as staff make it."""

    def make(index: int, number: int = 8) -> str:
        with bot_app.app_context():
            code = event_codes.create(redis_client, get_client(), number, index, False, "erin")
        return code["url"]

    return make


def _scan(phones, name: str, url: str) -> list[dict]:
    return phones._answers(phones._post(f"{name}/scan", scene=url))


def test_a_follower_scanning_an_event_code_gets_its_details_and_a_reminder(
    phones, announced, code_of, redis_client
):
    phones.follow("sam", language="en")
    phones.say("sam", "hello")
    [answer] = _scan(phones, "sam", code_of(2))
    text = answer["content"]
    assert text.startswith("📅 Workshop on Practical Cooperation on Return and Readmission")
    assert "newsletter No. 8" in text
    # The number to reply is the one "events" and "remind N" use.
    assert 'Reply "remind 1"' in text
    assert "Reminder set" in phones.text("sam", "remind 1")
    [reminder] = reminders.get_all(redis_client, phones.openid("sam"))
    assert reminder.id == "event:8:2"


def test_following_by_scanning_an_event_code_welcomes_with_the_event_in_chinese(
    phones, announced, code_of
):
    [welcome] = _scan(phones, "mei", code_of(4))
    text = welcome["content"]
    assert text.startswith("Welcome") or "欢迎" in text
    assert "Seminar for Chinese Officials on Anti-Document Fraud" in text
    phones.say("mei", "你好")
    [again] = _scan(phones, "mei", code_of(4))
    assert "回复“提醒 3”" in again["content"] and "第 8 期简报" in again["content"]


def test_a_past_events_code_says_it_took_place(phones, announced, code_of):
    phones.follow("ola", language="en")
    [answer] = _scan(phones, "ola", code_of(1))
    assert "Closing Conference of Last Month" in answer["content"]
    assert "has taken place" in answer["content"] and "remind" not in answer["content"]


def test_a_code_of_another_scene_gets_no_event_answer(phones, announced, sandbox):
    phones.follow("pia", language="en")
    answers = phones._answers(phones._post("pia/scan", scene="expo2024"))
    assert all("📅" not in a.get("content", "") for a in answers)

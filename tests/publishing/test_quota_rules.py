"""WeChat's mass-send quota in Beijing days and months, what WeChat's answers mean, the length of
what is sent: the rules the push checks before and after calling WeChat."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.publishing import content, outcomes, quota
from config import load_settings

BEIJING = quota.BEIJING


def _settings(settings_env, **values):
    return load_settings(environ={**settings_env, **values}, dotenv=None)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def test_days_are_beijing_days_whatever_timezone_says(settings_env, redis_client):
    settings = _settings(settings_env, TIMEZONE="Europe/Brussels")
    quota.record_send(redis_client, "m1", _at("2026-03-10 23:30").timestamp())
    # 00:30 in Beijing is still the 10th in Brussels, but WeChat's day has turned.
    assert quota.quota_at(redis_client, settings, _at("2026-03-10 23:50"), []).remaining == 0
    left = quota.quota_at(redis_client, settings, _at("2026-03-11 00:30"), [])
    assert left.remaining == 1
    spent = quota.quota_at(redis_client, settings, _at("2026-03-10 23:45"), [])
    assert spent.next_free == _at("2026-03-11 00:00")


def test_a_service_account_sends_to_all_once_a_day_four_times_a_month_tags_apart(
    settings_env, redis_client
):
    settings = _settings(settings_env, WECHAT_ACCOUNT_TYPE="service")
    for day in (2, 3, 4):
        quota.record_send(redis_client, f"d{day}", _at(f"2026-03-0{day} 09:00").timestamp())
    quota.record_send(redis_client, "t1", _at("2026-03-05 09:00").timestamp(), to_all=False)
    assert quota.quota_at(redis_client, settings, _at("2026-03-04 18:00"), []).remaining == 0
    assert quota.quota_at(redis_client, settings, _at("2026-03-05 18:00"), []).remaining == 1
    # A scheduled send to all on the 6th is the month's fourth: the 7th has none left.
    scheduled = [(_at("2026-03-06 09:00").timestamp(), True)]
    full = quota.quota_at(redis_client, settings, _at("2026-03-07 09:00"), scheduled)
    assert full.remaining == 0 and full.period == "month"
    assert full.next_free == _at("2026-04-01 00:00")
    # Tag sends are not limited by the account (WeChat filters followers who had 4).
    tag = quota.quota_at(redis_client, settings, _at("2026-03-07 09:00"), scheduled, False)
    assert tag.remaining is None and "each follower" in tag.describe()


def _article(html: str) -> content.Article:
    return content.Article(
        title="Lead",
        author="IOM",
        digest="d",
        content=html,
        content_source_url="",
        cover_image=b"",
    )


def test_the_length_is_measured_on_the_html_sent_with_the_image_urls_in():
    placeholder = "mmsp-image://photo.jpg"
    html = f'<p>{"x" * 19900}</p><img src="{placeholder}">'
    assert len(html) < content.CONTENT_CHARS
    cover = {"media_id": "m", "width": 900, "height": 383}
    short = {placeholder: "http://mmbiz.qpic.cn/a.jpg"}
    assert content.draft_articles([_article(html)], [cover], short)[0]["content"].endswith('">')
    long = {placeholder: "http://mmbiz.qpic.cn/" + "a" * 200 + ".jpg"}
    with pytest.raises(content.ContentError, match="article 1 .* with its image addresses"):
        content.draft_articles([_article(html)], [cover], long)


@pytest.mark.parametrize(
    ("errcode", "step", "api", "words"),
    [
        (48001, "publish", "freepublish/submit", "since July 2025 freepublish is withdrawn"),
        (48001, "broadcast", "message/mass/sendall", "verified account"),
        (40012, "draft", "draft/add", "cover image"),
        (45166, "draft", "draft/add", "content as invalid"),
        (45062, "broadcast", "message/mass/sendall", "advertising agreement"),
    ],
)
def test_wechats_refusals_get_a_hint_for_the_step_they_hit(errcode, step, api, words):
    assert words in outcomes.push_hint(errcode, step, api)


def test_45065_for_an_id_whose_send_failed_names_the_24_hours_and_again():
    hint = outcomes.failed_id_hint()
    assert "24 hours" in hint and "--again" in hint

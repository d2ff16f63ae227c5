"""Each keyword family, in English and Chinese, with the seed issue ingested (and published)."""

from __future__ import annotations

import pytest

from bot.followers.keywords import understand
from tests.support.live import wait_until


@pytest.mark.parametrize(
    ("text", "name", "argument"),
    [
        ("latest", "latest", None),
        ("ＬＡＴＥＳＴ", "latest", None),
        ("Newsletter!", "latest", None),
        ("最新一期", "latest", None),
        ("lastest", "latest", None),
        ("往期", "archive", None),
        ("issues", "archive", None),
        ("issue 9", "issue", 9),
        ("No. 9", "issue", 9),
        ("９", "issue", 9),
        ("第9期", "issue", 9),
        ("第九期", "issue", 9),
        ("coming soon", "events", None),
        ("有什么活动", "events", None),
        ("evnets", "events", None),
        ("往期活动", "past_events", None),
        ("event 2", "event", 2),
        ("活动 2", "event", 2),
        ("remind 2", "remind", 2),
        ("提醒２", "remind", 2),
        ("？", "help", None),
        ("more", "more", None),
        ("human trafficking", "search", None),
        ("x", "too_short", None),
    ],
)
def test_the_parser_reads_what_followers_type(text, name, argument):
    intent = understand(text)
    assert intent.name == name
    assert intent.number == argument


def test_events_are_filtered_by_month_year_or_topic():
    assert understand("events July 2021").period == ("2021-07", "2021-07")
    assert understand("2021年7月活动").period == ("2021-07", "2021-07")
    assert understand("events 2020").period == ("2020-01", "2020-12")
    assert understand("events trafficking").topic == "trafficking"


def test_latest_is_a_card_to_the_published_article(phones, published_seed):
    phones.follow("hana", language="en")
    answers = phones.say("hana", "latest")
    assert len(answers) == 1 and answers[0]["type"] == "news"
    [card] = answers[0]["articles"]  # a reply to a message carries one article
    assert card["url"] == published_seed[0]["url"] and card["title"] == published_seed[0]["title"]
    assert phones.say("hana", "最新一期")[0]["articles"][0]["url"] == published_seed[0]["url"]


def test_the_menu_button_gets_every_article_of_the_issue(phones, published_seed, menu_at_wechat):
    phones.follow("ivan", language="en")
    [news] = phones.click("ivan", "LATEST_ISSUE")
    assert [a["url"] for a in news["articles"]] == [a["url"] for a in published_seed][:8]


def test_before_publishing_latest_answers_with_the_contents(phones, seed_issue):
    phones.follow("jade", language="en")
    text = phones.text("jade", "latest")
    assert "No. 9 · June 2021" in text and "Technical Meeting on Immigration Systems" in text
    phones.text("jade", "中文")
    assert "第9期 · 2021年6月" in phones.text("jade", "简报")


def test_archive_lists_issues_and_opens_one(phones, seed_issue):
    phones.follow("kai", language="en")
    assert "No. 9 · June 2021" in phones.text("kai", "archive")
    for asked in ("issue 9", "9", "no. 9", "第9期"):
        assert "Field Visit for EU Member States" in phones.text("kai", asked)
    missing = phones.text("kai", "issue 4")
    assert "no issue No. 4" in missing and "9" in missing
    phones.text("kai", "中文")
    assert "第9期 · 2021年6月" in phones.text("kai", "往期")


def test_events_upcoming_past_filtered_and_one(phones, announced):
    phones.follow("lena", language="en")
    upcoming = phones.text("lena", "events")
    # Only what has not ended, from every issue: the seed's July 2021 plans are gone.
    assert "1. Workshop on Practical Cooperation on Return and Readmission" in upcoming
    assert "3. Seminar for Chinese Officials on Anti-Document Fraud" in upcoming
    assert "Closing Conference of Last Month" not in upcoming and "2021" not in upcoming
    past = phones.text("lena", "past events")
    # Newest first: the June 2021 celebration before the October 2020 field visit.
    assert past.index("7 June 2021") < past.index("28–30 October 2020")
    # Every issue's events and announcements, also once newer ones are stored.
    july = phones.text("lena", "events July 2021")
    assert "Workshop on Practical Cooperation on Return and Readmission" in july
    assert "Field Visit for EU Member States" not in july and "remind 1" not in july
    topic = phones.text("lena", "events trafficking")
    assert "10–11 December 2020" in topic and "Technical Meeting" not in topic
    detail = phones.text("lena", "event 5")
    assert "10–11 December 2020" in detail and "Beijing" in detail and "hybrid" in detail
    assert "numbered 1 to 7" in phones.text("lena", "event 99")


def test_when_every_announcement_has_passed_events_says_so_with_the_newest(phones, seed_issue):
    phones.follow("lars", language="en")
    answer = phones.text("lars", "events")
    assert answer.startswith("No announced activity is still ahead")
    assert "The newest announcements (issue No. 9)" in answer
    assert "Second Field Visit in China for EU Officials — July – August 2021" in answer
    zh = phones.text("lars", "活动")
    assert zh.startswith("目前没有尚未举行的预告活动") and "2021年7月–8月" in zh


def test_events_in_chinese(phones, announced):
    phones.follow("min", language="en")
    phones.text("min", "中文")
    coming = phones.text("min", "活动")
    assert coming.startswith("即将举行") and "1. Workshop on Practical Cooperation" in coming
    assert "2021年6月7日" in phones.text("min", "往期活动")
    assert "2021年7月–8月" in phones.text("min", "2021年7月活动")
    detail = phones.text("min", "活动 5")
    assert "日期：2020年12月10日–11日" in detail and "地点：北京，中国" in detail
    assert "形式：线上线下结合" in detail and "hybrid" not in detail
    assert "南京和苏州，江苏省" in phones.text("min", "活动 7")


def test_event_details_link_to_the_published_article(phones, published_seed):
    phones.follow("nils", language="en")
    detail = phones.text("nils", "event 2")
    assert "Read it: http" in detail
    assert any(a["url"] in detail for a in published_seed)


def test_search_ranks_the_best_match_first(phones, seed_issue):
    phones.follow("omar", language="en")
    found = phones.text("omar", "immigration systems")
    first = found.splitlines()[1]
    assert "Technical Meeting on Immigration Systems" in first
    policy = phones.text("omar", "NIA workplan")
    assert "1. THE 2021 WORKPLAN OF THE NATIONAL IMMIGRATION ADMINISTRATION" in policy
    assert "policy corner" in policy
    # A story and the event it reports come as one line, with the event's number.
    trafficking = phones.text("omar", "trafficking")
    assert (
        trafficking.count("Seminar on Cross-Country Cooperation") == 1 and "event 5" in trafficking
    )


def test_nothing_found_gets_suggestions_never_silence(phones, seed_issue):
    phones.follow("pia", language="en")
    answer = phones.text("pia", "xylophone")
    assert "Nothing in the newsletter matches" in answer and '"latest"' in answer
    phones.text("pia", "中文")
    assert "没有找到" in phones.text("pia", "木琴")


def test_help_in_both_languages(phones):
    phones.follow("quin", language="en")
    assert "remind 2" in phones.text("quin", "help")
    assert "提醒 2" in phones.text("quin", "帮助")


def test_a_long_answer_is_cut_with_a_more_continuation(phones, redis_client, seed_issue):
    from bot.newsletter import store
    from bot.newsletter.model import Event

    issue = seed_issue
    issue.number = 10
    issue.events = [
        Event(
            f"Regional workshop number {i} on migration data", "2022-03-01", "2022-03-02", "Chengdu"
        )
        for i in range(60)
    ]
    store.save_issue(redis_client, issue)
    phones.follow("rosa", language="en")
    from bot.followers.texts import more_key

    first = phones.text("rosa", "past events")
    assert len(first.encode()) <= 1800 and 'Reply "more"' in first
    pages = [first]
    kept = more_key(phones.openid("rosa"))
    while 'Reply "more"' in pages[-1]:
        # The pages are written with the reply's caching, a moment after the answer.
        wait_until(lambda: redis_client.exists(kept))
        pages.append(phones.text("rosa", "more"))
    assert len(pages) >= 2 and all(len(p.encode()) <= 1800 for p in pages)
    assert "Regional workshop number 59" in "".join(pages)
    assert "That was all" in phones.text("rosa", "more")


def test_a_picture_is_acknowledged_and_kept_for_the_team(client, redis_client):
    from tests.webhook.wire import message_xml, open_reply, safe_request

    body = message_xml("image", {"PicUrl": "https://e.org/p.jpg", "MediaId": "m1", "MsgId": 77})
    path, data = safe_request(body)
    response = client.post(path, data=data, content_type="text/xml")
    assert "the team will see your picture" in open_reply(response.data)["Content"]

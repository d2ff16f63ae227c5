"""What followers wrote in the sandbox chat, answered as a person would expect: Chinese and
typo'd searches, ordinary messages, the language of the message, the right article behind every
link, and pictures, voice and locations."""

from __future__ import annotations

import json
import re

import pytest

from bot.console import accounts
from bot.followers import messages
from bot.followers.keywords import understand
from bot.newsletter import glossary
from tests.console.conftest import signed_in
from tests.support.live import wait_until

HAN = re.compile(r"[\u4e00-\u9fff]")


def titles(answer: str) -> list[str]:
    """The numbered result lines of a search answer ("1. Title")."""
    return [line.split(". ", 1)[1] for line in answer.splitlines() if re.match(r"^\d+\. ", line)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("人口贩运", "Seminar on Cross-Country Cooperation"),
        ("打击人口贩运", "Seminar on Cross-Country Cooperation"),
        ("拐卖", "Training for EU Embassies and Consulates"),
        ("培训", "Training for EU Embassies and Consulates"),
        ("欧盟", "Field Visit for EU Member States"),
        ("新冠", "IOM ATTENDS THE SECOND INTERNATIONAL MIGRATION NETWORK MEETING"),
        ("签证欺诈", "IOM ATTENDS THE SECOND INTERNATIONAL MIGRATION NETWORK MEETING"),
        ("人口販運", "Seminar on Cross-Country Cooperation"),
        ("南京", "Field Visit for EU Member States"),
        ("遣返", "Training for EU Embassies and Consulates"),
    ],
)
def test_chinese_searches_find_the_english_stories(phones, seed_issue, query, expected):
    phones.follow("ying", language="zh_CN")
    answer = phones.text("ying", query)
    assert answer.startswith(f"“{query}”的搜索"), answer
    assert any(expected in t for t in titles(answer)), answer


def test_typos_of_longer_words_are_forgiven(phones, seed_issue):
    phones.follow("ted", language="en")
    for typo in ("trafficing", "trafiking"):
        found = titles(phones.text("ted", typo))
        assert any("Trafficking" in t or "TRAFFICKING" in t for t in found), (typo, found)
    found = titles(phones.text("ted", "immigraton"))
    assert any("Technical Meeting on Immigration Systems" in t for t in found[:3]), found
    assert "Nothing in the newsletter matches" in phones.text("ted", "qwzx")


def test_covid_ranks_stories_about_it_above_the_celebration_and_shows_no_ornament(
    phones, seed_issue
):
    phones.follow("cora", language="en")
    answer = phones.text("cora", "covid")
    found = titles(answer)
    assert len(found) >= 3 and "CELEBRATION" not in found[0]
    assert "1951 - 2021" not in answer


def test_a_search_result_and_an_event_open_the_article_that_holds_the_story(phones, published_seed):
    lead = published_seed[0]["url"]
    visit = next(a for a in published_seed if "Events in 2020" in a["title"])
    phones.follow("rui", language="en")
    found = phones.text("rui", "Nanjing")
    assert f"Read it: {visit['url']}" in found and lead not in found
    detail = phones.text("rui", "event 7")  # the field visit to Nanjing and Suzhou
    assert "Field Visit" in detail and f"Read it: {visit['url']}" in detail
    phones.text("rui", "中文")
    assert f"阅读全文：{visit['url']}" in phones.text("rui", "活动 7")


@pytest.mark.parametrize(
    ("said", "english", "chinese"),
    [
        ("hello", "Hello! This is the MMSP II newsletter", None),
        ("你好", None, "您好！这里是中欧移民与人员流动对话支持项目"),
        ("thanks", "You are welcome!", None),
        ("谢谢", None, "不客气！"),
        ("🙂", "😊 Reply", None),
        ("退订", None, "取消关注：点击聊天窗口右上角"),
        ("How do I unsubscribe?", "To stop following", None),
        ("When is the next issue?", 'Reply "remind next"', None),
        ("下一期什么时候出？", None, "回复“提醒 下一期”"),
        ("联系方式", None, "国际移民组织驻华代表处 MMSP II 项目团队"),
        ("contact", "The MMSP II team at IOM China", None),
        ("人工", None, "项目团队的工作人员会回复您"),
        ("talk to a person", "A person from the team will answer", None),
        ("English please", "Done: replies are now in English", None),
        ("说中文", None, "已切换为中文回复"),
    ],
)
def test_ordinary_messages_get_a_short_natural_answer(phones, seed_issue, said, english, chinese):
    phones.follow("olga", language="en")
    answer = phones.text("olga", said)
    assert (english or chinese) in answer.split("\n\n")[0] + answer, answer
    if chinese:
        assert HAN.search(answer.splitlines()[0]), answer
    else:
        assert not HAN.search(answer.splitlines()[0].split("回复")[0]), answer
    assert "Nothing in the newsletter" not in answer and "没有找到" not in answer


def test_the_next_issue_answer_names_the_newest_and_offers_the_reminder(phones, seed_issue):
    phones.follow("nico", language="en")
    answer = phones.text("nico", "When is the next issue?")
    assert "The newest issue is No. 9 (June 2021)" in answer
    assert "next issue after No. 9" in phones.text("nico", "remind next")


def test_pinyin_slips_and_traditional_characters_are_understood(phones, seed_issue):
    assert understand("zuixin").name == understand("最心").name == "latest"
    assert understand("往期活動").name == "past_events"
    phones.follow("pat", language="zh_CN")
    assert phones.text("pat", "最心").startswith("MMSP II 简报 第9期")
    assert phones.text("pat", "zuixin").startswith("MMSP II Newsletter No. 9")
    past = phones.text("pat", "往期活動")
    # Written in Traditional, answered in Traditional.
    assert "2021年6月7日" in past and "活動" in past and "活动" not in past


def test_a_follower_who_writes_traditional_reads_traditional(phones, seed_issue, menu_at_wechat):
    # WeChat's user info no longer tells a phone's language: what the follower writes does.
    phones.follow("tina", language="zh_TW")
    assert "最新一期簡報" in phones.text("tina", "幫助")
    # Words that read the same in both scripts, and menu taps, keep Traditional.
    latest = phones.text("tina", "最新")
    assert "簡報" in latest and "简报" not in latest
    [tapped] = phones.click("tina", "EVENTS_UPCOMING")
    assert "預告" in tapped["content"] and "预告" not in tapped["content"]
    # Written in Simplified, answered in Simplified.
    assert "最新一期简报" in phones.text("tina", "帮助")
    # Chosen, Traditional stays whatever the script.
    assert phones.text("tina", "繁體中文").startswith("已切換")
    assert "最新一期簡報" in phones.text("tina", "帮助")
    phones.text("tina", "简体中文")
    assert "最新一期简报" in phones.text("tina", "幫助")


def test_a_long_message_is_kept_for_staff_never_echoed_and_answered_from_the_console(
    phones, seed_issue, bot_app, redis_client
):
    question = (
        "Dear team, I am a researcher at a university in Lisbon and I would like to know "
        "whether the training on the identification of victims of trafficking will be open "
        "to observers from academia, and whether the materials could be shared afterwards. "
    ) * 4
    phones.follow("leo", language="en")
    answer = phones.text("leo", question)
    assert answer.startswith("Thank you for your message") and "researcher" not in answer
    assert len(answer) < 300 and 'Reply "more"' not in answer
    [kept] = messages.waiting(redis_client)
    assert kept["text"] == question.strip()
    zh = phones.text(
        "leo",
        "您好，我想了解一下明年在南京举办的培训是否对学术界开放，以及培训材料能否在会后分享给参会者，谢谢！",
    )
    assert zh.startswith("感谢您的留言")

    accounts.create_staff(redis_client, "erin", "editor-pass-123", "editor")
    console = signed_in(bot_app, redis_client, "erin")
    page = console.get("/console/messages").get_data(as_text=True)
    assert "researcher at a university in Lisbon" in page
    assert "WeChat allows 5 more messages to this follower" in page
    assert console.get("/console/messages", headers={}).status_code == 200
    assert bot_app.test_client().get("/console/messages").status_code in (302, 401, 403)
    sent = console.post(
        f"/console/messages/{kept['id']}/reply",
        data={"text": "Yes, observers are welcome.", "csrf_token": console.csrf},
    )
    assert sent.status_code == 302
    wait_until(lambda: any(e["via"] == "custom" for e in phones.inbox("leo")))
    [reply] = [e for e in phones.inbox("leo") if e["via"] == "custom"]
    assert reply["content"] == "Yes, observers are welcome."
    assert len(messages.waiting(redis_client)) == 1
    again = console.post(
        f"/console/messages/{kept['id']}/reply",
        data={"text": "twice", "csrf_token": console.csrf},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "answered already" in again


def test_a_reply_after_48_hours_is_refused_with_one_line(phones, seed_issue, bot_app, redis_client):
    import time

    from bot.wechat import service_window

    phones.follow("max", language="en")
    phones.text("max", "x " * 40 + "is there a programme for students?")
    [kept] = messages.waiting(redis_client)
    window = service_window.window_key(kept["openid"])
    wait_until(lambda: redis_client.hget(window, "message_at"))
    # Max's message is 49 hours old, as far as the bot knows.
    redis_client.hset(window, "message_at", time.time() - 49 * 3600)
    redis_client.hdel(window, "event_at")
    with bot_app.app_context():
        from bot.wechat import get_client

        with pytest.raises(messages.ReplyError, match="more than 48 hours"):
            messages.reply(redis_client, get_client(), kept["id"], "hello", "erin")
    assert [e for e in phones.inbox("max") if e["via"] == "custom"] == []


def test_pictures_voice_and_locations_reach_their_handlers(phones, seed_issue, redis_client):
    phones.follow("vera", language="en")
    pic = phones._answers(phones._post("vera/image", url="http://example.org/p.jpg"))
    assert pic[0]["content"].startswith("Thank you, the team will see your picture")
    assert messages.waiting(redis_client)[0]["pic_url"] == "http://example.org/p.jpg"
    here = phones._answers(
        phones._post("vera/location", label="Nanjing, Jiangsu", latitude=32.06, longitude=118.79)
    )
    assert (
        "Events near Nanjing, Jiangsu" in here[0]["content"] and "Field Visit" in here[0]["content"]
    )
    phones.text("vera", "中文")
    zh_here = phones._answers(phones._post("vera/location", label="南京市鼓楼区"))
    assert zh_here[0]["content"].startswith("南京市鼓楼区附近的活动")
    assert "（南京和苏州，江苏省）" in zh_here[0]["content"]
    heard = phones._answers(phones._post("vera/voice", recognition="最新"))
    assert heard[0]["content"].startswith("MMSP II 简报 第9期")
    unclear = phones._answers(phones._post("vera/voice", recognition=""))
    assert unclear[0]["content"].startswith("抱歉，未能识别这条语音")


def test_places_are_shown_in_chinese_to_chinese_followers():
    assert (
        glossary.place_label("Nanjing and Suzhou, Jiangsu Province", "zh") == "南京和苏州，江苏省"
    )
    assert glossary.place_label("Beijing", "zh") == "北京"
    assert glossary.place_label("Beijing", "en") == "Beijing"


def test_a_malformed_glossary_entry_is_named():
    with pytest.raises(glossary.GlossaryError, match="term 2"):
        glossary.parse({"terms": [{"en": ["visa"], "zh": ["签证"]}, {"zh": ["培训"]}]})


def test_reindexing_an_issue_rebuilds_the_same_index(redis_client, seed_issue):
    from bot.followers.search import ranked
    from bot.newsletter import store

    before = [(k, json.loads(h)["title"]) for _, k, h in ranked(redis_client, "人口贩运")[0]]
    version = store.index_version(redis_client)
    assert store.reindex(redis_client, 9) and not store.reindex(redis_client, 4)
    assert store.index_version(redis_client) == version + 1
    assert [
        (k, json.loads(h)["title"]) for _, k, h in ranked(redis_client, "人口贩运")[0]
    ] == before
    assert before != []


def test_jieba_is_loaded_when_the_app_starts_not_on_a_first_message(settings_env):
    import os
    import subprocess
    import sys

    code = (
        "import time; from bot import create_app; from bot.newsletter import tokens\n"
        "create_app(); assert tokens._jieba is not None\n"
        "t = time.perf_counter(); tokens.chinese_words('打击人口贩运')\n"
        "print(time.perf_counter() - t)"
    )
    env = {**os.environ, **{k: str(v) for k, v in settings_env.items()}}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert float(done.stdout.strip().splitlines()[-1]) < 0.05


def test_a_listing_of_events_stops_at_forty_and_points_to_the_older(
    phones, redis_client, seed_issue
):
    from bot.newsletter import store
    from bot.newsletter.model import Event

    seed_issue.number = 10
    seed_issue.events = [
        Event(f"Workshop {i:03d}", f"2019-{i % 12 + 1:02d}-{i % 28 + 1:02d}", "", "Chengdu")
        for i in range(120)
    ]
    store.save_issue(redis_client, seed_issue)
    phones.follow("ivo", language="en")
    from bot.followers.texts import more_key

    pages = [phones.text("ivo", "past events")]
    kept = more_key(phones.openid("ivo"))
    while 'Reply "more"' in pages[-1]:
        # The pages are written with the reply's caching, a moment after the answer.
        wait_until(lambda: redis_client.exists(kept))
        pages.append(phones.text("ivo", "more"))
    listing = "".join(pages)
    assert "\n40. " in listing and "\n41. " not in listing
    assert '87 older events are not listed: ask for a year, e.g. "events 2020"' in listing

"""The menu file: WeChat's limits, a handler for every key, `mmsp-bot menu sync`, every button."""

from __future__ import annotations

import copy

import pytest
from click.testing import CliRunner

from bot.cli import _register, cli
from bot.followers import answers
from bot.followers import menu as menu_file
from bot.followers.keywords import KEYWORDS
from bot.handlers import load_all
from bot.webhook.messages import ClickEvent
from bot.webhook.router import router


def test_every_click_key_of_the_menu_file_names_an_intent_of_the_table():
    load_all()
    keys = menu_file.click_keys(menu_file.load())
    assert keys >= {"LATEST_ISSUE", "EVENTS_UPCOMING", "EVENTS_PAST", "REMIND", "ARCHIVE"}
    for key in keys:
        wanted = answers.for_menu_key(key)
        assert wanted is not None, f"menu key {key} names no intent"
        assert wanted.name in answers.INTENTS, f"menu key {key}: no answer for {wanted.name}"
    click = ClickEvent(
        to_user="gh", from_user="o", create_time=0, msg_type="event", event="CLICK", event_key="K"
    )
    assert router.resolve(click) is not None


def test_every_intent_the_parser_knows_has_an_answer_with_both_templates():
    load_all()
    for name in KEYWORDS:
        assert name in answers.INTENTS, f"the keywords of {name!r} reach no answer"


def test_the_shipped_menu_follows_wechats_rules():
    errors, _ = menu_file.check(menu_file.load())
    assert errors == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda m: m["button"].append(dict(m["button"][0])), "WeChat allows 1 to 3"),
        (lambda m: m["button"][0].update(name="最新一期简报"), "18 bytes, at most 16"),
        (lambda m: m["button"][1]["sub_button"][0].update(key="K" * 129), "longer than 128"),
        (lambda m: m["button"][1]["sub_button"][0].pop("key"), "needs 'key'"),
        (
            lambda m: m["button"][2]["sub_button"].extend(
                [{"type": "click", "name": "x", "key": f"X{i}"} for i in range(3)]
            ),
            "1 to 5",
        ),
        (lambda m: m["button"][0].update(type="view", url="https://e.org/" + "a" * 1020), "1024"),
        (lambda m: m["button"][0].update(type="teleport"), "unknown type"),
        (lambda m: m["button"][2]["sub_button"][0].update(key="REMIND"), "used twice"),
    ],
)
def test_a_menu_breaking_a_rule_is_refused_with_the_reason(change, complaint):
    menu = copy.deepcopy(menu_file.load())
    change(menu)
    errors, _ = menu_file.check(menu)
    assert any(complaint in e for e in errors), errors


def test_menu_sync_shows_the_difference_then_pushes(bot_app, sandbox, settings_env, monkeypatch):
    for name, value in {**settings_env, "WECHAT_API_BASE": sandbox.api_base}.items():
        monkeypatch.setenv(name, value)
    _register()
    runner = CliRunner()
    refused = runner.invoke(cli, ["menu", "sync"], input="")
    assert refused.exit_code != 0 and "--yes" in refused.output
    pushed = runner.invoke(cli, ["menu", "sync", "--yes"])
    assert pushed.exit_code == 0, pushed.output
    assert "+Latest 最新: click LATEST_ISSUE" in pushed.output and "Menu pushed" in pushed.output
    again = runner.invoke(cli, ["menu", "sync", "--yes"])
    assert "nothing to do" in again.output
    shown = runner.invoke(cli, ["menu", "show"])
    assert "Remind me 提醒: click REMIND" in shown.output


def test_a_broken_menu_file_is_not_sent(tmp_path):
    bad = tmp_path / "menu.json"
    bad.write_text('{"button": [{"type": "click", "name": "A name far too long", "key": "K"}]}')
    _register()
    result = CliRunner().invoke(cli, ["menu", "check", "--file", str(bad)])
    assert result.exit_code != 0 and "at most 16" in result.output
    assert "Traceback" not in result.output


def test_every_menu_button_answers_in_both_languages(phones, seed_issue, menu_at_wechat):
    phones.follow("fei", language="en")
    phones.say("fei", "中文")
    phones.follow("gil", language="en")
    phones.say("gil", "English")
    for key in sorted(menu_file.click_keys(menu_at_wechat) - {"LANGUAGE"}):
        for name in ("fei", "gil"):
            answers = phones.click(name, key)
            assert len(answers) == 1 and (answers[0].get("content") or answers[0].get("articles"))
    zh = phones.click("fei", "EVENTS_UPCOMING")[0]["content"]
    en = phones.click("gil", "EVENTS_UPCOMING")[0]["content"]
    # The seed issue's announcements (July - October 2021) have all taken place.
    assert "最近的预告" in zh and "The newest announcements" in en
    assert "English" in phones.click("fei", "LANGUAGE")[0]["content"]

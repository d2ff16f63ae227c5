"""The sandbox delivering to the real bot on loopback: follow, then ask for help."""

from __future__ import annotations

import pytest
import requests
from click.testing import CliRunner

from bot import create_app
from bot.followers import menu as menu_file
from sandbox.cli import sandbox as sandbox_group
from tests.support.live import serve_wsgi


@pytest.fixture
def bot_webhook(sandbox, settings_env):
    """The bot (bot.create_app) served on loopback, talking to the sandbox's API; compatible
    mode, so that it takes the sandbox's plaintext deliveries as well as its encrypted ones."""
    env = {**settings_env, "WECHAT_API_BASE": sandbox.api_base, "WECHAT_MESSAGE_MODE": "compatible"}
    app = create_app(env)
    with serve_wsgi(app) as url:
        sandbox.configure(webhook_url=f"{url}/wechat")
        yield url


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_follower_gets_the_bots_welcome_and_help(sandbox, bot_webhook, mode):
    sandbox.configure(delivery_mode=mode)
    followed = sandbox.follow("alice", language="en")
    assert followed["delivery"] == {"status": "reply", "attempts": 1, "error": ""}
    welcome = followed["replies"][0]
    assert welcome["sender"] == "account" and welcome["type"] == "text"
    assert "MMSP II" in welcome["content"]

    said = sandbox.say("alice", "help")
    assert said["delivery"]["status"] == "reply"
    assert "latest – the newest issue" in said["replies"][0]["content"]

    page = requests.get(f"{sandbox.url}/sandbox/chat/alice", timeout=10).text
    assert "latest – the newest issue" in page
    assert [d["kind"] for d in sandbox.deliveries()] == ["text", "event:subscribe"]
    assert all(d["mode"] == mode for d in sandbox.deliveries())


def test_follower_clicks_the_bots_menu_and_sees_the_answer_in_the_cli_and_the_page(
    sandbox, bot_webhook
):
    sandbox.wechat_client().menu.create(menu_file.load())
    sandbox.follow("alice", language="en")
    run = CliRunner()
    env = {"SANDBOX_URL": sandbox.url}
    clicked = run.invoke(sandbox_group, ["click", "ABOUT", "--as", "alice"], env=env)
    assert clicked.exit_code == 0, clicked.stderr
    assert clicked.stdout.startswith("bot: MMSP II")
    helped = run.invoke(sandbox_group, ["say", "help", "--as", "alice"], env=env)
    assert "• latest – the newest issue" in helped.stdout

    page = requests.get(f"{sandbox.url}/sandbox/chat/alice", timeout=10).text
    assert "alice tapped About" in page
    assert 'name="key" value="LATEST_ISSUE"' in page


def test_follower_sends_a_picture_a_voice_and_a_location_from_the_cli_and_the_page(
    sandbox, bot_webhook
):
    sandbox.follow("alice", language="en")
    run = CliRunner()
    env = {"SANDBOX_URL": sandbox.url}
    picture = run.invoke(sandbox_group, ["image", "--as", "alice"], env=env)
    assert picture.exit_code == 0, picture.output
    assert "bot: Thank you, the team will see your picture" in picture.stdout
    heard = run.invoke(sandbox_group, ["voice", "help", "--as", "alice"], env=env)
    assert "• latest – the newest issue" in heard.stdout
    unheard = run.invoke(sandbox_group, ["voice", "--as", "alice"], env=env)
    assert "bot: Sorry, the voice message could not be read" in unheard.stdout
    where = run.invoke(
        sandbox_group,
        ["location", "Lisbon", "--lat", "38.7", "--lng", "-9.1", "--as", "alice"],
        env=env,
    )
    assert "bot: Thanks for sharing your location (Lisbon)" in where.stdout
    kinds = [d["kind"] for d in sandbox.deliveries()][:4]
    assert kinds == ["location", "voice", "voice", "image"]

    chat = f"{sandbox.url}/sandbox/chat/alice"
    requests.post(f"{chat}/voice", data={"recognition": "about"}, timeout=10)
    page = requests.get(chat, timeout=10).text
    assert (
        "🎤 about" in page and "MMSP II" in page and 'action="/sandbox/chat/alice/location"' in page
    )

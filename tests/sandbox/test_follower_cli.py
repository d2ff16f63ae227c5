"""`mmsp-bot sandbox follow|say|click|inbox|unfollow` against a running sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sandbox.cli import sandbox as sandbox_group
from tests.support.live import PROJECT_ROOT, free_port
from tests.support.standin_webhook import news_reply, text_reply

CARD = {
    "title": "MMSP II Newsletter No. 12",
    "description": "Skills partnerships between the EU and China",
    "pic_url": "http://127.0.0.1/cover.jpg",
    "url": "http://127.0.0.1/s/issue-12",
}


def _answer(fields):
    if fields.get("Event") == "subscribe":
        return text_reply(fields, "Welcome!\nSend help for the list of commands.")
    if fields.get("EventKey") == "LATEST_ISSUE" or fields.get("Content") == "latest":
        return news_reply(fields, [CARD])
    return "success"


@pytest.fixture
def webhook(sandbox):
    with sandbox.standin_webhook(_answer, delivery_timeout=1.0) as standin:
        yield standin


@pytest.fixture
def run(sandbox, webhook, tmp_path):
    """Invoke a `mmsp-bot sandbox` command with SANDBOX_URL pointing at the test's sandbox."""
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None):
        env = env or {"SANDBOX_URL": sandbox.url, "MMSP_VAR_DIR": str(tmp_path)}
        return runner.invoke(sandbox_group, list(args), env=env, catch_exceptions=False)

    return invoke


def test_follower_cli_follow_prints_the_welcome(run):
    result = run("follow", "alice")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("alice follows the account (openid o")
    assert "bot: Welcome!\n     Send help for the list of commands.\n" in result.stdout


def test_follower_cli_say_prints_a_news_card_as_title_digest_and_url(run):
    run("follow", "alice")
    result = run("say", "latest", "--as", "alice")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "bot: ▣ MMSP II Newsletter No. 12\n"
        "       Skills partnerships between the EU and China\n"
        "       http://127.0.0.1/s/issue-12\n"
    )


def test_follower_cli_click_and_inbox(run, sandbox):
    menu = {"button": [{"type": "click", "name": "Latest", "key": "LATEST_ISSUE"}]}
    sandbox.wechat_client().menu.create(menu)
    run("follow", "alice")
    clicked = run("click", "LATEST_ISSUE", "--as", "alice")
    assert "bot: ▣ MMSP II Newsletter No. 12" in clicked.stdout
    box = run("inbox", "alice").stdout.splitlines()
    assert box[0].endswith("alice: (followed)")
    assert box[-4].endswith("alice: (tapped Latest)")
    assert box[-3].endswith("bot: ▣ MMSP II Newsletter No. 12")


def test_follower_cli_say_with_no_answer_says_so(run):
    run("follow", "alice")
    result = run("say", "nothing to see", "--as", "alice", "--wait", "0.5")
    assert result.stdout == "(no reply: the bot answered success)\n"


def test_follower_cli_refuses_a_non_follower_in_one_line(run):
    result = run("say", "hi", "--as", "carol")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: carol does not follow the account (mmsp-bot sandbox follow carol)\n"
    )


def test_follower_cli_unfollow(run):
    run("follow", "alice")
    assert run("unfollow", "alice").stdout == (
        "alice no longer follows the account (delivery: no_reply)\n"
    )
    assert run("say", "hi", "--as", "alice").exit_code == 1


def test_follower_cli_without_a_sandbox_names_the_fix(run, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    result = run("inbox", "alice", env={"SANDBOX_URL": dead, "MMSP_VAR_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no sandbox answers at {dead} (start `mmsp-bot sandbox serve` or "
        "`mmsp-bot run`, or set SANDBOX_URL)\n"
    )


def test_follower_cli_finds_the_sandbox_recorded_under_var(sandbox, webhook, tmp_path):
    (tmp_path / "sandbox.json").write_text(json.dumps({"url": sandbox.url}))
    env = {k: v for k, v in os.environ.items() if k != "SANDBOX_URL"}
    env["MMSP_VAR_DIR"] = str(tmp_path)
    mmsp_bot = Path(sys.executable).parent / "mmsp-bot"
    done = subprocess.run(
        [str(mmsp_bot), "sandbox", "follow", "dora", "--language", "en"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "dora follows the account" in done.stdout
    assert "bot: Welcome!" in done.stdout

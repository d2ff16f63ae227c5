"""`mmsp-bot doctor` run as a command against the sandbox server: one line per check, exit 0
only when every check passes, and each problem named with what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.followers import menu as menu_file

MMSP_BOT = str(Path(sys.executable).with_name("mmsp-bot"))


@pytest.fixture
def doctor(wx_env):
    def run() -> tuple[int, list[str]]:
        done = subprocess.run(
            [MMSP_BOT, "doctor"],
            env={**os.environ, **wx_env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "Traceback" not in done.stderr, done.stderr
        return done.returncode, done.stdout.splitlines()

    return run


@pytest.fixture
def menu_synced(bot_client):
    bot_client.menu.create(menu_file.load())


def line(lines: list[str], name: str) -> str:
    [found] = [row for row in lines if row[6:].startswith(f"{name}:")]
    return found


def test_a_ready_account_passes_every_check(sandbox, doctor, menu_synced):
    status, lines = doctor()
    assert status == 0, lines
    checks = lines[1:-1]
    assert len(checks) == 12 and all(row.startswith("OK") for row in checks), lines
    assert "mass sends left" in line(lines, "mass-send quota")
    assert "message/mass/sendall 100 of 100" in line(lines, "API calls left today")
    assert lines[-1] == "all checks passed"


def test_an_unverified_account_is_told_each_missing_permission(sandbox, doctor, menu_synced):
    sandbox.configure(verified=False)
    status, lines = doctor()
    assert status == 1
    for name in (
        "publishing",
        "mass sends",
        "customer-service messages",
        "followers",
        "tags",
        "statistics",
    ):
        assert line(lines, name).startswith("FAIL"), lines
        assert "WeChat verification" in line(lines, name)
    for name in ("access token", "drafts", "images and covers", "menu"):
        assert line(lines, name).startswith("OK"), lines
    assert lines[-1] == "6 problem(s)"


def test_a_server_outside_the_ip_whitelist_is_told_its_address(sandbox, doctor):
    sandbox.configure(ip_whitelist=["203.0.113.7"])
    status, lines = doctor()
    assert status == 1
    token = line(lines, "access token")
    assert token.startswith("FAIL") and "127.0.0.1" in token and "IP whitelist" in token
    assert len(lines) == 3  # nothing else can be checked without a token


def test_a_missing_or_different_menu_is_named(sandbox, doctor, bot_client):
    status, lines = doctor()
    assert status == 1
    assert "no menu" in line(lines, "menu") and "mmsp-bot menu sync" in line(lines, "menu")
    bot_client.menu.create({"button": [{"type": "click", "name": "Other", "key": "ABOUT"}]})
    status, lines = doctor()
    assert status == 1 and "differs from config/menu.json" in line(lines, "menu")


def test_an_api_whose_daily_calls_are_used_up_is_named(sandbox, doctor, menu_synced, redis_client):
    beijing_day = int((sandbox.now() + 8 * 3600) // 86400)
    redis_client.hset(f"sandbox:calls_day:{beijing_day}", "message/mass/sendall", 100)
    status, lines = doctor()
    assert status == 1
    quota = line(lines, "API calls left today")
    assert quota.startswith("FAIL") and "message/mass/sendall used up today" in quota

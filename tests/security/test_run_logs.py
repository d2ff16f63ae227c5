"""Attack replay on `mmsp-bot run`: its logs under var/logs/ hold no webhook signature, nonce,
timestamp or openid in an access line (the sandbox's and the web process's alike)."""

from __future__ import annotations

import re

import pytest
import requests

from tests.run.runproc import RunCommand, bare_env, free_pair, mmsp_bot

ACCESS_LINE = re.compile(r'"(GET|POST|HEAD|PUT|DELETE) [^"]*" \d{3}')


@pytest.fixture
def run_bot(tmp_path):
    var_dir = tmp_path / "var"
    port = free_pair()
    run = RunCommand(["--port", str(port)], bare_env(var_dir))
    try:
        run.wait_for("ready in")
        yield var_dir, port
    finally:
        run.cleanup()


def test_the_runs_logs_keep_no_query_of_webhook_or_api_calls(run_bot):
    var_dir, port = run_bot
    env = bare_env(var_dir)
    said = mmsp_bot(["sandbox", "say", "help", "--as", "alice"], env)
    assert said.returncode == 0 and "latest" in said.stdout.lower(), said.stderr
    inbox = requests.get(f"http://127.0.0.1:{port + 1}/sandbox/followers/alice/inbox", timeout=10)
    openid = inbox.json()["openid"]

    logs = {path.name: path.read_text() for path in (var_dir / "logs").glob("*.log")}
    access = {
        name: [line for line in text.splitlines() if ACCESS_LINE.search(line)]
        for name, text in logs.items()
    }
    assert any('"POST /wechat" 200' in line for line in access["web.log"])
    assert any('"POST /sandbox/followers/alice/say" 200' in line for line in access["sandbox.log"])
    for name, lines in access.items():
        for line in lines:
            assert "?" not in line and openid not in line, (name, line)
    for name, text in logs.items():
        assert not re.search(r"(msg_)?signature=|nonce=|timestamp=|secret=|access_token=", text), (
            name
        )

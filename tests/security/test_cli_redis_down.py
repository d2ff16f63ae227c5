"""Every `mmsp-bot` command that needs Redis, with Redis down: one line and exit status 1.

The replay: `mmsp-bot status` printed a 66-line traceback.
"""

from __future__ import annotations

import pytest

from tests.conftest import TEST_WECHAT
from tests.run.runproc import bare_env, free_pair, mmsp_bot
from tests.support.live import PROJECT_ROOT, free_port

# Its Redis is a closed port or `make run`'s own: the embedded test run leaves it out.
pytestmark = pytest.mark.own_redis

SAMPLE = str(PROJECT_ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt")

COMMANDS = [
    ["status", "9"],
    ["schedules"],
    ["schedules", "--all"],
    ["schedules", "cancel", "s1"],
    ["schedules", "confirm", "s1"],
    ["push", "9", "--publish"],
    ["push", "9", "--broadcast", "--at", "2031-06-30 09:00"],
    ["ingest", SAMPLE],
    ["render", "9", "--out", "{tmp}"],
    ["staff", "list"],
    ["staff", "remove", "erin"],
    ["staff", "add", "erin", "--password-stdin"],
    ["sandbox", "serve", "--port", "0"],
    ["menu", "sync", "--yes"],
    ["reindex"],
    ["doctor"],
    ["run", "--port", "{port}"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a[:2]) for a in COMMANDS])
def test_a_command_with_redis_down_says_so_in_one_line(tmp_path, args):
    down = f"redis://:secret-pass@127.0.0.1:{free_port()}/0"
    args = [a.format(tmp=tmp_path / "out", port=free_pair()) for a in args]
    account = {**TEST_WECHAT, "WECHAT_API_BASE": f"http://127.0.0.1:{free_port()}/cgi-bin/"}
    env = bare_env(tmp_path / "var", REDIS_URL=down, SECRET_KEY="k" * 32, **account)
    done = mmsp_bot(args, env, timeout=120)
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert done.returncode == 1, lines
    assert len(errors) == 1 and "Redis" in errors[0] and "answer" in errors[0], lines
    assert "Traceback" not in done.stderr
    assert "secret-pass" not in done.stdout + done.stderr
    # Nothing but the error line, or the lines a command printed before it met Redis.
    assert lines[-1] == errors[0], lines

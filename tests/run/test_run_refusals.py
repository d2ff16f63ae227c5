"""`mmsp-bot run` refuses to start in one clear line, and leaves nothing running."""

from __future__ import annotations

import fcntl
import socket

import pytest

from tests.run.runproc import RunCommand, bare_env, free_pair, processes_with_env
from tests.support.live import free_port


def _refused(var_dir, args: list[str], **extra: str) -> str:
    run = RunCommand(args, bare_env(var_dir, **extra))
    try:
        code = run.finish(60)
    finally:
        run.cleanup()
    assert code != 0
    errors = [line for line in run.lines if line.startswith("error:")]
    assert len(errors) == 1, run.output()
    assert processes_with_env("MMSP_VAR_DIR", str(var_dir)) == []
    assert "Traceback" not in run.output()
    return errors[0]


@pytest.mark.parametrize("busy", ["web", "sandbox"])
def test_a_port_in_use_is_named(tmp_path, busy):
    port = free_pair()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port if busy == "web" else port + 1))
        holder.listen()
        line = _refused(tmp_path / "var", ["--port", str(port)])
    taken = port if busy == "web" else port + 1
    assert f"port {taken}" in line and "in use" in line and busy in line


def test_a_redis_that_does_not_answer_is_named(tmp_path):
    url = f"redis://127.0.0.1:{free_port()}/0"
    line = _refused(tmp_path / "var", ["--port", str(free_pair())], REDIS_URL=url)
    assert url in line and "does not answer" in line


def test_a_redis_password_is_not_printed(tmp_path):
    url = f"redis://:hunter2secret@127.0.0.1:{free_port()}/0"
    line = _refused(tmp_path / "var", ["--port", str(free_pair())], REDIS_URL=url)
    assert "does not answer" in line and "hunter2secret" not in line


def test_a_half_configured_wechat_account_is_named(tmp_path):
    line = _refused(
        tmp_path / "var", ["--port", str(free_pair())], WECHAT_APPID="wx0123456789abcdef"
    )
    assert "half configured" in line
    assert "WECHAT_SECRET, WECHAT_TOKEN not set" in line


def test_a_second_run_on_the_same_var_folder_is_refused(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    with open(var / "run.lock", "w") as held:  # as a first run holds it
        held.write("4242")
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        line = _refused(var, ["--port", str(free_pair())])
    assert "another mmsp-bot run (pid 4242)" in line and "MMSP_VAR_DIR" in line

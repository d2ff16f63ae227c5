"""Drive `mmsp-bot run` as a user would: a child process, its output read line by line."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.support.live import PROJECT_ROOT, free_port

BIN = Path(sys.executable).parent

# Variables that would configure the run; a test with "nothing configured" removes them all.
CONFIGURING = (
    "REDIS_URL",
    "WECHAT_APPID",
    "WECHAT_SECRET",
    "WECHAT_TOKEN",
    "WECHAT_AES_KEY",
    "WECHAT_API_BASE",
    "SANDBOX_URL",
    "SECRET_KEY",
)


def bare_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CONFIGURING}
    return {**env, "MMSP_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1", **extra}


def processes_with_env(name: str, value: str) -> list[int]:
    """Pids of processes whose environment holds name=value (children and grandchildren alike)."""
    wanted = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if wanted in (entry / "environ").read_bytes().split(b"\0"):
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def mmsp_bot(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "mmsp-bot"), *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class RunCommand:
    """`mmsp-bot run` started by a test; lines of its output collected as they come."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.env = env
        self.lines: list[str] = []
        self.popen = subprocess.Popen(
            [str(BIN / "mmsp-bot"), "run", *args],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            if self.popen.poll() is not None:
                self._reader.join(2)
                if any(text in line for line in self.lines):
                    return
                raise AssertionError(f"run exited ({self.popen.returncode}):\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} within {timeout}s:\n{self.output()}")
            time.sleep(0.1)

    def line_with(self, text: str) -> str:
        return next(line for line in self.lines if text in line)

    def interrupt(self, timeout: float = 30) -> int:
        """Ctrl-C as a terminal sends it (to the run only: its children have their own groups)."""
        self.popen.send_signal(signal.SIGINT)
        code = self.popen.wait(timeout)
        self._reader.join(2)
        return code

    def finish(self, timeout: float = 60) -> int:
        code = self.popen.wait(timeout)
        self._reader.join(2)
        return code

    def cleanup(self) -> None:
        """Whatever the test did: no run, no child of it, left behind."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
        for pid in processes_with_env("MMSP_VAR_DIR", self.env["MMSP_VAR_DIR"]):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def free_pair() -> int:
    """A web port whose next port (the sandbox's) is free too."""
    for _ in range(50):
        port = free_port()
        if port < 65535:
            try:
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue
    raise AssertionError("no two free ports in a row")

"""Child processes that start together, are watched, and stop together (nothing left running)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import time
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the supervisor itself dies (Linux only)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    """One supervised program, in its own process group, its output in log_dir/<name>.log."""

    def __init__(
        self,
        name: str,
        args: list[str],
        env: dict[str, str] | None,
        log_dir: Path,
        cwd: Path | None = None,
    ):
        self.name = name
        self.args = args
        self.env = env
        self.cwd = cwd
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(
                self.args,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own group: Ctrl-C reaches only the supervisor, which stops children in order.
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid if self.popen else 0

    def exited(self) -> bool:
        return self.popen is not None and self.popen.poll() is not None

    def returncode(self) -> int | None:
        return self.popen.poll() if self.popen else None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def last_line(self) -> str:
        lines = [line.strip() for line in self.log_text().splitlines() if line.strip()]
        return lines[-1][:300] if lines else f"no output (see {self.log_path})"

    def signal_leader(self, signum: int) -> None:
        if self.popen and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.popen.pid, signum)

    def group_alive(self) -> bool:
        """Whether any process of its group (the program and its own children) still runs."""
        if not self.popen:
            return False
        self.popen.poll()
        try:
            os.killpg(self.popen.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    def kill_group(self) -> None:
        if self.popen:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(5)


def stop_all(children: list[Child], timeout: float = 10.0) -> None:
    """SIGTERM each program (it stops its own workers), then SIGKILL what is left of its group."""
    for child in children:
        child.signal_leader(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(c.popen and c.popen.poll() is None for c in children):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    # Leftovers of a group (a worker whose master is gone) get a short grace, then SIGKILL.
    grace = time.monotonic() + 2
    while any(c.group_alive() for c in children) and time.monotonic() < grace:
        for child in children:
            if child.group_alive():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(child.pid, signal.SIGTERM)
        time.sleep(0.1)
    for child in children:
        if child.group_alive() or (child.popen and child.popen.poll() is None):
            child.kill_group()


def first_exited(children: list[Child]) -> Child | None:
    return next((c for c in children if c.exited()), None)

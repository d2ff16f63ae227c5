"""Child processes that start together, are watched, and stop together (nothing left running)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import time
from pathlib import Path

from bot.run.logfile import OutputPump, RotatingLog

_PR_SET_PDEATHSIG = 1


def _private_child() -> None:
    """In the child before exec: files it creates are its owner's alone (Redis's data files
    among them), and it gets SIGTERM if the supervisor itself dies (Linux only)."""
    os.umask(0o077)
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    """One supervised program, in its own process group, its output in log_dir/<name>.log.

    The output goes through a pipe that a thread copies into the log (appended, rotated by
    size, mode 0600), so that the run knows which lines are this run's own.
    """

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
        self.pump: OutputPump | None = None

    def start(self) -> None:
        log = RotatingLog(self.log_path)
        read_end, write_end = os.pipe()
        try:
            self.popen = subprocess.Popen(
                self.args,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=write_end,
                stderr=subprocess.STDOUT,
                # Its own group: Ctrl-C reaches only the supervisor, which stops children in order.
                start_new_session=True,
                preexec_fn=_private_child,
            )
        except OSError:
            os.close(read_end)
            log.close()
            raise
        finally:
            os.close(write_end)
        self.pump = OutputPump(read_end, log).start()

    @property
    def pid(self) -> int:
        return self.popen.pid if self.popen else 0

    def exited(self) -> bool:
        return self.popen is not None and self.popen.poll() is not None

    def returncode(self) -> int | None:
        return self.popen.poll() if self.popen else None

    def log_text(self) -> str:
        """What the program printed since this start (earlier runs' lines stay in the file)."""
        if self.pump is None:
            return ""
        if self.exited():
            self.pump.wait(1.0)  # its last lines may still be in the pipe
        return self.pump.text()

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

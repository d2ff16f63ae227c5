"""Run an importer in a child process with a CPU-time and memory cap (resource.setrlimit).

A PDF or Word file can be a decompression bomb or make a parser run away; read in the web
worker it would take the worker down with it. Here the file's bytes go to a fresh Python
process on stdin, which caps itself before importing anything, calls the importer named as
"module:function" with the bytes and pickles the result back on stdout. Whatever goes wrong
in the child (a cap reached, a crash) comes back as one IssueImportError line.

    issue = run_confined("bot.newsletter.pdf_import:import_pdf_bytes", data)
"""

from __future__ import annotations

import importlib
import logging
import pickle
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass

from bot.newsletter.decode import IssueImportError
from config import PROJECT_ROOT

log = logging.getLogger(__name__)

DEFAULT_CPU_SECONDS = 60
DEFAULT_MEMORY_MB = 1024


@dataclass(frozen=True)
class Limits:
    """What one import may use: CPU seconds, address space in MB, and wall-clock seconds."""

    cpu_seconds: int = DEFAULT_CPU_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB

    @property
    def wall_seconds(self) -> int:
        return 2 * self.cpu_seconds + 10  # waiting on nothing (a stuck read) also ends

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(settings.IMPORT_CPU_SECONDS, settings.IMPORT_MEMORY_MB)


def _refusal(limits: Limits, what: str) -> IssueImportError:
    return IssueImportError(
        f"the {what} needs more than {limits.cpu_seconds} s of CPU or {limits.memory_mb} MB of "
        "memory to read (a damaged file or a decompression bomb?); it was not imported"
    )


def run_confined(target: str, data: bytes, limits: Limits | None = None, what: str = "file"):
    """The result of `target(data)` computed in a capped child process; IssueImportError (one
    line) for what the importer refuses and for a child that hit a cap or died."""
    limits = limits or Limits()
    command = [
        sys.executable, "-m", "bot.newsletter.confined", target,
        str(limits.cpu_seconds), str(limits.memory_mb),
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command, input=data, capture_output=True, timeout=limits.wall_seconds,
            cwd=PROJECT_ROOT,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        log.info("import by %s ran past %s s and was stopped", target, limits.wall_seconds)
        raise _refusal(limits, what) from None
    if done.returncode == 0 and done.stdout:
        status, value = pickle.loads(done.stdout)
        if status == "ok":
            return value
        raise IssueImportError(value)
    tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
    if done.returncode < 0:
        cause = signal.Signals(-done.returncode).name
    else:
        cause = f"exit {done.returncode}: {tail[0][:200]}"
    log.info("import by %s stopped (%s)", target, cause)
    raise _refusal(limits, what)


def _cap(cpu_seconds: int, memory_mb: int) -> None:
    """Cap this process: SIGXCPU at the CPU limit (killed a second later), and no allocation
    beyond the address-space limit (MemoryError)."""
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def _child(argv: list[str]) -> int:
    target, cpu_seconds, memory_mb = argv[0], int(argv[1]), int(argv[2])
    _cap(cpu_seconds, memory_mb)
    data = sys.stdin.buffer.read()
    module, _, name = target.partition(":")
    try:
        result = ("ok", getattr(importlib.import_module(module), name)(data))
    except IssueImportError as exc:
        result = ("refused", str(exc).splitlines()[0] if str(exc) else "the file was refused")
    except ValueError as exc:  # the importers' other one-line refusals
        result = ("refused", str(exc).splitlines()[0] if str(exc) else "the file was refused")
    except MemoryError:
        return 3
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    sys.exit(_child(sys.argv[1:]))

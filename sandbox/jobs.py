"""Background completion of asynchronous jobs: freepublish and mass sends."""

from __future__ import annotations

import logging
import threading

from sandbox.state import SandboxState

log = logging.getLogger(__name__)

TICK_SECONDS = 0.2


def run_due(st: SandboxState) -> int:
    """Finish the jobs whose time has come; returns how many finished."""
    return 0


class Ticker:
    """A daemon thread that finishes due jobs a few times a second until stopped."""

    def __init__(self, st: SandboxState):
        self.st = st
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sandbox-jobs", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                run_due(self.st)
            except Exception:
                # One bad job must not stop the others; it is retried on the next tick.
                log.exception("sandbox job tick failed")

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(5)


def start_ticker(st: SandboxState) -> Ticker:
    ticker = Ticker(st)
    ticker.thread.start()
    return ticker

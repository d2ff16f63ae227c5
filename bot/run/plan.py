"""What `mmsp-bot run` will start, decided before anything starts: checks that fail in one line."""

from __future__ import annotations

import fcntl
import os
import secrets
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import redis

from config import PROJECT_ROOT, local_state

WECHAT_ACCOUNT = ("WECHAT_APPID", "WECHAT_SECRET", "WECHAT_TOKEN")


class RunError(Exception):
    """A reason not to start, said in one line."""


@dataclass
class Plan:
    """The decided shape of a run: ports, which Redis, which WeChat, the children's environment."""

    port: int
    host: str
    var: Path
    redis_url: str = ""  # empty: start the embedded Redis
    sandbox: bool = True
    lock: IO[str] | None = None  # held while the run lives (see hold_var_lock)
    env_appid: str = ""

    @property
    def sandbox_port(self) -> int:
        return self.port + 1

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    @property
    def web_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"


def given_environment() -> dict[str, str]:
    """The settings a person gave: .env below the process environment, empty values dropped."""
    from config import _read_dotenv

    env = {**_read_dotenv(PROJECT_ROOT / ".env"), **os.environ}
    return {name: value for name, value in env.items() if value.strip()}


def hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def check_wechat_account(env: dict[str, str]) -> bool:
    """True when WeChat itself is configured, False when none of it is (the sandbox)."""
    given = [name for name in WECHAT_ACCOUNT if name in env]
    if len(given) == len(WECHAT_ACCOUNT):
        return True
    if given or "WECHAT_AES_KEY" in env:
        missing = ", ".join(name for name in WECHAT_ACCOUNT if name not in env)
        raise RunError(
            f"WeChat is half configured: {missing} not set "
            "(set WECHAT_APPID, WECHAT_SECRET and WECHAT_TOKEN, or none of them for the sandbox)"
        )
    return False


def check_port_free(host: str, port: int, what: str) -> None:
    if not 0 < port < 65536:
        raise RunError(f"port {port} for the {what} is not a valid port number")
    with socket.socket() as s:
        # The servers set SO_REUSEADDR too, so a port in TIME_WAIT counts as free, as for them.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            raise RunError(f"port {port} ({what}) is in use; choose another with --port") from None


def check_redis_answers(url: str) -> None:
    from bot.redisdb import connect

    client = None
    try:
        client = connect(url)
        client.ping()
    except (redis.RedisError, ValueError, OSError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RunError(f"Redis at {hide_password(url)} does not answer: {detail}") from None
    finally:
        if client is not None:
            client.close()


def decide(port: int, host: str | None) -> Plan:
    """Check the configuration and ports; raise RunError before anything is started."""
    env = given_environment()
    real_wechat = check_wechat_account(env)
    plan = Plan(
        port=port,
        host=host or ("0.0.0.0" if real_wechat else "127.0.0.1"),
        var=local_state.var_dir(env),
        redis_url=env.get("REDIS_URL", ""),
        sandbox=not real_wechat,
        env_appid=env.get("WECHAT_APPID", ""),
    )
    plan.lock = hold_var_lock(plan.var)
    check_port_free(plan.host, plan.port, "web app")
    if plan.sandbox:
        check_port_free("127.0.0.1", plan.sandbox_port, "sandbox")
    if plan.redis_url:
        check_redis_answers(plan.redis_url)
    return plan


def hold_var_lock(folder: Path) -> IO[str]:
    """One run per var/ folder: two embedded Redis servers on one data folder would corrupt it."""
    folder.mkdir(parents=True, exist_ok=True)
    # var/ holds the Redis password, its data and the logs: other users may not even list it.
    os.chmod(folder, 0o700)
    handle = open(folder / "run.lock", "a+")  # noqa: SIM115 - held open for the run's lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        raise RunError(
            f"another mmsp-bot run (pid {holder}) uses {folder}; stop it, or set MMSP_VAR_DIR"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def child_environment(plan: Plan, redis_url: str) -> dict[str, str]:
    """The environment every child gets: the settings of this run, the venv first on PATH."""
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "MMSP_VAR_DIR": str(plan.var),
        "REDIS_URL": redis_url,
        "PORT": str(plan.port),
        "WEB_HOST": plan.host,
    }
    if not given_environment().get("SECRET_KEY"):
        env["SECRET_KEY"] = _local_secret_key(plan.var)
    if plan.sandbox:
        # One web process (with its threads) is plenty for a demo and starts sooner.
        env.setdefault("WEB_CONCURRENCY", "1")
        account = local_state.sandbox_account(plan.var)
        env.update(local_state.account_settings(account))
        env["WECHAT_API_BASE"] = plan.sandbox_url + "/cgi-bin/"
        env["SANDBOX_URL"] = plan.sandbox_url
    return env


def _local_secret_key(folder: Path) -> str:
    """A console session key kept under var/, so staff stay logged in across restarts."""
    path = folder / local_state.SECRET_FILE
    value = local_state.read_json(path).get("secret_key")
    if isinstance(value, str) and len(value) >= 32:
        return value
    value = secrets.token_urlsafe(32)
    local_state.write_json(path, {"secret_key": value}, private=True)
    return value

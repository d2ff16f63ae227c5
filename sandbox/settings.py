"""The sandbox's own settings: the account it plays and the Redis that keeps its state.

They come from the same variables as the bot's (WECHAT_APPID, WECHAT_SECRET, WECHAT_TOKEN,
WECHAT_AES_KEY, REDIS_URL), so one environment configures both sides, layered the same way:
defaults, what `mmsp-bot run` recorded in its state folder, a `.env` file, the environment.
The sandbox reads them itself because it is a program of its own that imports nothing of the bot.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

# The files a run leaves in its state folder (MMSP_VAR_DIR, or var/): its account, its Redis,
# the sandbox's address; their names and keys are the run's, read here as a reader of them.
ACCOUNT_FILE = "wechat.json"
REDIS_FILE = "redis.json"
SANDBOX_FILE = "sandbox.json"
ACCOUNT_VARIABLES = {
    "appid": "WECHAT_APPID",
    "secret": "WECHAT_SECRET",
    "token": "WECHAT_TOKEN",
    "aes_key": "WECHAT_AES_KEY",
}

_AES_KEY = re.compile(r"^[A-Za-z0-9]{43}$")
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://", "sentinel://")


class SandboxSettingsError(ValueError):
    """A setting is malformed; the message is one line naming the variable."""


@dataclass(frozen=True)
class SandboxSettings:
    """The account's parts by name (appid, secret, token, aes_key; an empty one is generated or
    taken from Redis) and the Redis URL."""

    account: dict[str, str]
    redis_url: str = DEFAULT_REDIS_URL


def state_folder(environ: Mapping[str, str] | None = None) -> Path:
    """The run's state folder: MMSP_VAR_DIR, or var/ in the project."""
    env = os.environ if environ is None else environ
    configured = env.get("MMSP_VAR_DIR", "").strip()
    return Path(configured).expanduser().resolve() if configured else PROJECT_ROOT / "var"


def read_state_file(name: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One JSON object the run recorded, or {} when it is missing or unreadable."""
    try:
        data = json.loads((state_folder(environ) / name).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _recorded(env: Mapping[str, str]) -> dict[str, str]:
    """What a run recorded, for the settings the environment leaves empty."""
    found: dict[str, str] = {}
    if not any(env.get(name, "").strip() for name in ACCOUNT_VARIABLES.values()):
        account = read_state_file(ACCOUNT_FILE, env)
        if all(isinstance(account.get(k), str) and account[k] for k in ACCOUNT_VARIABLES):
            found.update({name: account[k] for k, name in ACCOUNT_VARIABLES.items()})
    if not env.get("REDIS_URL", "").strip():
        url = str(read_state_file(REDIS_FILE, env).get("url", ""))
        if url.startswith("redis://"):
            found["REDIS_URL"] = url
    return found


def _dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def read_settings(environ: Mapping[str, str] | None = None) -> SandboxSettings:
    """The settings from this mapping alone, or from var/, .env and the process environment."""
    if environ is None:
        env = {**_dotenv(PROJECT_ROOT / ".env"), **os.environ}
        env = {**_recorded(env), **env}
    else:
        env = dict(environ)
    account = {part: env.get(name, "").strip() for part, name in ACCOUNT_VARIABLES.items()}
    redis_url = env.get("REDIS_URL", DEFAULT_REDIS_URL).strip()
    if account["aes_key"] and not _AES_KEY.match(account["aes_key"]):
        raise SandboxSettingsError(
            "WECHAT_AES_KEY must be 43 letters and digits (the EncodingAESKey)"
        )
    if not redis_url.startswith(_REDIS_SCHEMES):
        raise SandboxSettingsError(
            "REDIS_URL must be a redis://, rediss://, unix:// or sentinel:// URL"
        )
    return SandboxSettings(account=account, redis_url=redis_url)
